"""`firsthand init`: the log's origin is chosen once, refused when it names this machine only,
and refused when a later start asks for another; the site's settings land in DATA/site.env."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.serving import ROOT


def firsthand(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    environment = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    environment.pop("FIRSTHAND_ORIGIN", None)
    return subprocess.run(
        [sys.executable, "-m", "firsthand.cli", *args],
        capture_output=True,
        text=True,
        env=environment,
        stdin=subprocess.DEVNULL,
    )


def test_init_refuses_a_localhost_origin_outside_development(tmp_path: Path) -> None:
    for origin in ("localhost/log", "firsthand.localhost/log", "127.0.0.1/log", "[::1]/log"):
        refused = firsthand("init", "--data", str(tmp_path / "d"), "--origin", origin)
        assert refused.returncode == 1 and "names this machine only" in refused.stderr
    assert not (tmp_path / "d" / "log.key").exists()
    plain = firsthand("init", "--data", str(tmp_path / "d"), "--origin", "a.example/log",
                      "--public-url", "http://a.example", "--contact", "x")  # fmt: skip
    assert plain.returncode == 1 and "not HTTPS" in plain.stderr


def test_init_fixes_the_origin_writes_the_settings_and_a_later_origin_is_refused(
    tmp_path: Path,
) -> None:
    data = tmp_path / "site"
    made = firsthand(
        "init", "--data", str(data), "--origin", "firsthand.example.org/log",
        "--contact", "mailto:operator@example.org", "--trusted-proxy", "10.0.0.2",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert (data / "site.env").stat().st_mode & 0o777 == 0o600
    shown = subprocess.run(
        [sys.executable, "-c",
         "import django; django.setup(); from django.conf import settings as s; "
         "print(s.ALLOWED_HOSTS, s.CSRF_TRUSTED_ORIGINS, s.FIRSTHAND_TRUSTED_PROXIES, "
         "s.SESSION_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, s.FIRSTHAND_CONTACT)"],
        capture_output=True, text=True, cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "FIRSTHAND_DATA": str(data),
             "DJANGO_SETTINGS_MODULE": "firsthand.web.settings", "FIRSTHAND_HSTS_SECONDS": "60"},
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.split("\n")[0] == (
        "['firsthand.example.org', '127.0.0.1', 'localhost'] ['https://firsthand.example.org'] "
        "['10.0.0.2'] True 60 mailto:operator@example.org"  # the environment wins over the file
    )
    again = firsthand("log-key", "--data", str(data), "--origin", "another.example/log")
    assert again.returncode == 1
    assert "a log's name is fixed when it is made" in again.stderr
    assert again.stderr.count("\n") == 1  # one line, no traceback
