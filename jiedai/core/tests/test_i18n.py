"""Translations: the UI follows the browser's or the chosen language, the English catalog is complete, and no
translation can break a page by changing the placeholders Python or a template fills in."""

import re
from pathlib import Path

import pytest
from django.utils import translation

LOCALE = Path(__file__).resolve().parents[2] / "locale"
CATALOGS = ["en", "zh_Hant"]

# %(name)s / %s / %d style (Python and blocktranslate) and {...} style (str.format); "%%" is a literal percent.
PLACEHOLDER = re.compile(r"%%|%\(\w+\)[sdifr]|%[sdifr]|\{[^{}]*\}")


def load(locale):
    polib = pytest.importorskip("polib")
    return polib.pofile(str(LOCALE / locale / "LC_MESSAGES" / "django.po"))


def placeholders(text):
    return sorted(p for p in PLACEHOLDER.findall(text) if p != "%%")


@pytest.fixture(autouse=True)
def _restore_language():
    yield
    translation.deactivate()


def test_login_page_follows_accept_language(client):
    english = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in english
    assert "Sign in to Jiedai" in english and "Password" in english
    assert "登录" not in english

    traditional = client.get("/login/", HTTP_ACCEPT_LANGUAGE="zh-hant").content.decode()
    assert '<html lang="zh-hant">' in traditional
    assert "登入接待管理系統" in traditional and "密碼" in traditional

    simplified = client.get("/login/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "登录接待管理系统" in simplified


def test_english_catalog_is_complete():
    catalog = load("en")
    assert len(catalog) > 0
    untranslated = [e.msgid for e in catalog.untranslated_entries()]
    fuzzy = [e.msgid for e in catalog.fuzzy_entries()]
    assert not untranslated, f"untranslated in en (run scripts/messages.py, then translate): {untranslated}"
    assert not fuzzy, f"fuzzy in en (check and clear the flag): {fuzzy}"


@pytest.mark.parametrize("locale", CATALOGS)
def test_translations_keep_the_placeholders(locale):
    problems = []
    for entry in load(locale):
        if entry.obsolete:
            continue
        if entry.msgid_plural:
            plural = entry.msgstr_plural.items()
            pairs = [(entry.msgid_plural if index else entry.msgid, text) for index, text in plural]
        else:
            pairs = [(entry.msgid, entry.msgstr)]
        for source, text in pairs:
            if text and placeholders(source) != placeholders(text):
                problems.append(f"{source!r} -> {text!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("locale", CATALOGS)
def test_compiled_catalog_matches_the_po_file(locale):
    """The .mo files are committed; a .po edited without `scripts/messages.py --compile-only` would not show."""
    polib = pytest.importorskip("polib")
    po = load(locale)
    mo = polib.mofile(str(LOCALE / locale / "LC_MESSAGES" / "django.mo"))

    def key(entry):
        return (entry.msgctxt or "", entry.msgid)

    def value(entry):
        return tuple(sorted(entry.msgstr_plural.items())) if entry.msgid_plural else entry.msgstr

    assert {key(e): value(e) for e in mo if e.msgid} == {key(e): value(e) for e in po.translated_entries()}


def test_chosen_language_sticks_after_set_language(client, people):
    client.force_login(people["sales_rep"])
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/receptions/"})
    assert response.status_code == 302 and response["Location"] == "/receptions/"

    html = client.get("/receptions/").content.decode()
    assert '<html lang="en">' in html
    assert "Reception requests" in html and "New request" in html and "Sign out" in html
    assert "接待申请" not in html

    client.post("/i18n/setlang/", {"language": "zh-hant", "next": "/receptions/"})
    assert "接待申請" in client.get("/receptions/").content.decode()
