from __future__ import annotations

from doorstep.core.masking import mask_national_id, mask_phone


def test_a_national_id_keeps_region_and_last_four() -> None:
    assert mask_national_id("110105199001011234") == "110105********1234"


def test_a_mobile_keeps_prefix_and_last_four() -> None:
    assert mask_phone("13812345678") == "138****5678"


def test_short_values_are_masked_entirely() -> None:
    assert mask_phone("12345") == "*****"
    assert mask_national_id("1234") == "****"
