"""Enrolled test devices and record versions that the real forms engine accepts (or not)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import requests

from sync.client import EnrollmentResult, ProvinceClient, enroll
from sync.keys import Ed25519PrivateKey, generate_private_key
from sync.office import StoredBatch, build_batch
from sync.protocol import RecordVersion
from sync.transport import TransportOptions
from sync.trust import ProvinceTrust
from tests.sync.servers import ProvinceServer

FAST = TransportOptions(attempts=4, backoff_base=0.02, backoff_max=0.1, connect_timeout=5,
                        read_timeout=60)


def team_data(i: int = 0) -> dict[str, Any]:
    """A talent team record that passes the talent_team form (version 1)."""
    return {"name": f"量子计算团队{i}", "leader": "张三", "leader_category": "academician",
            "sector": "quantum", "direction": "quantum_computing", "origin": "introduced",
            "year": 2024, "host_kind": "university", "host_name": "中国科学技术大学"}


def version(org_unit: str, i: int = 0, *, record_id: str | None = None,
            data: dict[str, Any] | None = None, form_version: int = 1) -> RecordVersion:
    return RecordVersion.make(
        record_id=record_id or str(uuid.uuid4()), version_id=str(uuid.uuid4()),
        form_id="talent_team", form_version=form_version, org_unit=org_unit, status="final",
        data=data if data is not None else team_data(i))


def invalid_version(org_unit: str) -> RecordVersion:
    """Fails validation at one field: ``year`` is not a year."""
    return version(org_unit, data={**team_data(), "year": "明年"})


def issue_code(server: ProvinceServer, org_unit: str, hours: float = 1.0) -> str:
    out = server.cli("enroll-code", "--org-unit", org_unit, "--expires-hours", str(hours),
                     "--json")
    return str(json.loads(out)["code"])


def expire_code(server: ProvinceServer, code: str) -> None:
    """Move a code's expiry into the past (no operator can issue an expired code)."""
    from province.enrollment import normalise_code
    from sync.encoding import sha256_hex

    server.execute("UPDATE enrollment_codes SET expires_at = '2000-01-01T00:00:00.000000Z' "
                 "WHERE code_hash = ?", (sha256_hex(normalise_code(code).encode()),))


@dataclass
class Device:
    server: ProvinceServer
    key: Ed25519PrivateKey
    enrollment: EnrollmentResult
    sequence: int = 0
    previous: str | None = None
    sent: list[StoredBatch] = field(default_factory=list)

    @property
    def device_id(self) -> str:
        return self.enrollment.device_id

    @property
    def org_unit(self) -> str:
        return self.enrollment.org_unit

    def trust(self) -> ProvinceTrust:
        return ProvinceTrust([self.enrollment.province_public_key])

    def client(self, options: TransportOptions = FAST, **kwargs: Any) -> ProvinceClient:
        return ProvinceClient(self.server.url, self.trust(), device_id=self.device_id,
                              device_key=self.key, options=options, **kwargs)

    def batch(self, versions: list[RecordVersion], *, advance: bool = True,
              **kwargs: Any) -> StoredBatch:
        """The next batch in this device's chain (the chain moves on only if ``advance``)."""
        built = build_batch(kwargs.pop("key", self.key), kwargs.pop("device_id", self.device_id),
                            kwargs.pop("sequence", self.sequence + 1),
                            kwargs.pop("previous", self.previous), versions, **kwargs)
        if advance:
            self.sequence, self.previous = built.sequence, built.batch_hash
            self.sent.append(built)
        return built


def enroll_device(server: ProvinceServer, org_unit: str = "340104", label: str = "测试设备"
                  ) -> Device:
    key = generate_private_key()
    result = enroll(server.url, issue_code(server, org_unit), key, org_unit=org_unit, label=label,
                    options=FAST)
    return Device(server, key, result)


def post(server: ProvinceServer, path: str, body: bytes, **headers: str) -> requests.Response:
    """A raw POST, for bodies no client would send."""
    return requests.post(server.url + path, data=body, timeout=30,
                         headers={"Content-Type": "application/json", **headers})


def error_code(response: requests.Response) -> str:
    return str(response.json()["error"]["code"])


def stored(server: ProvinceServer, device_id: str | None = None) -> tuple[int, int]:
    """(batches, record versions) the province holds (for one device if given)."""
    where, params = ("WHERE device_id = ?", (device_id,)) if device_id else ("", ())
    batches = server.query(f"SELECT COUNT(*) FROM batches {where}", params)[0][0]
    versions = server.query(f"SELECT COUNT(*) FROM record_versions {where}", params)[0][0]
    return int(batches), int(versions)  # type: ignore[call-overload]


def new_office(server: ProvinceServer, path: Any, org_unit: str = "340104",
               versions: int = 0) -> Any:
    """An enrolled office store (plain SQLite double) holding ``versions`` pending versions."""
    from tests.sync.office_double import OfficeDouble

    device = enroll_device(server, org_unit)
    store = OfficeDouble(path)
    store.setup(device.device_id, device.key, [device.enrollment.province_public_key], org_unit)
    if versions:
        store.add_versions([version(org_unit, i) for i in range(versions)])
    return store


def sync_office(url: str, store: Any, **kwargs: Any) -> Any:
    """One in-process sync of ``store`` against ``url``; returns the summary."""
    from sync.runner import run_sync

    device = store.device()
    client = ProvinceClient(url, ProvinceTrust(store.province_keys()), device_id=device.device_id,
                            device_key=device.key, options=kwargs.pop("options", FAST),
                            on_new_province_keys=store.trust_province_keys)
    with client:
        return run_sync(client, store, **kwargs)


def assert_consistent(server: ProvinceServer, store: Any) -> None:
    """The province holds exactly the versions the office holds as synced: none lost, none
    twice; every office batch is acknowledged by the province's stored receipt."""
    device_id = store.device().device_id
    states = store.states()
    synced = {v for v, s in states.items() if s == "synced"}
    assert all(s in ("synced", "rejected") for s in states.values()), states
    held = [r[0] for r in server.query(
        "SELECT version_id FROM record_versions WHERE device_id = ?", (device_id,))]
    assert len(held) == len(set(held))
    assert set(held) == synced
    batches = dict(server.query("SELECT batch_id, receipt FROM batches WHERE device_id = ?",
                                (device_id,)))  # type: ignore[arg-type]
    ours = store.conn.execute("SELECT batch_id, acknowledged FROM batches").fetchall()
    assert all(ack == 1 for _, ack in ours)
    assert {b for b, _ in ours} == set(batches)
    kept = {bytes(r) for r in store.receipts()}
    assert all(bytes(receipt) in kept for receipt in batches.values())
    entries = server.query("SELECT COUNT(*) FROM log_entries")[0][0]
    assert entries == server.query("SELECT COUNT(*) FROM batches")[0][0]
