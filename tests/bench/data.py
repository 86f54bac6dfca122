"""The offices the benchmarks run on: realistic enterprise records, saved the way the office
saves them (the forms engine's checks, duplicate keys and search indexes included).

Names mix a brand drawn from a few hundred characters with the sector words people search
for (量子, 芯片, 储能 ...), so two-character searches match thousands of records and a new
record's name shares pieces with many others, as in a busy park.
"""

from __future__ import annotations

import random
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from desktop.services.checking import default_checker
from desktop.services.records import RecordService
from desktop.store.connection import open_database
from desktop.store.office import Office

PASS = "benchmark passphrase"
CHUNK = 2000
WORDS = ["量子", "通信", "芯片", "智能", "储能", "氢能", "材料", "网络", "卫星", "生物"]
SECTORS = [("quantum", "quantum_communication"), ("general_ai", "industry_llm"),
           ("low_carbon_energy", "new_energy_storage"), ("future_network", "satellite_internet")]
CITIES = ["合肥", "芜湖", "蚌埠", "阜阳", "马鞍山", "安庆", "滁州", "宣城"]
BRAND_CHARS = ("华天启明新宏泰达恒信瑞丰安康晨星海源中科创联博远凯盛鼎汇卓越鸿运"
               "金石云帆睿智鑫隆宇航天成嘉和德润佳美同方长城国盾讯飞本源微晶奇芯"
               "科力光子磁电动能聚合晶圆微纳精工智造普惠致远弘毅昊阳兴邦腾龙振华")


def _credit_code(i: int) -> str:
    from stdnum.cn import uscc

    base = f"9134{i:013d}"[:17]
    return base + uscc.calc_check_digit(base)


def enterprise(i: int) -> dict:
    """Enterprise record ``i``: valid for the enterprise form, deterministic, varied."""
    rng = random.Random(i)
    brand = "".join(rng.choice(BRAND_CHARS) for _ in range(rng.choice((2, 2, 3))))
    word, other = WORDS[i % 10], WORDS[(i // 10) % 10]
    sector, direction = SECTORS[i % 4]
    return {
        "name": f"{rng.choice(CITIES)}{brand}{word}{other}科技有限公司",
        "credit_code": _credit_code(i), "sector": sector, "direction": direction,
        "ownership": "private", "employees": 10 + i % 490, "output": 100 + i % 1000, "output_year": 2024,
        "address": f"{rng.choice(CITIES)}市高新区{WORDS[(i // 100) % 10]}产业园{i % 97 + 1}号",
        "remarks": f"主营{word}{other}相关产品与服务，编号{i}",
    }


def new_office(root: Path) -> Office:
    office, _ = Office.create(root, org_unit="340104", office_name="基准测试", admin="bench", passphrase=PASS)
    return office


def grow(office: Office, start: int, stop: int) -> None:
    """Save records ``start`` … ``stop - 1`` as final, through the records service with the
    office's own checker, a few thousand per transaction (as an import would)."""
    service = RecordService(office, default_checker(office.paths.root))
    for first in range(start, stop, CHUNK):
        service.add_many("enterprise", [enterprise(i) for i in range(first, min(stop, first + CHUNK))], final=True)


def copy_office(office: Office, target: Path) -> Path:
    """A copy of the office's folder (its WAL folded in first), to spend on one measurement."""
    office.write(lambda db: None)  # every write finished before the files are copied
    with _own_connection(office) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    # Copied by another process: closing this process's own descriptors of the open
    # database and its -shm file would drop SQLite's locks on them (POSIX locks belong to
    # the process), and the next command run on the office would delete its WAL under us.
    subprocess.run(["cp", "-a", "--", str(office.paths.root), str(target)], check=True)
    return target


def plain_copy(office: Office, target: Path) -> Path:
    """The same office as plain SQLite: every table and index, decrypted by SQLCipher's export.

    Opened by the same code with no key, it is the baseline that shows what encryption costs.
    """
    Office.create(target, org_unit="340104", office_name="基准测试", admin="bench", passphrase=PASS,
                  encrypted=False)[0].close()
    database = target / "office.db"
    database.unlink()
    with _own_connection(office) as db:
        db.execute("ATTACH DATABASE ? AS plain KEY ''", [str(database)])
        db.execute("SELECT sqlcipher_export('plain')").fetchall()
        db.execute("DETACH DATABASE plain")
    return target


@contextmanager
def _own_connection(office: Office) -> Iterator[Any]:
    # A connection of its own with the office's key: the office's readers refuse writes,
    # and the writer's transaction can neither attach a database nor checkpoint.
    db = open_database(office.paths.database, office._key or None)
    try:
        yield db
    finally:
        db.conn.close()
