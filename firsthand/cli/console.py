"""The operator's commands for the site: `console-login` and `client-token`.

`firsthand console-login` prints a one-time code to sign in to the console. Run
it where the operator key is (the data directory): the code is a note the key
signs (web/console/signin.py), good for one sign-in within ten minutes.

`firsthand client-token add NAME --rate N` gives a trusted client (a newsroom's
importer) a publishing and checking budget of its own (web/api/client_tokens.py).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote


def cmd_console_login(args: argparse.Namespace) -> int:
    from firsthand.log.datadir import LOG_KEY_NAME, open_log
    from firsthand.log.errors import LogError
    from firsthand.statements.keys import OPERATOR_KEY_FILE, load_or_create_operator_key
    from firsthand.web.console.signin import CODE_SECONDS, sign_in_code
    from firsthand.web.site_file import SITE_FILE, read_site_file

    directory = Path(args.data)
    if not (directory / LOG_KEY_NAME).is_file() or not (directory / OPERATOR_KEY_FILE).is_file():
        raise LogError(f"{directory} holds no log and operator key; run this where the key is")
    instance = open_log(directory, None)
    operator = load_or_create_operator_key(instance.directory, instance.signer.name)
    code = sign_in_code(operator, instance.signer.name)
    site = read_site_file(instance.directory / SITE_FILE)
    server = (
        args.server
        or os.environ.get("FIRSTHAND_PUBLIC_URL")
        or site.get("FIRSTHAND_PUBLIC_URL")
        or "http://127.0.0.1:8000"
    )
    print(f"sign-in code (once, within {CODE_SECONDS // 60} minutes):\n{code}\n")
    print(f"or open: {server.rstrip('/')}/operator/sign-in?code={quote(code)}")
    return 0


def cmd_client_token(args: argparse.Namespace) -> int:
    from firsthand.web.api.client_tokens import FILE_NAME, add, read_grants

    directory = Path(args.data)
    if args.action == "add":
        if not args.name or args.rate is None or args.rate < 1:
            from firsthand.log.errors import LogError

            raise LogError("client-token add needs a NAME and --rate N (statements a minute)")
        token = add(directory, args.name, args.rate)
        print(f"{token}\n(shown once; the client sends it as FIRSTHAND_CLIENT_TOKEN)")
        return 0
    for grant in read_grants(directory / FILE_NAME).values():
        print(f"{grant.name}: {grant.rate_per_minute} a minute")
    return 0


def add_commands(commands: Any) -> None:
    p = commands.add_parser(
        "console-login",
        help="print a one-time code, signed with the operator key, to sign in to the console",
    )
    p.add_argument(
        "--data",
        default=os.environ.get("FIRSTHAND_DATA", "data"),
        help="the data directory holding the operator key (default: ./data or $FIRSTHAND_DATA)",
    )
    p.add_argument("--server", help="the site's address for the link (default: its public URL)")
    p.set_defaults(func=cmd_console_login)

    p = commands.add_parser(
        "client-token",
        help="give a trusted client (a newsroom's importer) a budget of its own",
        description="`add NAME --rate N` prints a token whose holder may publish and check N "
        "times a minute whatever its address (run it again to replace the token); `list` names "
        "them. Remove a line of DATA/client-tokens to revoke one.",
    )
    p.add_argument("action", choices=("add", "list"))
    p.add_argument("name", nargs="?", help="the client's name, one word")
    p.add_argument("--rate", type=int, help="statements (and checks) a minute")
    p.add_argument(
        "--data",
        default=os.environ.get("FIRSTHAND_DATA", "data"),
        help="the data directory (default: ./data or $FIRSTHAND_DATA)",
    )
    p.set_defaults(func=cmd_client_token)
