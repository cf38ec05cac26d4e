"""A seized key, seen from the surfaces a reader carries away: the offline bundle (and
`firsthand verify` of it) and "who said it?" (the API, the page in both languages, the CLI).

The thief publishes in the author's name and rotates the key; the author revokes it with
the recovery key from the seizure on. The thief's words must never be called the
author's, even in a file verified years later with no network, unless the file was cut
short: then the verdict says what it knew, and as of which checkpoint.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from firsthand.cli.check import human
from firsthand.cli.main import main
from firsthand.log.datadir import LogInstance
from firsthand.log.note import Signer
from firsthand.statements.bundle import verify_bundle
from firsthand.statements.format import Statement, sign_statement
from firsthand.web.api import ratelimit
from tests.web.conftest import log_of_its_own

TEXT = "text/plain; charset=utf-8"
THIEF_WORDS = "I regret leaving and ask everyone to forgive the elders of the group."


@pytest.fixture(scope="module")
def seized(
    database: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Client, LogInstance, dict[str, int]]]:
    with log_of_its_own(tmp_path_factory.mktemp("seized-log")) as (log, _):
        ratelimit.reset()
        client = Client()
        author, recovery = Signer.generate("nasrin.example"), Signer.generate("nasrin.recovery")
        thief_key, new = Signer.generate("nasrin.new"), Signer.generate("nasrin.2027")
        at = {
            "first": publish(
                client,
                sign_statement(author, "I left the group in 2019.", recovery=recovery.verifier()),
            )
        }
        at["fake"] = publish(client, sign_statement(author, THIEF_WORDS))
        at["rotation"] = publish(
            client,
            sign_statement(
                author,
                "New key.",
                kind="key-rotation",
                new_key=thief_key.verifier(),
                cosigners=[thief_key],
            ),
        )
        at["revocation"] = publish(
            client,
            sign_statement(
                recovery,
                "My phone was taken. Nothing signed with this key since is mine.",
                kind="revocation",
                subject=author.verifier(),
                revoked_from=at["fake"],
            ),
        )
        at["recovery"] = publish(
            client,
            sign_statement(
                recovery,
                "My identity continues with this key.",
                kind="recovery",
                subject=author.verifier(),
                new_key=new.verifier(),
                cosigners=[new],
            ),
        )
        yield client, log, at


def publish(client: Client, statement: Statement) -> int:
    response = client.post("/api/v1/statements", data=statement.file_bytes(), content_type=TEXT)
    assert response.status_code in (200, 201), response.content
    return int(response.json()["index"])


def bundle_of(client: Client, index: int) -> dict[str, Any]:
    return client.get(f"/api/v1/statements/{index}/bundle").json()


def test_the_bundle_of_a_thiefs_statement_says_so_offline(
    seized: tuple[Client, LogInstance, dict[str, int]],
) -> None:
    client, log, at = seized
    bundle = bundle_of(client, at["fake"])
    assert [r["index"] for r in bundle["revocations"]] == [at["revocation"], at["recovery"]]
    assert bundle["recovery_commitment"]["index"] == at["first"]
    verdict = verify_bundle(json.dumps(bundle).encode(), log.verifier)
    assert verdict.revocations is not None and verdict.revocations.stolen_key is not None
    assert (verdict.revocations.stolen_key.since, verdict.revocations.stolen_key.by_index) == (
        at["fake"],
        at["revocation"],
    )
    assert verdict.revocations.counted == 2
    # The thief's rotation too, and the author's own words before the seizure are theirs.
    assert verify_bundle(
        json.dumps(bundle_of(client, at["rotation"])).encode(), log.verifier
    ).stolen_key
    first = verify_bundle(json.dumps(bundle_of(client, at["first"])).encode(), log.verifier)
    assert not first.stolen_key and first.revocations is not None


def test_firsthand_verify_exits_3_for_a_stolen_key_and_says_what_the_bundle_knew(
    seized: tuple[Client, LogInstance, dict[str, int]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    client, log, at = seized
    path = tmp_path / "fake.bundle.json"
    bundle = bundle_of(client, at["fake"])
    path.write_text(json.dumps(bundle), encoding="utf-8")
    assert main(["verify", "--log-key", log.verifier.text(), str(path)]) == 3
    out = capsys.readouterr().out
    assert out.startswith("stolen key: signed by a key its author reported stolen or lost")
    assert f"as of checkpoint {bundle['tree_size']}: 2" in out

    # The adversary's move: hand over the bundle without the revocations. Verify cannot know
    # what it was not shown, and says how little it knew.
    cut = {k: v for k, v in bundle.items() if k not in ("revocations", "recovery_commitment")}
    path.write_text(json.dumps(cut), encoding="utf-8")
    assert main(["verify", "--log-key", log.verifier.text(), str(path)]) == 0
    out = capsys.readouterr().out
    assert f"known to this bundle as of checkpoint {bundle['tree_size']}: none" in out
    # Nor can he keep the revocation but swap the recovery key's commitment for his own words.
    forged = dict(bundle, recovery_commitment=bundle_of(client, at["fake"])["revocations"][0])
    path.write_text(json.dumps(forged), encoding="utf-8")
    assert main(["verify", "--log-key", log.verifier.text(), "--json", str(path)]) == 1
    assert json.loads(capsys.readouterr().out)["failed_check"] == "revocations"


def test_who_said_it_never_calls_the_thiefs_words_signed_plainly(
    seized: tuple[Client, LogInstance, dict[str, int]],
) -> None:
    client, _, at = seized
    ratelimit.reset()
    answer = client.post(
        "/api/v1/check", data=json.dumps({"text": THIEF_WORDS}), content_type="application/json"
    ).json()
    assert answer["verdict"] == "signed" and answer["stolen_key"] is True
    assert answer["message"].startswith("Signed by a key its author reported stolen or lost")
    assert answer["matches"][0]["statement"]["stolen_key_by"] == at["revocation"]
    text = human(answer)
    assert text.startswith("verdict: signed by a key its author reported stolen or lost")
    assert "SIGNED BY A KEY ITS AUTHOR REPORTED STOLEN OR LOST" in text
    for prefix, headline in (
        ("", "Signed by a key its author reported stolen or lost: these may not be"),
        ("/fa", "با کلیدی امضا شده که نویسنده‌اش گزارش داده دزدیده یا گم شده است: شاید"),
    ):
        page = client.post(f"{prefix}/check", {"text": THIEF_WORDS}).content.decode()
        heading = page.split('id="verdict-heading">', 1)[1].split("</h2>", 1)[0]
        assert headline in heading and "✓" not in heading

    # The author's own words, from before the seizure, are still signed plainly.
    own = client.post(
        "/api/v1/check",
        data=json.dumps({"text": "I left the group in 2019."}),
        content_type="application/json",
    ).json()
    assert own["verdict"] == "signed" and own["stolen_key"] is False
