"""Keep the zh_Hans catalogue complete without editors colliding on one .po file.

Each app keeps its translations in locale/zh_Hans/<name>.json ({"English msgid": "中文"}).
`update` regenerates django.po with makemessages, fills msgstrs from every JSON file, and
compiles; `missing` lists msgids that still have no translation. Runs under a file lock."""

import fcntl
import json
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale" / "zh_Hans"
PO_FILE = LOCALE / "LC_MESSAGES" / "django.po"
LOCK = ROOT / "locale" / ".i18n.lock"
PYTHON = str(ROOT / ".venv" / "bin" / "python")
# Left untranslated on purpose: FORMATS.md fixes this prefix for HR's scripts.
KEEP_ENGLISH = {"row %(row)s, column %(column)s: %(reason)s"}


def manage(*args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, check=True)


def translations() -> dict[str, str]:
    merged: dict[str, str] = {}
    for path in sorted(LOCALE.glob("*.json")):
        merged.update(json.loads(path.read_text(encoding="utf-8")))
    return merged


def update() -> None:
    manage(
        "makemessages",
        "-l",
        "zh_Hans",
        "--no-obsolete",
        "--no-location",
        "--ignore=.venv",
        "--ignore=static",
        "--ignore=tests",
        "--ignore=bench",
        "-v",
        "0",
    )
    catalogue = polib.pofile(str(PO_FILE))
    known = translations()
    for entry in catalogue:
        if entry.msgid in KEEP_ENGLISH:
            entry.msgstr = ""
        elif entry.msgid in known:
            # Chinese has a single plural form.
            if entry.msgid_plural:
                entry.msgstr_plural = {0: known[entry.msgid]}
            else:
                entry.msgstr = known[entry.msgid]
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
    catalogue.save(str(PO_FILE))
    manage("compilemessages", "--ignore=.venv", "-v", "0")


def missing() -> list[str]:
    catalogue = polib.pofile(str(PO_FILE))
    return [
        entry.msgid
        for entry in catalogue
        if entry.msgid not in KEEP_ENGLISH and (not entry.translated() or "fuzzy" in entry.flags)
    ]


def main() -> None:
    command = sys.argv[1] if len(sys.argv) > 1 else "update"
    with open(LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if command == "update":
            update()
        left = missing()
    for msgid in left:
        print(msgid)
    if command == "missing" and left:
        sys.exit(1)


if __name__ == "__main__":
    main()
