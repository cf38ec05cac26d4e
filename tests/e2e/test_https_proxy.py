"""The deployment of docs/deploy.md, for real: Debian's nginx ends TLS (a test CA's certificate)
in front of `firsthand serve` on a data directory made by `firsthand init`, with the shipped
deploy/nginx/firsthand.conf changed only in its ports, name and certificate paths. Chromium
publishes, checks and reads over HTTPS; the operator signs in and withholds; clients from
different loopback addresses get their own limits through the proxy, and spoofed forwarding
headers change nothing."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from firsthand.log.note import Signer
from firsthand.statements.format import sign_statement
from tests.e2e.conftest import CHROMIUM, FLAGS, playwright_sync, screenshot
from tests.e2e.test_authoring import make_key, publish
from tests.serving import ROOT, free_port, server_env
from tests.tls import TestCertificates, make_certificates

SHIPPED = ROOT / "deploy" / "nginx" / "firsthand.conf"
NAME = "firsthand.test"
POST_RATE = 4  # statements a client may publish a minute, in this test


@dataclass(frozen=True)
class Site:
    url: str  # https://firsthand.test:PORT, as readers type it
    https_port: int
    http_port: int
    data: Path
    certificates: TestCertificates


def site_configuration(
    https_port: int, http_port: int, upstream: int, tls: TestCertificates
) -> str:
    """The shipped file with only its ports, name and certificate paths changed."""
    text = SHIPPED.read_text(encoding="utf-8")
    for old, new in (
        ("/etc/letsencrypt/live/firsthand.example.org/fullchain.pem", str(tls.chain)),
        ("/etc/letsencrypt/live/firsthand.example.org/privkey.pem", str(tls.key)),
        ("server_name firsthand.example.org;", f"server_name {NAME};"),
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen [::]:80;", ""),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        ("listen [::]:443 ssl http2;", ""),
        ("http://127.0.0.1:8000", f"http://127.0.0.1:{upstream}"),
    ):
        assert old in text, f"deploy/nginx/firsthand.conf no longer has {old!r}"
        text = text.replace(old, new)
    return text


def start_nginx(directory: Path, site: str) -> subprocess.Popen[bytes]:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        pytest.fail("Debian's nginx is not installed; run `make test`, which installs it")
    (directory / "site.conf").write_text(site, encoding="utf-8")
    kinds = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    temporary = "\n".join(f"    {kind}_temp_path {directory / kind};" for kind in kinds)
    user = "user root;" if os.geteuid() == 0 else ""
    (directory / "nginx.conf").write_text(
        f"{user}\ndaemon off;\nworker_processes 1;\npid {directory / 'nginx.pid'};\n"
        f"error_log {directory / 'error.log'} warn;\n"
        "events { worker_connections 256; }\n"
        f"http {{\n{temporary}\n    include {directory / 'site.conf'};\n}}\n",
        encoding="utf-8",
    )
    return subprocess.Popen(
        [nginx, "-p", str(directory), "-c", str(directory / "nginx.conf"),
         "-e", str(directory / "error.log")],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


def _wait_for(port: int, process: subprocess.Popen[bytes], what: str) -> None:
    import socket

    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited: {process.stderr.read() if process.stderr else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on {port}")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    base = tmp_path_factory.mktemp("https-proxy")
    tls = make_certificates(base, NAME)
    https_port, http_port, upstream = free_port(), free_port(), free_port()
    url = f"https://{NAME}:{https_port}"
    data = base / "data"
    env = {**server_env(data), "FIRSTHAND_POST_RATE_PER_MINUTE": str(POST_RATE)}
    env.pop("FIRSTHAND_HOSTS", None)  # the suite's own; this site's come from `firsthand init`
    made = subprocess.run(
        [sys.executable, "-m", "firsthand.cli", "init", "--data", str(data),
         "--origin", f"{NAME}/log", "--public-url", url, "--contact", "mailto:operator@example.org",
         "--host", NAME],
        capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    server = subprocess.Popen(
        [sys.executable, "-m", "firsthand.cli", "serve", "--data", str(data),
         "--port", str(upstream), "--period", "0.05"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )  # fmt: skip
    nginx = start_nginx(base, site_configuration(https_port, http_port, upstream, tls))
    try:
        _wait_for(upstream, server, "firsthand serve")
        _wait_for(https_port, nginx, "nginx")
        found = Site(url, https_port, http_port, data, tls)
        for _ in range(100):  # the server answers once its worker is up
            if request(found, "/checkpoint")[0] == 200:
                break
            time.sleep(0.1)
        yield found
    finally:
        nginx.terminate()
        server.terminate()
        nginx.wait(10)
        server.wait(15)


def request(
    site: Site,
    path: str,
    *,
    data: bytes | None = None,
    source: str = "127.0.0.1",
    headers: dict[str, str] | None = None,
    https: bool = True,
) -> tuple[int, dict[str, str], bytes]:
    """A request to nginx from the loopback address ``source``, checked against the test CA."""
    if https:
        context = ssl.create_default_context(cafile=str(site.certificates.ca))
        connection: http.client.HTTPConnection = http.client.HTTPSConnection(
            "127.0.0.1", site.https_port, context=context, source_address=(source, 0), timeout=30
        )
    else:
        connection = http.client.HTTPConnection(
            "127.0.0.1", site.http_port, source_address=(source, 0), timeout=30
        )
    sent = {"Host": NAME, **(headers or {})}
    if data is not None:
        sent["Content-Type"] = "text/plain; charset=utf-8"
    connection.request("POST" if data is not None else "GET", path, body=data, headers=sent)
    response = connection.getresponse()
    answer = response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    connection.close()
    return answer


def statement(text: str) -> bytes:
    return sign_statement(Signer.generate("proxied.example"), text).file_bytes()


@pytest.fixture(scope="module")
def browser(site: Site) -> Iterator[Any]:
    """Chromium that resolves the test name to the proxy and trusts the test certificate."""
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"Debian's Chromium is not at {CHROMIUM}; run `make test`, which installs it")
    args = [
        *FLAGS,
        f"--host-resolver-rules=MAP {NAME} 127.0.0.1",
        f"--ignore-certificate-errors-spki-list={site.certificates.spki_sha256}",
    ]
    with playwright_sync.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        yield chromium
        chromium.close()


def test_in_chromium_over_https_an_author_publishes_and_a_reader_checks_with_no_cookie(
    site: Site, page: Any
) -> None:
    text = "I, Shirin (a fictional author), sign this over HTTPS, behind nginx."
    make_key(page, site.url, "", "shirin.example")
    index = publish(page, site.url, "", text)
    assert page.url == f"{site.url}/statements/{index}"
    page.wait_for_selector("#browser-check[data-verified='yes']", timeout=15_000)
    page.goto(f"{site.url}/check")
    page.fill("#check-text", text)
    page.click("form.check-form button[type=submit]")
    page.wait_for_selector("section.check-verdict")
    assert "Signed" in page.locator("#verdict-heading").inner_text()
    screenshot(page, "https-proxy-check")
    assert page.context.cookies() == []  # no csrftoken, no session: readers carry nothing
    assert not page.errors


def test_each_client_behind_the_proxy_has_its_own_limit_and_spoofed_headers_change_nothing(
    site: Site,
) -> None:
    first, second = "127.0.0.2", "127.0.0.3"
    published = [
        request(site, "/api/v1/statements", data=statement(f"First client, {n}."), source=first)[0]
        for n in range(POST_RATE)
    ]
    assert published == [201] * POST_RATE
    assert request(site, "/api/v1/statements", data=statement("One more."), source=first)[0] == 429
    for spoofed in (
        {"X-Forwarded-For": "203.0.113.9"},
        {"X-Forwarded-For": "203.0.113.9, 127.0.0.5"},
        {"Forwarded": "for=203.0.113.9;proto=https"},
        {"X-Real-IP": "203.0.113.9"},
    ):
        status, headers, _ = request(
            site, "/api/v1/statements", data=statement(f"Spoofed {spoofed}."), source=first,
            headers=spoofed,
        )  # fmt: skip
        assert status == 429 and int(headers["retry-after"]) >= 1
    # Another client behind the same proxy is not held back by the first one.
    assert (
        request(site, "/api/v1/statements", data=statement("Second client."), source=second)[0]
        == 201
    )
    # Malformed posts from the second client do not spend its publishing budget.
    for _ in range(12):
        request(site, "/api/v1/statements", data=b"", source=second)
    assert (
        request(site, "/api/v1/statements", data=statement("Second, again."), source=second)[0]
        == 201
    )


def test_plain_http_is_sent_to_https_and_https_answers_carry_hsts(site: Site) -> None:
    status, headers, _ = request(site, "/about", https=False)
    assert status == 301 and headers["location"] == f"https://{NAME}/about"
    status, headers, body = request(site, "/about")
    assert status == 200 and b"mailto:operator@example.org" in body  # from `firsthand init`
    assert headers["strict-transport-security"] == "max-age=31536000"
    assert "set-cookie" not in headers


def test_metrics_are_for_the_machines_own_monitoring(site: Site) -> None:
    assert request(site, "/metrics", source="127.0.0.2")[0] == 403
    status, _, body = request(site, "/metrics")
    assert status == 200 and b"firsthand_log_entries " in body
    status, _, body = request(site, "/healthz", source="127.0.0.2")
    assert status == 200 and json.loads(body)["status"] == "ok"


def test_a_reader_reports_and_the_operator_signs_in_and_withholds_in_chromium(
    site: Site, page: Any
) -> None:
    address = "Her flat is 4B, 17 Marlowe Court; the door code is 2468."
    status, _, body = request(
        site, "/api/v1/statements", data=statement(address), source="127.0.0.4"
    )
    assert status == 201, body
    index = json.loads(body)["index"]

    page.goto(f"{site.url}/statements/{index}")
    page.click("details.report-form summary")
    page.check("input[name=reason][value=private]")
    page.fill("#report-details", "This is a real address.")
    page.click("details.report-form button[type=submit]")
    page.wait_for_selector("a.receipt-link")
    assert page.context.cookies() == []

    code = subprocess.run(
        [sys.executable, "-m", "firsthand.cli", "console-login", "--data", str(site.data)],
        capture_output=True, text=True, env=server_env(site.data), check=True,
    ).stdout  # fmt: skip
    link = re.search(r"open: (\S+)", code)
    assert link is not None and link.group(1).startswith(f"{site.url}/operator/sign-in?code=")
    page.goto(link.group(1))
    page.click("form button[type=submit]")  # a CSRF-checked form, over the proxy
    page.wait_for_url(f"{site.url}/operator/")
    cookie = next(c for c in page.context.cookies() if c["name"] == "firsthand_operator")
    assert cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert "17 Marlowe Court" in page.locator("main").inner_text()
    page.fill(
        f"form[action='/operator/statements/{index}/withhold'] input[name=reason]",
        "it gives a private address",
    )
    page.click(f"form[action='/operator/statements/{index}/withhold'] button[type=submit]")
    page.wait_for_selector("h1:has-text('Withheld')")
    screenshot(page, "https-proxy-console-withheld")
    shown = json.loads(request(site, f"/api/v1/statements/{index}")[2])
    assert shown["body"] is None and shown["withheld"]["reason"] == "it gives a private address"
    assert not page.errors
