"""A small, realistic office for screenshots and demonstrations (not used by the app itself).

Names are typical of Hefei's future-industry firms but invented; credit codes are generated
with valid check characters, so the records pass the same checks as typed ones.
"""

from __future__ import annotations

import json
import random
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests
from stdnum.cn import uscc

from desktop.services.checking import RecordChecker
from desktop.services.records import RecordService
from desktop.store.office import Office

PASSPHRASE = "demo passphrase 2024"
_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"

ENTERPRISES = [
    ("合肥本源量子计算科技有限责任公司", "quantum", "quantum_computing", ["head", "high_tech"], 52000),
    ("国仪量子技术（合肥）股份有限公司", "quantum", "quantum_metrology", ["high_tech", "little_giant"], 31000),
    ("科大国盾量子技术股份有限公司", "quantum", "quantum_communication", ["high_tech"], 24500),
    ("安徽问天量子科技股份有限公司", "quantum", "quantum_communication", ["tech_sme"], 8600),
    ("合肥幺正量子科技有限公司", "quantum", "quantum_devices", ["new_star"], 1200),
    ("科大讯飞股份有限公司", "general_ai", "general_llm", ["head", "high_tech"], 186000),
    ("合肥智能语音创新发展有限公司", "general_ai", "industry_llm", ["tech_sme"], 5400),
    ("安徽华米智能科技有限公司", "general_ai", "intelligent_manufacturing", ["high_tech"], 22000),
    ("合肥中科类脑智能技术有限公司", "general_ai", "brain_inspired", ["new_star"], 3100),
    ("阳光电源股份有限公司", "low_carbon_energy", "new_energy_storage", ["head", "high_tech"], 96000),
    ("合肥国轩高科动力能源有限公司", "low_carbon_energy", "new_energy_storage", ["high_tech"], 74000),
    ("安徽明天氢能科技股份有限公司", "low_carbon_energy", "hydrogen", ["little_giant"], 6800),
    ("合肥聚变新能科技有限公司", "low_carbon_energy", "fusion", ["new_star"], 900),
    ("合肥零重空间技术有限公司", "aerospace_info", "commercial_space", ["tech_sme"], 2600),
    ("安徽翼尚低空科技有限公司", "aerospace_info", "low_altitude_economy", ["new_star"], 1800),
    ("合肥晶合集成电路股份有限公司", "third_gen_semiconductor", "third_gen_semiconductor_general", ["high_tech"], 41000),
    ("安徽长飞先进半导体有限公司", "third_gen_semiconductor", "third_gen_semiconductor_general", ["high_tech"], 15500),
    ("合肥微纳新材料科技有限公司", "advanced_materials", "frontier_materials", ["tech_sme"], 2300),
    ("安徽安科生物工程（集团）股份有限公司", "life_science", "cell_gene", ["high_tech"], 12800),
    ("合肥天地互联卫星网络有限公司", "future_network", "satellite_internet", ["tech_sme"], 3300),
]
# (index into ENTERPRISES, status, reason when returned). None is "synced" here: only a real
# sync (the screenshots' own, with the province's receipt) makes a record synced, or the
# office's audit export would rightly fail to verify.
STATUSES = {0: "final", 1: "final", 2: "final", 5: "final", 9: "final", 10: "queued", 3: "final", 6: "final",
            11: "final", 15: "final", 12: "returned", 14: "returned"}
REASONS = {12: "产值所属年度与营业收入口径不一致，请按2025年度核实后重报。",
           14: "统一社会信用代码与营业执照不符，请核对。"}


def credit_code(rng: random.Random) -> str:
    """A unified social credit code of a Hefei enterprise with a valid check character."""
    base = "9134010" + rng.choice("0123456789") + "MA" + "".join(rng.choice(_CODE_CHARS) for _ in range(7))
    return base + uscc.calc_check_digit(base)


def enterprise(index: int, rng: random.Random) -> dict[str, Any]:
    """The data of demo enterprise ``index`` (a fresh credit code from ``rng``)."""
    name, sector, direction, tiers, output = ENTERPRISES[index]
    data: dict[str, Any] = {
        "name": name, "credit_code": credit_code(rng), "sector": sector, "direction": direction,
        "ownership": "private", "tiers": tiers, "output": output, "output_year": 2025,
        "employees": rng.randint(40, 3000), "contact_person": rng.choice(["王磊", "李静", "陈晨", "张敏"]),
    }
    if "high_tech" in tiers:
        data["hte_cert_number"] = f"GR2024340{rng.randint(0, 99999):05d}"
        data["hte_cert_date"] = "2024-10-28"
    for tier, (year, recognised_in) in RECOGNITION.items():
        if tier in tiers:
            data[f"{tier}_year"], data[f"{tier}_list"] = year, recognised_in
    return data


# The year and list a tier was recognised in, which the form asks for with the tier.
RECOGNITION = {
    "little_giant": (2025, "第七批专精特新“小巨人”企业名单"),
    "tech_sme": (2025, "2025340104A0001"),
    "new_star": (2025, "安徽省未来产业“新星企业”名单（第一批）"),
}


