"""`firsthand init`: make a site's data directory, choosing what can never change afterwards.

The log's **origin** names the log in every checkpoint and is its signing key's
name (C2SP tlog-checkpoint): every witness, monitor and offline bundle knows the
log by it, so it is fixed when the log key is made and a later start that asks
for another is refused. `firsthand init` asks for it (or takes ``--origin``),
with the address readers use, the host names, the proxies in front and the
operator's contact, refuses a ``localhost`` origin unless ``--development``, and
writes the rest to ``DATA/site.env`` (web/site_file.py), which every later
command reads under its environment. Then it creates the keys and the database.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from firsthand.log.datadir import LOG_KEY_NAME, load_or_create_log_key
from firsthand.log.errors import LogError
from firsthand.web.site_file import SITE_FILE, write_site_file

LOCAL_SUFFIXES = (".localhost",)


def is_local(host: str) -> bool:
    """A host only this machine can reach: localhost, *.localhost, or a loopback address."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(LOCAL_SUFFIXES):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_origin(origin: str, *, development: bool) -> str:
    """A log origin: a host and optional path, no scheme, no spaces or '+' (a key's name)."""
    origin = origin.strip()
    if not origin or any(c.isspace() for c in origin) or "+" in origin or "://" in origin:
        raise LogError(
            f"the origin {origin!r} must be a host and a path without a scheme, such as "
            "firsthand.example.org/log (no spaces, no '+', no https://)"
        )
    host = origin.split("/", 1)[0]
    host = host[1:].partition("]")[0] if host.startswith("[") else host.partition(":")[0]
    if is_local(host) and not development:
        raise LogError(
            f"the origin {origin!r} names this machine only, and is fixed for the log's whole "
            "life: give the public name readers and witnesses will know it by (such as "
            "firsthand.example.org/log), or --development for a test site"
        )
    return origin


def check_public_url(url: str, *, development: bool) -> str:
    parts = urlsplit(url.strip().rstrip("/"))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise LogError(f"the public URL {url!r} must be https://HOST (or http:// in development)")
    if parts.scheme != "https" and not development:
        raise LogError(
            f"the public URL {url!r} is not HTTPS; readers and authors must reach the site over "
            "TLS (docs/deploy.md, the reverse proxy), or give --development"
        )
    return f"{parts.scheme}://{parts.netloc}"


def _ask(question: str, given: str | None, default: str = "") -> str:
    if given is not None:
        return given
    if not sys.stdin.isatty():
        if default:
            return default
        raise LogError(f"{question}: give it as an option (no terminal to ask on)")
    suffix = f" [{default}]" if default else ""
    answer = input(f"{question}{suffix}: ").strip()
    return answer or default


def cmd_init(args: argparse.Namespace) -> int:
    data = Path(args.data)
    if (data / LOG_KEY_NAME).exists():
        raise LogError(
            f"{data} already holds a log; its origin cannot change. Edit {data / SITE_FILE} "
            "for the other settings"
        )
    origin = check_origin(
        _ask("The log's origin (fixed for ever), e.g. firsthand.example.org/log", args.origin),
        development=args.development,
    )
    default_url = "https://" + origin.split("/", 1)[0]
    public_url = check_public_url(
        _ask("The site's public URL", args.public_url, default_url), development=args.development
    )
    contact = _ask("How readers reach the operator (an email or a page)", args.contact)
    hosts = args.host or [urlsplit(public_url).hostname or ""]
    values = {
        "FIRSTHAND_PUBLIC_URL": public_url,
        "FIRSTHAND_HOSTS": ",".join([*hosts, "127.0.0.1", "localhost"]),
        "FIRSTHAND_CONTACT": contact,
        "FIRSTHAND_TRUSTED_PROXIES": ",".join(args.trusted_proxy or ["127.0.0.1", "::1"]),
        "FIRSTHAND_PROXY_HEADERS": args.proxy_headers,
    }
    data.mkdir(mode=0o700, parents=True, exist_ok=True)
    write_site_file(
        data / SITE_FILE,
        values,
        comment=f"Written by `firsthand init`. The log's origin, {origin}, is its key's name and\n"
        "cannot change here. The environment overrides any line (docs/deploy.md).",
    )
    load_or_create_log_key(data, origin)
    _migrate(data, origin)
    print(f"log {origin} ready in {data.resolve()}")
    print(f"settings in {(data / SITE_FILE).resolve()}; serve it behind HTTPS (docs/deploy.md)")
    return 0


def _migrate(data: Path, origin: str) -> None:
    os.environ["FIRSTHAND_DATA"] = str(data.resolve())
    os.environ["FIRSTHAND_ORIGIN"] = origin
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "firsthand.web.settings")
    import django
    from django.core.management import call_command

    django.setup()
    from firsthand.web import runtime

    call_command("migrate", interactive=False, verbosity=0)
    runtime.log()
    runtime.operator()


def add_commands(commands: Any) -> None:
    p = commands.add_parser(
        "init",
        help="make a site's data directory: the log's origin (fixed), its address, its contact",
        description="Create a data directory for a public site. Asks for what is not given "
        "(when there is a terminal). The origin is the log's name for ever; a localhost origin "
        "is refused unless --development.",
    )
    p.add_argument(
        "--data",
        default=os.environ.get("FIRSTHAND_DATA", "data"),
        help="the data directory to create (default: ./data or $FIRSTHAND_DATA)",
    )
    p.add_argument("--origin", help="the log's origin, e.g. firsthand.example.org/log")
    p.add_argument(
        "--public-url", help="the address readers type, e.g. https://firsthand.example.org"
    )
    p.add_argument("--contact", help="how readers reach the operator: an email address or a URL")
    p.add_argument(
        "--host", action="append", help="a host name the site answers to (default: the URL's)"
    )
    p.add_argument(
        "--trusted-proxy",
        action="append",
        metavar="ADDRESS",
        help="the reverse proxy's address or network (default: 127.0.0.1 and ::1)",
    )
    p.add_argument(
        "--proxy-headers",
        choices=("x-forwarded", "forwarded"),
        default="x-forwarded",
        help="the headers the proxy sets: X-Forwarded-For/-Proto (default) or RFC 7239 Forwarded",
    )
    p.add_argument(
        "--development",
        action="store_true",
        help="allow a localhost origin and a plain-HTTP URL (a test site, never a public one)",
    )
    p.set_defaults(func=cmd_init)
