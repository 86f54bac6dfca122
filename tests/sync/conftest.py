"""Fixtures for the sync tests: provinces on SQLite and PostgreSQL, enrolled offices, counts."""

from __future__ import annotations

import collections
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sync.servers import PostgresCluster, ProvinceServer, find_postgres

# What the reliability tests tried, printed at the end of the run ("count what was tried").
TRIED: collections.Counter[str] = collections.Counter()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TRIED:
        terminalreporter.section("sync: what the reliability tests tried")
        for name, count in sorted(TRIED.items()):
            terminalreporter.write_line(f"{count:>8}  {name}")


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    """A throwaway PostgreSQL cluster for the whole session (skipped without the binaries)."""
    bindir = find_postgres()
    if bindir is None:
        reason = "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin " \
                 "(make test installs the Debian 'postgresql' package)"
        print(f"\nSKIP PostgreSQL tests: {reason}")
        pytest.skip(reason)
    cluster = PostgresCluster(bindir)
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def make_province(backend: str, tmp: Path, request: pytest.FixtureRequest) -> ProvinceServer:
    url = None
    if backend == "postgres":
        url = request.getfixturevalue("postgres").new_database()
    return ProvinceServer(tmp / "province", url)


@pytest.fixture
def province(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[ProvinceServer]:
    """A fresh province with one running server process, on each backend."""
    server = make_province(backend, tmp_path, request)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def shared_province(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                    ) -> Iterator[ProvinceServer]:
    """One running province per backend shared by a module's tests (each enrolls its own
    devices, so they do not see each other's data); saves server start-ups."""
    server = make_province(str(request.param), tmp_path_factory.mktemp("shared"), request)
    server.start()
    yield server
    server.stop()

