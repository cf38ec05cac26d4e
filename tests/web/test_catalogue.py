"""Every message the site shows has its Persian translation, and the Persian follows the glossary.

(The operator's console, at /operator/ outside the language prefixes, is in English only.)

Django's makemessages reads neither Jinja2 templates nor our say()/explained()
markers, so this finds the message ids itself: gettext-like calls in the
Python of firsthand/web (their first argument, a literal), and every message
of the Jinja2 templates as Jinja's own i18n extraction sees them. Each must
have a Persian msgstr that is neither empty nor fuzzy, with the same {places}
and %(places)s, so that no English reaches a Persian page and no translation
breaks .format().
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import jinja2
import pytest
from jinja2.ext import extract_from_ast

import firsthand.web
from firsthand.web.pages.jinja import environment

WEB = Path(firsthand.web.__file__).parent
PO = WEB / "locale" / "fa" / "LC_MESSAGES" / "django.po"
GLOSSARY = WEB.parents[1] / "docs" / "glossary-fa.md"
# The functions whose first argument is a message id (web/api/errors.py's say() included).
MARKERS = {"_", "gettext", "gettext_lazy", "gettext_noop", "say", "ngettext", "ngettext_lazy"}


def po_entries(path: Path = PO) -> dict[str, tuple[list[str], set[str]]]:
    """msgid -> (its msgstr forms, its flags), read as GNU gettext writes a .po file."""
    entries: dict[str, tuple[list[str], set[str]]] = {}
    flags: set[str] = set()
    msgid: list[str] = []
    forms: list[list[str]] = []
    current: list[str] | None = None

    def close() -> None:
        if msgid and "".join(msgid):
            entries["".join(msgid)] = (["".join(f) for f in forms], set(flags))

    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if line.startswith("#,"):
            close()
            msgid.clear(), forms.clear()
            flags = {f.strip() for f in line[2:].split(",")}
            current = None
        elif line.startswith("msgid "):
            if forms:  # a new entry without a flags line before it
                close()
                msgid.clear(), forms.clear()
                flags = set()
            current = msgid
            current.append(ast.literal_eval(line[6:]))
        elif line.startswith("msgid_plural "):
            current = []  # the plural's own id is not what gettext looks up
        elif line.startswith("msgstr"):
            forms.append([])
            current = forms[-1]
            current.append(ast.literal_eval(line.split(" ", 1)[1]))
        elif line.startswith('"') and current is not None:
            current.append(ast.literal_eval(line))
        elif not line.strip():
            close()
            msgid.clear(), forms.clear()
            flags = set()
            current = None
    return entries


# The layers below the web whose refusals reach a person through say(error.message, ...):
# their exceptions' first argument is the message id (publishing's errors, the statement
# rules, the succession rules' Refusal).
BELOW_THE_WEB = {
    "publishing": ("Refused", "Forbidden", "Conflict", "Unavailable", "PublishingError"),
    "statements/rules.py": ("BrokenRule", "NotThisKey", "AlreadyDone"),
    "statements/succession.py": ("Refusal",),
}


def _marked(path: Path, markers: set[str] | tuple[str, ...]) -> Iterator[tuple[str, int]]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        first = node.args[0]
        if name in markers and isinstance(first, ast.Constant) and isinstance(first.value, str):
            yield first.value, node.lineno


def python_messages() -> Iterator[tuple[str, str]]:
    """(message id, where) for each marked literal in firsthand/web's Python, and for each
    refusal of the layers below that the web shows in the reader's language."""
    for path in sorted(WEB.rglob("*.py")):
        if "migrations" in path.parts or "console" in path.parts:
            continue
        for message, line in _marked(path, MARKERS):
            yield message, f"{path.relative_to(WEB)}:{line}"
    for place, markers in BELOW_THE_WEB.items():
        where = WEB.parent / place
        for path in sorted(where.rglob("*.py")) if where.is_dir() else [where]:
            for message, line in _marked(path, markers):
                if not re.fullmatch(r"\{[a-z_]+\}", message):  # a lower layer's words passed on
                    yield message, f"{path.relative_to(WEB.parent)}:{line}"


