"""Each check the browser's verifier runs (verify.js's CHECKS, whose ids are stable) has its
label and the sentence that says what its failure means in script_messages.VERIFY, so a
Persian reader of a failed check reads Persian, with verify.js's English only behind
"Technical details" (page-statement.js). A check added to verify.js without them fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import firsthand.web
from firsthand.web.pages.script_messages import VERIFY

VERIFY_JS = Path(firsthand.web.__file__).parent / "static" / "firsthand" / "js" / "verify.js"


def check_ids() -> list[str]:
    table = re.search(r"const CHECKS = \[(.*?)\n\];", VERIFY_JS.read_text(encoding="utf-8"), re.S)
    assert table is not None, "verify.js no longer has its CHECKS table"
    return re.findall(r'^\s*\["([a-z-]+)",', table.group(1), re.M)


def test_every_check_of_the_browser_verifier_has_a_label_and_a_failure_sentence() -> None:
    ids = check_ids()
    assert {"format", "body", "inclusion", "revocations", "witnesses"} <= set(ids)
    missing = [
        key for id_ in ids for key in (f"check-{id_}", f"check-failed-{id_}") if key not in VERIFY
    ]
    assert not missing, missing
    assert "technical-details" in VERIFY and "check-failed" in VERIFY
