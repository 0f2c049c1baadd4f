"""Refresh the translation catalogs (`make messages`).

Source strings are Simplified Chinese (the default language). This script
1. runs makemessages for English and Traditional Chinese,
2. fills Traditional Chinese automatically from the source text (zhconv; entries edited by hand are kept),
3. reports English entries still untranslated (translate them in jiedai/locale/en/LC_MESSAGES/django.po),
4. compiles every catalog to .mo with polib (no GNU gettext needed at run time; the .mo files are committed).
"""

import os
import subprocess
import sys
from pathlib import Path

import polib
import zhconv

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "jiedai" / "locale"
AUTO = "auto-zh-hant"  # marks entries this script converted, so hand edits (without the mark) are kept


def makemessages() -> None:
    env = {**os.environ, "JIEDAI_ENV": "development"}
    for locale in ("en", "zh_Hant"):
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "manage.py"),
                "makemessages",
                "-l",
                locale,
                "--no-obsolete",
                "--no-location",
                "--ignore",
                ".venv/*",
                "--ignore",
                "bench/*",
                "--ignore",
                "var/*",
            ],
            cwd=ROOT / "jiedai",
            env=env,
            check=True,
        )


def fill_traditional(path: Path) -> None:
    catalog = polib.pofile(str(path))
    for entry in catalog:
        translated = entry.msgstr or any(entry.msgstr_plural.values())  # plural entries keep msgstr empty
        # A fuzzy entry is gettext's guess (it drops our mark too): convert it again, never keep it.
        hand_edited = translated and AUTO not in entry.tcomment and "fuzzy" not in entry.flags
        if hand_edited or entry.obsolete:
            continue
        if entry.msgid_plural:
            entry.msgstr_plural = {0: zhconv.convert(entry.msgid_plural, "zh-hant")}
        else:
            entry.msgstr = zhconv.convert(entry.msgid, "zh-hant")
        entry.tcomment = AUTO
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    catalog.save()


def compile_all() -> list[str]:
    missing = []
    for po_path in LOCALE.glob("*/LC_MESSAGES/django.po"):
        catalog = polib.pofile(str(po_path))
        untranslated = [e.msgid for e in catalog.untranslated_entries() + catalog.fuzzy_entries()]
        if untranslated:
            missing.append(f"{po_path.relative_to(ROOT)}: {len(untranslated)} untranslated")
        catalog.save_as_mofile(str(po_path.with_suffix(".mo")))
    return missing


if __name__ == "__main__":
    if "--compile-only" not in sys.argv:
        makemessages()
        fill_traditional(LOCALE / "zh_Hant" / "LC_MESSAGES" / "django.po")
    for line in compile_all():
        print(line)
