"""Where `firsthand import` stopped: a ledger beside the imported files, so a run that was cut
short (the network, a server that asked it to wait too long, Ctrl-C) resumes where it stopped.

Signing the same text twice makes two statements (the time differs), so an
import that simply started again would publish duplicates. The ledger
(``.firsthand-import.json`` in the folder) records, for each file, the SHA-256
of the text, the signed statement before it is sent, and its log index once
the server has answered. A run that finds a file's index skips it; one that
finds a signed statement without an index sends that same statement again,
which the server answers with the index it already gave it, if any. A file
whose text has changed since is signed afresh. Each change is written to a new
file and renamed over the old, so the ledger is never half-written.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from firsthand.log.errors import LogError

LEDGER_NAME = ".firsthand-import.json"


@dataclass(frozen=True)
class Entry:
    """What the ledger knows of one file."""

    text_sha256: str
    statement: bytes
    index: int | None


class ImportLedger:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._entries: dict[str, dict[str, object]] = {}
        if path.exists():
            try:
                loaded = json.loads(path.read_text(encoding="utf-8"))
            except ValueError:
                raise LogError(
                    f"{path} is not the ledger of an import; move it away to import afresh"
                ) from None
            self._entries = dict(loaded.get("files", {}))

    @staticmethod
    def text_hash(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def entry(self, name: str, text: str) -> Entry | None:
        """The file's entry, if its text is the one the ledger signed."""
        found = self._entries.get(name)
        if found is None or found.get("text_sha256") != self.text_hash(text):
            return None
        index = found.get("index")
        return Entry(
            str(found["text_sha256"]),
            str(found["statement"]).encode("utf-8"),
            int(index) if isinstance(index, int) else None,
        )

    def signed(self, name: str, text: str, statement: bytes) -> None:
        self._entries[name] = {
            "text_sha256": self.text_hash(text),
            "statement": statement.decode("utf-8"),
            "index": None,
        }
        self._save()

    def published(self, name: str, index: int) -> None:
        self._entries[name]["index"] = index
        self._save()

    def _save(self) -> None:
        temporary = self.path.with_name(self.path.name + ".new")
        temporary.write_text(
            json.dumps({"files": self._entries}, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        os.replace(temporary, self.path)
