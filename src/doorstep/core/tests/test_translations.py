"""The zh-hans catalogue is complete, keeps every placeholder, and the committed .mo matches it.

Chinese is the demo default, so an untranslated or fuzzy entry shows English on a Chinese
screen, a lost ``%(name)s`` raises at run time, and a stale .mo (installs need no gettext, so
the compiled file is committed) silently shows yesterday's wording.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import polib
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, ngettext, pgettext

CATALOGUE = Path(settings.LOCALE_PATHS[0]) / "zh_Hans" / "LC_MESSAGES"

# Python's %-conversions (named or not, with flags, width and precision) and str.format fields.
# A bare "%" before a space or ")", as in "18%)", is text, not a conversion.
PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[#0+-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]|\{\w*\}")
TAG = re.compile(r"<[^>]+>")


def catalogue() -> polib.POFile:
    return polib.pofile(str(CATALOGUE / "django.po"))


def translations(entries: polib.POFile | polib.MOFile) -> dict[tuple[str | None, str], object]:
    return {
        (entry.msgctxt, entry.msgid): entry.msgstr_plural or entry.msgstr
        for entry in entries
        if entry.msgid
    }


def mismatches(pattern: re.Pattern[str]) -> list[str]:
    """Entries whose translation does not hold exactly the source's ``pattern`` tokens."""
    wrong = []
    for entry in catalogue():
        source = entry.msgid_plural or entry.msgid
        targets = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        expected = Counter(pattern.findall(source))
        wrong += [source for target in targets if Counter(pattern.findall(target)) != expected]
    return wrong


def test_every_message_is_translated() -> None:
    po = catalogue()

    assert [entry.msgid for entry in po.untranslated_entries()] == []
    assert len(po) > 0


def test_no_message_is_left_fuzzy() -> None:
    assert [entry.msgid for entry in catalogue().fuzzy_entries()] == []
    assert "#, fuzzy" not in (CATALOGUE / "django.po").read_text(encoding="utf-8")


def test_the_header_declares_chinese_utf8_and_one_plural_form() -> None:
    metadata = catalogue().metadata

    assert metadata["Language"] == "zh_Hans"
    assert metadata["Content-Type"] == "text/plain; charset=UTF-8"
    assert metadata["Plural-Forms"] == "nplurals=1; plural=0;"


def test_plural_messages_have_exactly_one_form() -> None:
    plurals = [entry for entry in catalogue() if entry.msgid_plural]

    assert [sorted(entry.msgstr_plural) for entry in plurals] == [[0]] * len(plurals)


def test_every_translation_keeps_the_placeholders_of_its_source() -> None:
    assert mismatches(PLACEHOLDER) == []


def test_every_translation_keeps_the_html_tags_of_its_source() -> None:
    assert mismatches(TAG) == []


def test_the_compiled_catalogue_holds_exactly_the_translations_of_the_po() -> None:
    compiled = polib.mofile(str(CATALOGUE / "django.mo"))

    assert translations(compiled) == translations(catalogue())


def test_screens_speak_chinese_under_zh_hans() -> None:
    with translation.override("zh-hans"):
        assert gettext("Cases") == "案件"
        assert ngettext("%(counter)s case", "%(counter)s cases", 2) % {"counter": 2} == (
            "共 2 个案件"
        )


def test_a_home_address_is_a_residence_while_the_admin_keeps_its_home_page() -> None:
    with translation.override("zh-hans"):
        assert pgettext("place", "Home") == "住宅"
        assert gettext("Home") == "首页"
