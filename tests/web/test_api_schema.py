"""Schemathesis against /api/v1/openapi.json: for generated requests to every operation,
never a 5xx, and every response matches the schema the API publishes.

Schemathesis's "schema-valid data must be accepted" check is left out on purpose: the
schema can say a statement is UTF-8 text, but no schema can say it carries a valid
Ed25519 signature, so random text that fits the schema is rightly refused.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from firsthand.log.note import Signer
from firsthand.publishing.pipeline import record_statement
from firsthand.statements.format import sign_statement
from firsthand.web.api import ratelimit
from firsthand.web.wsgi import application
from tests.web.conftest import log_of_its_own


@pytest.fixture(scope="module")
def served_log(database: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    with log_of_its_own(tmp_path_factory.mktemp("schema-log")) as (_, sequencer):
        # Something real to find: statement 0 exists, so reads are not all 404.
        record_statement(sign_statement(Signer.generate("s.example"), "A real one.\n"), sequencer)
        yield


schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_operation_answers_within_its_schema_and_never_5xx(
    served_log: None, case: schemathesis.Case
) -> None:
    ratelimit.reset()
    case.call_and_validate(
        checks=[
            checks.not_a_server_error,
            checks.status_code_conformance,
            checks.content_type_conformance,
            checks.response_schema_conformance,
            checks.response_headers_conformance,
        ]
    )
