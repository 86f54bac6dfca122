"""A real province (``anhui-province serve`` on loopback) with staff accounts, for the console."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.console.seed import PASSWORD, add_user, seed_demo
from tests.sync.conftest import postgres  # noqa: F401  (the PostgreSQL cluster fixture)
from tests.sync.servers import ProvinceServer


class Staff:
    """A staff member's browser-less session: the cookie jar and the forms' CSRF tokens."""

    def __init__(self, server: ProvinceServer) -> None:
        self.server = server
        self.http = requests.Session()

    def login(self, username: str, password: str = PASSWORD) -> requests.Response:
        page = self.http.get(self.server.url + "/console/login", timeout=30)
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert token, page.text
        return self.http.post(self.server.url + "/console/login", timeout=30,
                              data={"csrf": token.group(1), "username": username,
                                    "password": password, "next": "/console/"})

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.get(self.server.url + path, timeout=60, **kwargs)

    def csrf(self) -> str:
        """The session's CSRF token, as any signed-in page carries it."""
        page = self.get("/console/devices")
        found = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert found, page.text
        return found.group(1)

    def post(self, path: str, fields: dict[str, str], *, csrf: bool = True) -> requests.Response:
        data = {**fields, **({"csrf": self.csrf()} if csrf else {})}
        return self.http.post(self.server.url + path, data=data, timeout=60,
                              allow_redirects=False)


@pytest.fixture
def database_url() -> str | None:
    """The province's database: its SQLite file unless a test asks for PostgreSQL."""
    return None


NAMES = {"admin": "admin", "reviewer": "li.reviewer", "viewer": "wang.viewer"}


def start_province(folder: Path, database_url: str | None = None) -> ProvinceServer:
    """A running province with an admin, a reviewer and a viewer."""
    server = ProvinceServer(folder, database_url)
    server.start()
    for role, name in NAMES.items():
        add_user(server, name, role)
    return server


def signed_in(server: ProvinceServer, role: str) -> Staff:
    member = Staff(server)
    assert member.login(NAMES[role]).url.endswith("/console/")
    return member


@pytest.fixture
def province(tmp_path: Path, database_url: str | None) -> Iterator[ProvinceServer]:
    """An empty province with an admin, a reviewer and a viewer."""
    server = start_province(tmp_path / "province", database_url)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def shared_seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProvinceServer]:
    """One seeded province for a module's tests that only read (or refuse) what is there."""
    server = start_province(tmp_path_factory.mktemp("shared") / "province")
    seed_demo(server)
    yield server
    server.stop()


@pytest.fixture
def seeded(province: ProvinceServer) -> ProvinceServer:
    """The province after five offices sent their records (two cross-unit duplicates)."""
    seed_demo(province)
    return province


@pytest.fixture
def staff(province: ProvinceServer):  # type: ignore[no-untyped-def]
    """Make a logged-in :class:`Staff` of a role: ``staff("reviewer")``."""
    return lambda role: signed_in(province, role)