def fill(office: Office, checker: RecordChecker, seed: int = 7) -> RecordService:
    """Add the demo enterprises with a spread of statuses to ``office``."""
    rng = random.Random(seed)
    service = RecordService(office, checker)
    for index in range(len(ENTERPRISES)):
        status = STATUSES.get(index, "draft")
        saved = service.add("enterprise", enterprise(index, rng), final=status != "draft")
        steps = {"final": [], "queued": ["queued"], "returned": ["queued", "returned"]}
        for step in steps.get(status, []):
            service.set_status(saved.record_id, step, reason=REASONS.get(index) if step == "returned" else None,
                               actor="province" if step == "returned" else None)
    return service


# Drafts a clerk has started and not finished: marking them final lists what is missing.
UNFINISHED = [{"name": "合肥未来视界显示技术有限公司", "sector": "advanced_materials"},
              {"name": "安徽星图低空飞行器有限公司", "sector": "aerospace_info", "direction": "low_altitude_economy"}]


def make_office(root: Path, checker: RecordChecker) -> Path:
    """A demo office in ``root`` (蜀山区科学技术局, admin 张三, clerks 李四 and the disabled
    王五) filled with records."""
    office, _key = Office.create(root, org_unit="340104", office_name="蜀山区科学技术局", admin="张三", passphrase=PASSPHRASE)
    try:
        service = fill(office, checker)
        service.add_many("enterprise", UNFINISHED)
        office.add_user("李四", "clerk", PASSPHRASE)
        office.add_user("王五", "clerk", PASSPHRASE)
        office.disable_user("王五")
    finally:
        office.close()
    return root


# A list an office keeps in Excel, with the mistakes clerks make: (name, sector, direction,
# {column header: what was typed instead}).
IMPORT_ROWS = [
    ("合肥量旋科技有限公司", "quantum", "quantum_computing", {}),
    ("安徽智算云图科技有限公司", "general_ai", "industry_llm", {}),
    ("合肥氢动力能源科技有限公司", "low_carbon_energy", "hydrogen", {"统一社会信用代码": "91340100MA2NF8XL37"}),
    ("安徽天链卫星通信有限公司", "future_network", "satellite_internet", {}),
    ("合肥纳晶新材料有限公司", "advanced_materials", "frontier_materials", {"从业人员（人）": "约200人"}),
    ("安徽基因谷生物科技有限公司", "life_science", "cell_gene", {"所属领域": "生物医药"}),
]


def import_sheet(path: Path, registry: Any) -> Path:
    """A workbook of enterprises to import, three rows of it with mistakes."""
    from openpyxl import Workbook

    from desktop.services.exchange.tables import cell, sheets_of

    rng = random.Random(11)
    form = registry.form("enterprise")
    sheet = sheets_of(form)[0]
    book = Workbook()
    ws = book.active
    ws.title = sheet.name
    ws.append(sheet.headers)
    for n, (name, sector, direction, mistakes) in enumerate(IMPORT_ROWS, start=1):
        data = {"name": name, "credit_code": credit_code(rng), "sector": sector, "direction": direction,
                "ownership": "private", "employees": rng.randint(40, 600)}
        row = [f"名单-{n}", None, None] + [cell(form, f, data.get(f.id), data) for f in sheet.fields]
        for column, typed in mistakes.items():
            row[sheet.headers.index(column)] = typed
        ws.append(row)
    book.save(path)
    return path


class LocalProvince:
    """A reference provincial endpoint on loopback for screenshots (``anhui-province serve``
    as its own process, with its own data folder), so the sync screen shows a real
    enrollment, real receipts and a real summary."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = ""

    def _command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "province.cli", "--data-dir", str(self.root), *args]

    def start(self, timeout: float = 30.0) -> LocalProvince:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root.parent / "province.log", "wb") as log:  # the process keeps its own handle
            self.proc = subprocess.Popen(self._command("serve", "--port", str(port), "--log-level", "warning"),
                                         stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the demo province exited with {self.proc.returncode}")
            try:
                requests.get(self.url + "/healthz", timeout=1)
                return self
            except requests.RequestException:
                time.sleep(0.1)
        raise TimeoutError("the demo province did not come up")

    def enroll_code(self, org_unit: str = "340104") -> tuple[str, str]:
        """A one-time code for ``org_unit`` and the province key id, as the operator gets them."""
        out = subprocess.run(self._command("enroll-code", "--org-unit", org_unit, "--json"),
                             capture_output=True, text=True, check=True).stdout
        issued = json.loads(out)
        return issued["code"], issued["province_key_id"]

    def open_period(self, form_id: str, year: int, due: str) -> None:
        """Open the reporting period of ``form_id`` for ``year`` (``anhui-province period open``)."""
        subprocess.run(self._command("period", "open", form_id, str(year), "--due", due),
                       capture_output=True, text=True, check=True)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