def template_messages() -> Iterator[tuple[str, str]]:
    """(message id, where) for each message of the pages' Jinja2 templates."""
    env = environment(loader=jinja2.FileSystemLoader(str(WEB)))
    for path in sorted((WEB / "pages" / "jinja2").rglob("*.html")):
        tree = env.parse(path.read_text(encoding="utf-8"))
        for lineno, _function, message in extract_from_ast(tree, tuple(MARKERS)):
            for one in message if isinstance(message, tuple) else (message,):
                if isinstance(one, str):
                    yield one, f"{path.relative_to(WEB)}:{lineno}"
                    break  # a plural's first form is its id


def used_messages() -> dict[str, str]:
    found: dict[str, str] = {}
    for message, where in (*python_messages(), *template_messages()):
        found.setdefault(message, where)
    return found


def _places(text: str) -> set[str]:
    return set(re.findall(r"\{[a-z_]+\}|%\([a-z_]+\)[sd]", text))


def test_the_scan_finds_the_messages_of_code_and_templates() -> None:
    used = used_messages()
    assert "GPS location" in used  # media.py, gettext_noop
    assert "this log has no statement {index}; check the number" in used  # say()
    assert any(where.startswith("pages/jinja2/") for where in used.values())
    assert len(used) > 300


def test_every_message_shown_has_a_persian_translation() -> None:
    catalogue = po_entries()
    missing = []
    for message, where in sorted(used_messages().items(), key=lambda item: item[1]):
        forms, flags = catalogue.get(message, ([], set()))
        if not forms or not all(f.strip() for f in forms) or "fuzzy" in flags:
            missing.append(f"{where}: {message!r}")
    assert not missing, "no Persian translation for:\n" + "\n".join(missing)


def test_translations_keep_every_place_for_a_value() -> None:
    wrong = [
        message
        for message, (forms, _flags) in po_entries().items()
        if any(_places(form) != _places(message) for form in forms[:1])
    ]
    assert not wrong, wrong


def test_the_po_reader_sees_fuzzy_and_empty_entries(tmp_path: Path) -> None:
    po = tmp_path / "x.po"
    po.write_text(
        'msgid ""\nmsgstr "x"\n\n#, fuzzy\nmsgid "a"\nmsgstr "b"\n\nmsgid "c"\n'
        'msgstr ""\n\nmsgid "d"\n"e"\nmsgstr "f"\n"g"\n',
        encoding="utf-8",
    )
    assert po_entries(po) == {"a": (["b"], {"fuzzy"}), "c": ([""], set()), "de": (["fg"], set())}


# The glossary's words, and the words that must not stand for them (docs/glossary-fa.md).
MISTRANSLATIONS = {
    "درآمد": "entries are مدخل‌ها, not income",
    "انکار": "a denial is تکذیب, everywhere",
    "بازداشت": "to withhold is از نمایش برداشتن; بازداشت reads as arrest",
    "اطلاعیه": "a notice is اعلان",
    "فایل": "a file is پرونده",
    "کارگزار": "a server is سرور",
    "نرمال": "normalised is شکل یکسان‌شده",
}


@pytest.mark.parametrize("wrong", sorted(MISTRANSLATIONS))
def test_the_persian_catalogue_follows_the_glossary(wrong: str) -> None:
    assert wrong in GLOSSARY.read_text(encoding="utf-8")  # named there as the word not to use
    using = [m for m, (forms, _f) in po_entries().items() if any(wrong in f for f in forms)]
    assert not using, f"{MISTRANSLATIONS[wrong]}: {using}"


def test_persian_messages_have_persian_digits_and_no_backticks() -> None:
    wrong = []
    for message, (forms, _flags) in po_entries().items():
        for form in forms:
            # Digits in a name (Ed25519, SHA-256, C2PA, UTF-8), a path or a key stay as they are.
            prose = re.sub(r"[A-Za-z/+:][\w/+:.-]*", "", form)
            if "`" in form or re.search(r"[0-9]", prose):
                wrong.append((message, form))
    assert not wrong, wrong
