"""The `make run` demo: fictional, really signed, stored like any statement, loaded once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from firsthand.log.datadir import LogInstance, open_log
from firsthand.publishing import process
from firsthand.statements.bundle import make_bundle, verify_bundle
from firsthand.web.api.models import PublishedStatement
from firsthand.web.demo import load_demo
from tests.web.conftest import forget_published_rows


@pytest.fixture
def log(database: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LogInstance]:
    instance = open_log(tmp_path_factory.mktemp("demo-log"))
    forget_published_rows()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(process, "_log", instance)
        yield instance


def test_the_demo_loads_once_and_every_statement_verifies_offline(log: LogInstance) -> None:
    import json

    assert load_demo() == 5
    assert load_demo() == 0
    kinds = set()
    for row in PublishedStatement.objects.filter(
        index__isnull=False, author_key__contains=".demo+"
    ):
        assert row.index is not None
        bundle = make_bundle(log.reader, index=row.index, head=row.head.encode(), body=row.body)
        verdict = verify_bundle(json.dumps(bundle).encode(), log.verifier)
        kinds.add(verdict.kind)
        assert "fictional" in row.body.lower() or "خیالی" in row.body
    assert kinds == {"declaration", "testimony", "denial", "vouch"}
