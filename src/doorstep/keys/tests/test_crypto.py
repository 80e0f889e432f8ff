"""The pure envelope: round trips, tampering, the column binding, key wrapping, blind indexes."""

from __future__ import annotations

import pytest

from doorstep.core import crypto

KEY = crypto.DataKey.from_bytes("0a0b0c0d", bytes(range(32)))
OTHER = crypto.DataKey.from_bytes("1a1b1c1d", bytes(range(1, 33)))
KEYS = {KEY.key_id: KEY, OTHER.key_id: OTHER}


def test_a_value_round_trips_and_the_ciphertext_names_its_key() -> None:
    token = crypto.encrypt(b"330106198804120523", KEY, "portfolio_customer.national_id")
    assert token.startswith("e1:0a0b0c0d:")
    assert "330106198804120523" not in token
    assert crypto.decrypt(token, KEYS, "portfolio_customer.national_id") == b"330106198804120523"


def test_the_same_value_encrypts_differently_each_time() -> None:
    first = crypto.encrypt(b"13805710001", KEY, "portfolio_phone.number")
    assert first != crypto.encrypt(b"13805710001", KEY, "portfolio_phone.number")


@pytest.mark.parametrize("position", [12, 20, 40, -2])  # key id, nonce, body, tag
def test_a_changed_character_is_detected(position: int) -> None:
    token = crypto.encrypt(b"9500.00", KEY, "portfolio_customer.monthly_income")
    flipped = "A" if token[position] != "A" else "B"
    altered = token[:position] + flipped + token[position + 1 :]
    with pytest.raises(crypto.CryptoError):
        crypto.decrypt(altered, KEYS, "portfolio_customer.monthly_income")


def test_a_ciphertext_moved_to_another_column_does_not_decrypt() -> None:
    token = crypto.encrypt(b"330106198804120523", KEY, "portfolio_customer.national_id")
    with pytest.raises(crypto.CryptoError, match="another column"):
        crypto.decrypt(token, KEYS, "portfolio_customer.employer")


def test_relabelling_the_key_id_is_detected() -> None:
    token = crypto.encrypt(b"secret", KEY, "t.c")
    relabelled = token.replace(KEY.key_id, OTHER.key_id, 1)
    with pytest.raises(crypto.CryptoError):
        crypto.decrypt(relabelled, KEYS, "t.c")


def test_values_under_old_and_new_keys_decrypt_side_by_side() -> None:
    old = crypto.encrypt(b"a", KEY, "t.c")
    new = crypto.reencrypt(old, KEYS, OTHER, "t.c")
    assert crypto.key_id_of(new) == OTHER.key_id
    assert crypto.decrypt(old, KEYS, "t.c") == crypto.decrypt(new, KEYS, "t.c") == b"a"
    assert crypto.reencrypt(new, KEYS, OTHER, "t.c") == new
    with pytest.raises(crypto.CryptoError, match="unknown data key"):
        crypto.decrypt(new, {KEY.key_id: KEY}, "t.c")


def test_a_wrapped_key_unwraps_only_under_its_kek_and_its_own_id() -> None:
    kek = crypto.LocalKek(bytes(32))
    wrapped = kek.wrap(bytes(range(32)), crypto.wrap_context("0a0b0c0d", "data"))
    assert kek.unwrap(wrapped, crypto.wrap_context("0a0b0c0d", "data")) == bytes(range(32))
    with pytest.raises(crypto.CryptoError):
        kek.unwrap(wrapped, crypto.wrap_context("ffffffff", "data"))
    with pytest.raises(crypto.CryptoError):
        crypto.LocalKek(bytes([1]) * 32).unwrap(wrapped, crypto.wrap_context("0a0b0c0d", "data"))
    assert kek.key_id != crypto.LocalKek(bytes([1]) * 32).key_id


def test_a_kek_must_be_32_bytes_of_base64() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        crypto.LocalKek.from_base64("c2hvcnQ=")
    with pytest.raises(ValueError, match="base64"):
        crypto.LocalKek.from_base64("not base64!")


def test_a_blind_index_matches_the_same_number_however_it_is_written() -> None:
    key = bytes(range(32))
    plain = crypto.blind_index(key, "phone", "13805710001")
    assert crypto.blind_index(key, "phone", "+86 138-0571-0001") == plain
    assert crypto.blind_index(key, "phone", "0086 13805710001") == plain
    assert crypto.blind_index(key, "phone", "13805710002") != plain
    assert len(plain) == 32
    assert crypto.blind_index(bytes(32), "phone", "13805710001") != plain


def test_a_blind_index_differs_between_domains_and_ignores_case_of_the_check_letter() -> None:
    key = bytes(range(32))
    assert crypto.blind_index(key, "national_id", "11010519491231002x") == crypto.blind_index(
        key, "national_id", "11010519491231002X"
    )
    assert crypto.blind_index(key, "national_id", "13805710001") != crypto.blind_index(
        key, "phone", "13805710001"
    )
