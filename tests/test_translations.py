"""Chinese is the default language: every interface string has its translation, none is fuzzy."""

from __future__ import annotations

import re
from pathlib import Path

from django.utils import translation

PO = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
ENTRY = re.compile(r'^msgid "(.*)"\nmsgstr "(.*)"$', re.MULTILINE)
WITH_CONTEXT = re.compile(r'^(?:msgctxt "(.*)"\n)?msgid "(.*)"\nmsgstr "(.*)"$', re.MULTILINE)


def test_every_string_is_translated_and_none_is_fuzzy():
    text = PO.read_text(encoding="utf-8")
    entries = [(msgid, msgstr) for msgid, msgstr in ENTRY.findall(text) if msgid]

    assert len(entries) > 100
    assert [msgid for msgid, msgstr in entries if not msgstr] == []
    assert "#, fuzzy" not in text


def test_the_compiled_catalogue_is_current():
    """The .mo file is committed; it must carry what the .po says."""
    text = PO.read_text(encoding="utf-8")
    with translation.override("zh-hans"):
        wrong = [
            (msgid, msgstr)
            for context, msgid, msgstr in WITH_CONTEXT.findall(text)
            if msgid
            and "%" not in msgid
            and (translation.pgettext(context, msgid) if context else translation.gettext(msgid)) != msgstr
        ]
    assert wrong == []
