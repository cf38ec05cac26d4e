"""`firsthand check`: ask a server who said a text (POST /api/v1/check).

    firsthand check --server https://example.org [--author KEY] [--json] TEXTFILE|-

The exit status says the verdict, so a script can act on it without parsing:

    0  signed     the text is, word for word, a statement signed by the author
    1  error      the file, the server or the request failed (one line on stderr)
    2  usage      the command line is wrong (argparse)
    3  contained  the text is a quote from a signed statement
    4  altered    the text is a near copy of a signed statement, with words changed
    5  denied     the author signed a denial of the text
    6  unknown    nothing here matches, which proves nothing either way
    7  mixed      some sentences are the author's words, the others appear in no statement
    8  stolen key the words are in a statement signed by a key its author reported stolen or
                  lost, after the point they revoked it: they may not be the author's words

Under the verdict, each passage of the text (a sentence, a sentence of a quote, the words
around a quote) is listed with what was found for it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from firsthand.cli.statements import server_request
from firsthand.log.errors import LogError
from firsthand.statements.identity import fingerprint_of_text, grouped_fingerprint

EXIT_CODES = {"signed": 0, "contained": 3, "altered": 4, "denied": 5, "unknown": 6, "mixed": 7}
STOLEN_KEY = 8  # whatever the verdict: a script must not take these words as the author's


class CheckCommandError(Exception):
    """The text to check cannot be read; the message says what to change."""


def _read_text(name: str) -> str:
    try:
        data = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
    except OSError as error:
        raise CheckCommandError(f"cannot read {name}: {error.strerror or error}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        where = "standard input" if name == "-" else name
        raise CheckCommandError(f"{where} is not UTF-8 text") from None
    if not text.strip():
        raise CheckCommandError(f"{'standard input' if name == '-' else name} is empty")
    return text


def _word_diff(diff: list[dict[str, str]]) -> str:
    """The diff as git's --word-diff writes it: [-signed-]{+checked+}."""
    parts = []
    for segment in diff:
        if segment["op"] == "equal":
            parts.append(segment["signed"])
            continue
        if segment["signed"]:
            parts.append(f"[-{segment['signed']}-]")
        if segment["checked"]:
            parts.append(f"{{+{segment['checked']}+}}")
    return " ".join(parts)


def _author(author: dict[str, Any]) -> str:
    """The name the key's holder chose, and beside it who they are: the key's fingerprint.

    The key ID is not shown: 32 bits that anyone can match with a key of their own.
    """
    found = author.get("fingerprint")
    if not isinstance(found, str):
        try:  # a server from before fingerprints: the key is there, and says the same
            found = fingerprint_of_text(str(author.get("key", "")))
        except LogError:
            return str(author["name"])
    return f"{author['name']} (fingerprint {grouped_fingerprint(found)})"


def _describe(match: dict[str, Any]) -> list[str]:
    statement = match["statement"]
    lines = []
    if statement is not None:
        author = statement["author"]
        similar = f", similarity {match['similarity']:.2f}" if match["how"] == "near copy" else ""
        stolen = ""
        if statement.get("stolen_key_by") is not None:
            stolen = (
                f" — SIGNED BY A KEY ITS AUTHOR REPORTED STOLEN OR LOST (statement "
                f"{statement['stolen_key_by']})"
            )
        lines += [
            f"statement {statement['index']}: a {statement['kind']} by {_author(author)}{similar}"
            f"{stolen}",
            f"  page:   {statement['url']}",
            f"  proof:  {statement['bundle_url']}",
        ]
    for later in match["followed_by"]:
        lines.append(f"  later {later['kind']} by the author: {later['url']}")
    if match["diff"]:
        lines.append("  words ([-only in the signed statement-] {+only in your text+}):")
        lines.append("    " + _word_diff(match["diff"]).replace("\n", "\n    "))
    elif match["context"]:
        context = match["context"]
        lines.append("  in context:")
        quoted = f"…{context['before']}[{context['quote']}]{context['after']}…"
        lines.append("    " + quoted.replace("\n", "\n    "))
    denial = match.get("denial")
    if denial and denial["denied_text"] and not match["context"] and not match["diff"]:
        lines.append("  the denied text:")
        lines.append("    " + denial["denied_text"].replace("\n", "\n    "))
    return lines


def _passages(reply: dict[str, Any]) -> list[str]:
    """Each passage and its verdict, when the text has several (or a gap, or a cut)."""
    passages = reply.get("passages") or []
    if len(passages) < 2 and not any(p["gaps"] or p["cut_before"] for p in passages):
        return []
    lines = ["", "passage by passage:"]
    for passage in passages:
        number = "frame" if passage["number"] is None else str(passage["number"])
        where = ""
        statement = (passage.get("match") or {}).get("statement")
        if statement is not None:
            where = f" (statement {statement['index']} by {_author(statement['author'])})"
        text = " ".join(passage["text"].split())
        lines.append(f"  {number}. {passage['verdict']}{where}: {text}")
        if passage["cut_before"]:
            lines.append(f"     {passage['cut_before']} words of the statement left out before it")
    return lines


def human(reply: dict[str, Any]) -> str:
    """The server's answer as a person reads it."""
    verdict = reply["verdict"]
    if reply.get("stolen_key"):  # never "signed" plainly: the key was reported stolen first
        verdict = f"signed by a key its author reported stolen or lost ({verdict} match)"
    lines = [f"verdict: {verdict}", reply["message"]]
    near = [m for m in reply["matches"] if m["how"] == "near copy"]
    if near:  # a similarity means something only for a near copy
        lines.append(f"similarity {near[0]['similarity']:.2f} (threshold {reply['threshold']:.2f})")
    lines += _passages(reply)
    for match in reply["matches"]:
        lines += ["", *_describe(match)]
    if reply["other_matches"]:
        lines += ["", "other findings:"]
        for match in reply["other_matches"]:
            statement = match["statement"]
            if statement is not None:
                lines.append(
                    f"  {match['verdict']}: statement {statement['index']} by "
                    f"{_author(statement['author'])} ({statement['url']})"
                )
    return "\n".join(lines)


def cmd_check(args: argparse.Namespace) -> int:
    text = _read_text(args.textfile)
    request: dict[str, Any] = {"text": text}
    if args.author:
        request["author"] = args.author
    data = json.dumps(request, ensure_ascii=False).encode("utf-8")
    _, reply = server_request(args.server.rstrip("/") + "/api/v1/check", data)
    if args.json:
        print(json.dumps(reply, ensure_ascii=False, indent=1))
    else:
        print(human(reply))
    if reply.get("stolen_key"):
        return STOLEN_KEY
    return EXIT_CODES.get(reply.get("verdict", ""), 1)


def add_commands(commands: Any) -> None:
    """Register `check` on the main parser's subparsers."""
    p = commands.add_parser(
        "check",
        help="ask a server who said a text: signed, denied, quoted, mixed, altered or unknown",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--server", required=True, help="the firsthand server, e.g. https://example.org")
    p.add_argument(
        "--author",
        help="only this author decides: their verifier key or fingerprint (a name or 8-hex key "
        "ID may stand for several keys, and the answer then says which signed)",
    )
    p.add_argument("--json", action="store_true", help="print the server's JSON answer")
    p.add_argument("textfile", metavar="TEXTFILE", help="the text to check, or - for stdin")
    p.set_defaults(func=cmd_check)
