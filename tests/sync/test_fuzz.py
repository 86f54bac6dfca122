"""Bounded fuzzing for ``make test`` (``make fuzz`` runs 10,000+ requests): schemathesis over
every operation of /openapi.json, and signed, mutated messages of every type, on SQLite and
PostgreSQL. No answer may be a 5xx, or a status or error code the documents do not name."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.sync.conftest import TRIED
from tests.sync.fuzz import FuzzReport, fuzz_console, fuzz_openapi, fuzz_server, fuzz_signed


@pytest.fixture(params=["sqlite", "postgres"])
def fuzz_target(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    url = request.getfixturevalue("postgres").new_database() if request.param == "postgres" \
        else None
    server = fuzz_server(tmp_path, url)
    yield server
    server.stop()


def test_openapi_document_is_complete_and_every_answer_conforms(fuzz_target) -> None:  # type: ignore[no-untyped-def]
    report = FuzzReport()
    fuzz_openapi(fuzz_target.url, 8, report, derandomize=True)
    TRIED["schemathesis requests"] += report.requests
    assert report.requests > 100
    assert report.server_errors == 0, report.failures
    assert report.failures == []
    assert "unexpected error" not in fuzz_target.log_text()


def test_console_routes_never_answer_5xx(fuzz_target) -> None:  # type: ignore[no-untyped-def]
    report = FuzzReport()
    fuzz_console(fuzz_target, 5, report, derandomize=True)
    TRIED["schemathesis requests at the console"] += report.requests
    assert report.requests > 50
    assert report.server_errors == 0, report.failures
    assert report.failures == []


def test_signed_mutations_of_every_message_type(fuzz_target) -> None:  # type: ignore[no-untyped-def]
    report = FuzzReport()
    fuzz_signed(fuzz_target, 150, report, derandomize=True)
    TRIED["signed, mutated messages"] += report.requests
    assert report.server_errors == 0, report.failures
    assert report.failures == []
    assert "unexpected error" not in fuzz_target.log_text()
    # Some got all the way through: accepted batches, answered pulls.
    assert report.statuses[200] + report.statuses[201] > 0, report.statuses
