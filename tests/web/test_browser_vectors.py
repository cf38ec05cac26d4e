"""The published test vectors (docs/vectors) hold in the browser's verifier too.

tests/web/js/run-vectors.mjs runs every case of every file through the same ES modules the
site serves (statement.js, verify.js), in one Node process: the JavaScript twin must give
each case's expected answer, as tests/statements/test_vectors.py checks the Python does.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.web.test_browser_crypto import NODE

ROOT = Path(__file__).resolve().parents[2]
RUNNER = Path(__file__).resolve().parent / "js" / "run-vectors.mjs"


def test_every_published_vector_holds_in_js() -> None:
    done = subprocess.run([NODE, str(RUNNER)], capture_output=True, timeout=60, check=False)
    report = json.loads(done.stdout)
    assert report["failures"] == [], json.dumps(report["failures"][:5], indent=1)
    total = sum(
        len(json.loads(path.read_text(encoding="utf-8"))["cases"])
        for path in (ROOT / "docs" / "vectors").glob("*.json")
    )
    assert report["passed"] == total >= 150
    assert done.returncode == 0
