"""/download/firsthand-verify.pyz: the offline verifier as one file (statements/offline.py).

A Python zip application of ``firsthand.log`` and ``firsthand.statements``, the two
packages that verify a bundle and import nothing else of firsthand; it needs Python
3.11 and the ``cryptography`` package. It is built from this installation's own
source, in memory, once per process, with fixed timestamps: every server running the
same release serves the same bytes, so a journalist can compare the SHA-256 the page
prints with a copy from elsewhere rather than trust this server alone.
"""

from __future__ import annotations

import functools
import hashlib
import io
import zipfile
from pathlib import Path

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

import firsthand

FILE_NAME = "firsthand-verify.pyz"
PACKAGES = ("log", "statements")
_MAIN = b"""import sys

from firsthand.statements.offline import main

sys.exit(main())
"""
_EPOCH = (1980, 1, 1, 0, 0, 0)  # zip's earliest time: no build time in the bytes


def _entry(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, _EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)


@functools.cache
def verifier_bytes() -> bytes:
    root = Path(firsthand.__file__).resolve().parent
    buffer = io.BytesIO()
    buffer.write(b"#!/usr/bin/env python3\n")  # a zip application may start with a shebang
    with zipfile.ZipFile(buffer, "a") as archive:
        _entry(archive, "__main__.py", _MAIN)
        _entry(archive, "firsthand/__init__.py", b"")
        for package in PACKAGES:
            for path in sorted((root / package).rglob("*.py")):
                name = path.relative_to(root.parent).as_posix()
                _entry(archive, name, path.read_bytes())
    return buffer.getvalue()


@functools.cache
def verifier_sha256() -> str:
    return hashlib.sha256(verifier_bytes()).hexdigest()


@require_safe
def download(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(verifier_bytes(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{FILE_NAME}"'
    response["Cache-Control"] = "public, max-age=3600"
    return response
