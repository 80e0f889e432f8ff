"""The content screen: each content rule fires on what it forbids, with the exact spans."""

from __future__ import annotations

import pytest

from doorstep.compliance.engine import EngineInputError, Kind, Verdict, screen
from doorstep.compliance.engine.content import LETTER_FIELDS, Category, Span
from doorstep.compliance.engine.explain import explain_screening

FULL_LETTER = dict.fromkeys(LETTER_FIELDS, "filled")


def test_a_polite_script_passes() -> None:
    result = screen("您好，我是银行工作人员，想和您商量一下还款安排。", kind=Kind.SCRIPT)

    assert (result.verdict, result.findings) == (Verdict.ALLOW, ())


def test_threats_insults_and_spreading_private_information_block_with_their_spans() -> None:
    result = screen("老赖，再不还钱就让你好看，我们会告诉你的同事。", kind=Kind.SCRIPT)

    assert (result.verdict, result.rules) == (Verdict.BLOCK, ("CN-CON-01",))
    assert result.findings[0].spans == (
        Span(0, 2, "老赖", Category.INSULT),
        Span(8, 12, "让你好看", Category.THREAT),
        Span(16, 22, "告诉你的同事", Category.PRIVACY),
    )


def test_english_violence_is_found_whole_word_and_in_any_case() -> None:
    result = screen("Pay today or we will Kill  You. Skill yourself up.", kind=Kind.CHAT)

    assert [(span.text, span.category) for span in result.findings[0].spans] == [
        ("Kill  You", Category.VIOLENCE)
    ]


def test_a_phrase_split_by_spaces_still_matches() -> None:
    result = screen("再不还就 打 死 你", kind=Kind.SMS)

    assert [span.text for span in result.findings[0].spans] == ["打 死 你"]


def test_a_letter_lacking_required_fields_lists_them_in_order() -> None:
    fields = FULL_LETTER | {"legal_basis": "", "seal": "  "}

    result = screen("催收函", kind=Kind.LETTER, letter_fields=fields)

    assert result.rules == ("CN-LET-01",)
    assert result.findings[0].missing == ("legal_basis", "seal")


def test_a_complete_letter_passes_and_a_letter_without_fields_lacks_them_all() -> None:
    assert screen("催收函", kind=Kind.LETTER, letter_fields=FULL_LETTER).rules == ()
    assert screen("催收函", kind=Kind.LETTER).findings[0].missing == tuple(LETTER_FIELDS)


def test_a_suit_threat_is_blocked_only_on_a_time_barred_debt() -> None:
    text = "如不还款，我行将向法院起诉。"

    assert screen(text, kind=Kind.LETTER, letter_fields=FULL_LETTER).rules == ()
    barred = screen(text, kind=Kind.LETTER, letter_fields=FULL_LETTER, time_barred=True)
    assert barred.rules == ("CN-LIM-05",)
    assert [span.text for span in barred.findings[0].spans] == ["法院", "起诉"]


def test_telling_the_debtor_the_limitation_period_has_expired_is_no_threat() -> None:
    result = screen("您的欠款诉讼时效已届满，您有权拒绝履行。", kind=Kind.SCRIPT, time_barred=True)

    assert result.rules == ()


def test_a_us_text_without_an_opt_out_is_blocked() -> None:
    assert screen("Your payment is due.", profile="us", kind=Kind.SMS).rules == ("US-ELEC-01",)
    assert (
        screen("Your payment is due. Reply STOP to opt out.", profile="us", kind=Kind.SMS).rules
        == ()
    )
    assert screen("Your payment is due.", profile="us", kind=Kind.LETTER).rules == ()


def test_a_us_time_barred_debt_carries_no_threat_of_suit() -> None:
    result = screen(
        "We may file a lawsuit. To stop receiving emails, unsubscribe here.",
        profile="us",
        kind=Kind.EMAIL,
        time_barred=True,
    )

    assert result.rules == ("US-TBD-01",)
    assert [span.text for span in result.findings[0].spans] == ["lawsuit"]


def test_uk_pressure_to_borrow_and_court_on_statute_barred_debt_are_blocked() -> None:
    result = screen(
        "You could take out a loan, or we will see you in court.",
        profile="uk",
        kind=Kind.SCRIPT,
        time_barred=True,
    )

    assert result.rules == ("UK-PRESS-01", "UK-SB-01")


def test_profiles_screen_only_their_own_rules() -> None:
    assert screen("老赖", profile="us", kind=Kind.SCRIPT).rules == ()


def test_the_explanation_quotes_what_was_found() -> None:
    result = screen("老赖，让你好看", kind=Kind.SCRIPT)

    assert [item.text for item in explain_screening(result)] == [
        "文本含有侮辱、威胁内容：“老赖”、“让你好看”（商业银行信用卡业务监督管理办法（2011）第68条；"
        "治安管理处罚法 第42条（2012）/第50条（2025修订））"
    ]
    assert [item.text for item in explain_screening(result, "en")] == [
        'The text contains insults, threats: "老赖", "让你好看" (Credit Card Business Measures '
        "(2011), Art 68; Public Security Administration Punishments Law Art 42 (2012) / Art 50 "
        "(2025 revision))"
    ]


def test_an_unknown_profile_is_refused() -> None:
    with pytest.raises(EngineInputError) as raised:
        screen("您好", profile="fr", kind=Kind.SCRIPT)

    assert str(raised.value) == "profile: unknown profile fr; use one of cn, us, uk"
