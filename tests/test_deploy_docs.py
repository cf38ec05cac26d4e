"""docs/deploy.md ships the tested files, and its settings table names every setting."""

from __future__ import annotations

import re

from tests.serving import ROOT

DOC = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")


def block(language: str) -> str:
    found = re.search(rf"^```{language}\n(.*?)^```$", DOC, re.DOTALL | re.MULTILINE)
    assert found is not None, f"docs/deploy.md has no ```{language} block"
    return found.group(1)


def test_the_nginx_configuration_in_the_docs_is_the_tested_file() -> None:
    assert block("nginx") == (ROOT / "deploy/nginx/firsthand.conf").read_text(encoding="utf-8")


def test_the_systemd_unit_in_the_docs_is_the_shipped_file() -> None:
    assert block("ini") == (ROOT / "deploy/systemd/firsthand.service").read_text(encoding="utf-8")


def test_the_settings_table_names_every_setting_the_site_reads() -> None:
    settings = (ROOT / "firsthand/web/settings.py").read_text(encoding="utf-8")
    read = set(re.findall(r'environ\.get\(\s*"(FIRSTHAND_[A-Z_]+)"', settings))
    documented = set(re.findall(r"^\| `(FIRSTHAND_[A-Z_]+)` \|", DOC, re.MULTILINE))
    assert read, "settings.py reads no FIRSTHAND_ variable?"
    assert read - documented == set()
