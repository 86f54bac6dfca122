"""Province data for the console tests: real devices of several org units send real batches
of records the forms engine accepts (enterprises, platforms, teams, standards)."""

from __future__ import annotations

import copy
import uuid
from pathlib import Path
from typing import Any

from sync.protocol import RecordVersion
from tests.sync.offices import Device, enroll_device
from tests.sync.servers import ProvinceServer

PASSWORD = "console-test-password"


def credit_code(i: int) -> str:
    """A unified social credit code with a correct check character."""
    from stdnum.cn import uscc

    base = f"9134010{i:010d}"[:17]
    return next(base + c for c in "0123456789ABCDEFGHJKLMNPQRTUWXY" if uscc.is_valid(base + c))


def example(form_id: str) -> dict[str, Any]:
    from forms.examples import example as shipped

    data = shipped(form_id)
    assert data is not None, form_id
    return data


def enterprise(i: int, **extra: Any) -> dict[str, Any]:
    data = copy.deepcopy(example("enterprise"))
    data.update({"name": f"安徽未来科技有限公司{i}", "credit_code": credit_code(i), **extra})
    return data


def platform(name: str, **extra: Any) -> dict[str, Any]:
    data = copy.deepcopy(example("platform"))
    data.update(name=name, **extra)
    return data


def team(name: str, leader: str = "张三", **extra: Any) -> dict[str, Any]:
    data = copy.deepcopy(example("talent_team"))
    data.update(name=name, leader=leader, **extra)
    return data


def standard(number: str, **extra: Any) -> dict[str, Any]:
    data = copy.deepcopy(example("standard"))
    data.update(number=number, **extra)
    return data


def make_version(org_unit: str, form_id: str, data: dict[str, Any],
                 record_id: str | None = None) -> RecordVersion:
    return RecordVersion.make(record_id=record_id or str(uuid.uuid4()),
                              version_id=str(uuid.uuid4()), form_id=form_id, form_version=1,
                              org_unit=org_unit, status="final", data=data)


def send(device: Device, versions: list[RecordVersion]) -> None:
    """Send one batch and check that every version was accepted."""
    batch = device.batch(versions)
    with device.client() as client:
        receipt = client.send_batch(batch.envelope)
    rejected = receipt.receipt.entry.rejected
    assert not rejected, rejected


def add_user(server: ProvinceServer, username: str, role: str, password: str = PASSWORD) -> None:
    """``anhui-province user add``, run in this process with the password on standard input."""
    import contextlib
    import io
    import sys

    saved = sys.stdin
    sys.stdin = io.StringIO(password + "\n")
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            server.cli("user", "add", username, "--role", role, "--password-stdin")
    finally:
        sys.stdin = saved


def server_command(server: ProvinceServer) -> list[str]:
    import sys

    exe = Path(sys.executable).parent / "anhui-province"
    return [str(exe) if exe.exists() else sys.executable, *([] if exe.exists() else
            ["-m", "province.cli"]), *server.base_args()]


def seed_demo(server: ProvinceServer) -> dict[str, Device]:
    """A small province: offices in five cities, each kind of record, two cross-unit duplicates."""
    units = {"340104": "合肥 蜀山区", "340202": "芜湖 镜湖区", "341102": "滁州 琅琊区",
             "340302": "蚌埠 龙子湖区", "341202": "阜阳 颍州区"}
    devices = {code: enroll_device(server, code, label=f"{name} 办公室") for code, name in units.items()}
    sectors = [("quantum", "quantum_communication"), ("general_ai", "general_llm"),
               ("low_carbon_energy", "hydrogen"), ("aerospace_info", "low_altitude_economy")]
    n = 0
    for u, (code, device) in enumerate(devices.items()):
        versions = []
        for k in range(3 + u):
            sector, direction = sectors[(u + k) % len(sectors)]
            n += 1
            versions.append(make_version(code, "enterprise", enterprise(
                n, sector=sector, direction=direction,
                **({} if k % 2 else {"tiers": ["high_tech", "listed"], "exchange": "SSE",
                                     "stock_code": f"{688000 + n}"}))))
        versions.append(make_version(code, "platform", platform(f"{units[code][:2]}未来产业创新中心")))
        versions.append(make_version(code, "talent_team", team(f"{units[code][:2]}量子计算团队")))
        versions.append(make_version(code, "standard", standard(f"DB34/T {4100 + u}-2024", level="local")))
        send(device, versions)
    # The same enterprise and the same platform reported by offices in two cities.
    shared = enterprise(9001, sector="quantum", direction="quantum_communication")
    send(devices["340104"], [make_version("340104", "enterprise", shared)])
    send(devices["340202"], [make_version("340202", "enterprise", {**shared, "name": "安徽未来科技（芜湖）有限公司9001"})])
    send(devices["341102"], [make_version("341102", "platform", platform("合肥未来产业创新中心"))])
    # An office corrects a record: a second version with two fields changed.
    edited = enterprise(9002, sector="general_ai", direction="general_llm", output=8000)
    first = make_version("341202", "enterprise", edited)
    send(devices["341202"], [first])
    send(devices["341202"], [make_version("341202", "enterprise",
                                          {**edited, "output": 9500, "employees": 210},
                                          record_id=first.record_id)])
    return devices


def annual_report(record_id: str | None, of: dict[str, Any], year: int, **extra: Any) -> dict[str, Any]:
    """An enterprise's annual report: linked by its record id, or (None) by credit code alone."""
    data = copy.deepcopy(example("annual_report"))
    data.update({"enterprise_name": of["name"], "credit_code": of["credit_code"], "year": year,
                 "sector": of["sector"], "direction": of["direction"], **extra})
    if record_id is not None:
        data["enterprise"] = record_id
    return data


def seed_reports(server: ProvinceServer, devices: dict[str, Device], year: int) -> None:
    """Open the annual report's period for ``year`` (closing last year's) and have every office
    but the last report for all but one of its enterprises."""
    import json

    server.cli("period", "open", "annual_report", str(year - 1))
    server.cli("period", "close", "annual_report", str(year - 1))
    server.cli("period", "open", "annual_report", str(year), "--due", f"{year + 1}-03-31")
    rows = server.query("SELECT r.record_id, r.org_unit, v.data FROM records r JOIN record_versions v "
                        "ON v.version_id = r.current_version_id WHERE r.form_id = 'enterprise' "
                        "ORDER BY r.record_id")
    for unit in list(devices)[:-1]:
        mine = [(str(record_id), json.loads(str(raw))) for record_id, org_unit, raw in rows if org_unit == unit]
        send(devices[unit], [make_version(unit, "annual_report", annual_report(record_id, data, year))
                             for record_id, data in mine[1:]])
