"""The vendored libheif WebAssembly build is the npm package's files, unmodified (so the
LGPL's "replace the library" holds and nothing was slipped in), with its licence beside
it, and only the HEIC worker loads it."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "firsthand" / "web"
VENDOR = WEB / "static" / "firsthand" / "js" / "vendor" / "libheif"
PAGES_JS = WEB / "pages" / "static" / "firsthand" / "js"


def test_the_vendored_files_are_the_pinned_ones_with_their_licence() -> None:
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    for name in ("libheif.js", "libheif.wasm"):
        pinned = re.search(rf"\| {re.escape(name)} \| `([0-9a-f]{{64}})` \|", readme)
        assert pinned, name
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == pinned.group(1)
    assert "GNU LESSER GENERAL PUBLIC LICENSE" in (VENDOR / "COPYING.txt").read_text()


def test_only_the_heic_worker_loads_it_and_only_the_media_page_starts_the_worker() -> None:
    loaders = [p.name for p in PAGES_JS.glob("*.js") if "vendor/libheif" in p.read_text()]
    assert loaders == ["heic-worker.js"]
    starters = [p.name for p in PAGES_JS.glob("*.js") if "heic-worker.js" in p.read_text()]
    assert starters == ["page-media.js"]
