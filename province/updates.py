"""Signed updates: publishing form versions and reference data, returning records, pulling.

Update ids come from the ``updates`` counter row, locked until commit, so ids are gapless and
commit in order: an office that has applied everything up to id N never misses one below it.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from forms.text import clean_text
from province import actions, freshness
from province.batches import read_signed_read
from province.clock import utc_now
from province.console.tally import Tally
from province.context import Province
from province.db import Tx
from province.validation import materialise
from sync.control import PULL_REQUEST_TYPE, UPDATE_TYPE, PullRequest, Update
from sync.encoding import DecodeError, parse_json_object, sha256_hex
from sync.errors import NotFound, Revoked

CSV_NAME = re.compile(r"^([a-z][a-z0-9_]*)\.v([1-9][0-9]{0,5})\.csv$")


class PublishError(ValueError):
    """A file that cannot be published; the message names it and why."""


@dataclass(frozen=True)
class Publication:
    kind: str
    name: str
    version: int
    content: str
    path: Path

    @property
    def update_kind(self) -> str:
        return "form_version" if self.kind == "form" else "reference_data"

    def body(self) -> dict[str, Any]:
        if self.kind == "form":
            return {"form_id": self.name, "version": self.version,
                    "definition": json.loads(self.content)}
        content: Any = self.content if self.kind == "reference_csv" else json.loads(self.content)
        return {"name": self.name, "version": self.version, "content": content}


def read_publication(path: Path) -> Publication:
    """Read one definition file: a form (``"kind": "form"``) or a reference list."""
    if path.suffix == ".csv":
        match = CSV_NAME.match(path.name)
        if not match:
            raise PublishError(f"{path}：CSV 参考数据的文件名应为 <名称>.v<版本>.csv")
        return Publication("reference_csv", match[1], int(match[2]),
                           path.read_text(encoding="utf-8-sig"), path)
    try:
        data = parse_json_object(path.read_bytes())
    except (DecodeError, OSError) as exc:
        raise PublishError(f"{path}：无法读取（{exc}）") from None
    kind = data.get("kind")
    name = data.get("id") if kind == "form" else data.get("name")
    version = data.get("version")
    if kind not in ("form", "reference") or not isinstance(name, str) or not isinstance(version, int):
        raise PublishError(f'{path}：应为 {{"kind": "form", "id", "version", ...}}（表单）或 '
                           f'{{"kind": "reference", "name", "version", ...}}（参考数据）')
    return Publication(kind, name, version,
                       json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1), path)


def collect(paths: list[Path]) -> list[Publication]:
    """Every publishable file under ``paths`` (folders are searched recursively)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.suffix in (".json", ".csv")))
        else:
            files.append(path)
    items = [read_publication(p) for p in files]
    # Reference lists first: a new form version may use a list published alongside it.
    return sorted(items, key=lambda item: item.kind == "form")


def check_with_engine(province: Province, items: list[Publication]) -> None:
    """Load the forms engine with everything already published plus ``items``; refuse on error.

    A definition the engine cannot load would stop every later record from validating, so it
    is refused here, before anything is stored.
    """
    rows = province.db.run(lambda tx: [(r[0], r[1], int(r[2]), r[3]) for r in tx.rows(
        "SELECT kind, name, version, content FROM published")], write=False)
    rows += [(p.kind, p.name, p.version, p.content) for p in items]
    folder = Path(tempfile.mkdtemp(prefix="anhui-publish-"))
    try:
        try:
            registry = province.validator.load_registry(materialise(folder, rows))
        except Exception as exc:
            raise PublishError(f"表单引擎不接受：{exc}") from None
        problems = list(getattr(registry, "load_problems", []))
        if problems:
            raise PublishError("表单引擎不接受：" + "；".join(problems))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def publish(province: Province, items: list[Publication]) -> list[tuple[Publication, int | None]]:
    """Publish each item as a signed update; return (item, update id or None if unchanged)."""
    check_with_engine(province, items)

    def work(tx: Tx) -> list[tuple[Publication, int | None]]:
        results: list[tuple[Publication, int | None]] = []
        for item in items:
            digest = sha256_hex(item.content.encode())
            stored = tx.scalar("SELECT content_hash FROM published WHERE kind = ? AND name = ? "
                               "AND version = ?", [item.kind, item.name, item.version])
            if stored == digest:
                results.append((item, None))
                continue
            if stored is not None:
                raise PublishError(f"{item.path}：{item.name} 第 {item.version} 版已以不同内容发布过，"
                                   "请作为新版本发布")
            update_id = add_update(tx, province, item.update_kind, "*",
                                   f"{item.name}.v{item.version}", item.body())
            tx.execute("INSERT INTO published (kind, name, version, content, content_hash, "
                       "update_id) VALUES (?, ?, ?, ?, ?, ?)",
                       [item.kind, item.name, item.version, item.content, digest, update_id])
            results.append((item, update_id))
        return results

    return province.db.run(work)


def add_update(tx: Tx, province: Province, kind: str, audience: str, subject: str,
               body: dict[str, Any]) -> int:
    """Sign and store one update with the next id; return the id."""
    update_id = int(tx.scalar("SELECT value FROM counters WHERE name = 'updates' FOR UPDATE")) + 1
    now = utc_now()
    update = Update(update_id, kind, audience, now, body)
    envelope = province.signer.sign(update.to_json(), UPDATE_TYPE).to_bytes()
    tx.execute("INSERT INTO updates (update_id, kind, audience, subject, envelope, published_at) "
               "VALUES (?, ?, ?, ?, ?, ?)", [update_id, kind, audience, subject, envelope, now])
    tx.execute("UPDATE counters SET value = ? WHERE name = 'updates'", [update_id])
    return update_id


MAX_RETURN_REASON = 4000  # what an office accepts in a record_returned update


def return_record(province: Province, record_id: str, reason: str, actor: str = "cli") -> int:
    """Return a record's current version to its office for correction; return the update id.

    The reason must be 1 to 4,000 characters: an office refuses a longer one, and a return
    it cannot read would stop its pulls.
    """
    reason = clean_text(reason, multiline=True)
    if not 0 < len(reason) <= MAX_RETURN_REASON:
        raise ValueError(f"退回原因应为 1 至 {MAX_RETURN_REASON} 个字符，而不是 {len(reason)} 个")
    return province.db.run(lambda tx: return_record_in(tx, province, record_id, reason, actor))


def return_record_in(tx: Tx, province: Province, record_id: str, reason: str, actor: str,
                     expected_version: str | None = None) -> int:
    """:func:`return_record` inside the caller's transaction, logged as ``actor``'s action.

    With ``expected_version``, refuse (``StaleVersion``) if a newer version arrived since the
    reviewer looked: a return must be about what the reviewer saw.
    """
    row = tx.one("SELECT org_unit, current_version_id FROM records WHERE record_id = ? "
                 "FOR UPDATE", [record_id])
    if row is None:
        raise NotFound(f"no record {record_id}")
    org_unit, version_id = row
    if expected_version is not None and expected_version != version_id:
        raise StaleVersion(f"record {record_id} has a newer version than the one reviewed")
    now = utc_now()
    update_id = add_update(tx, province, "record_returned", org_unit, record_id, {
        "record_id": record_id, "version_id": version_id, "org_unit": org_unit,
        "reason": reason, "returned_at": now})
    tx.execute("UPDATE records SET returned_version_id = ?, return_reason = ?, "
               "returned_at = ? WHERE record_id = ?", [version_id, reason, now, record_id])
    # The console's index of the record (if it has one yet) shows it returned at once.
    tx.execute("UPDATE console_records SET state = 'returned' WHERE record_id = ?", [record_id])
    # Province-wide progress stops counting it at once (see province.console.tally).
    Tally(province.validator.registry()).refresh(tx, [record_id])
    actions.record(tx, actor, "record.return", record_id, reason,
                   {"version_id": version_id, "org_unit": org_unit, "update_id": update_id})
    return update_id


class StaleVersion(ValueError):
    """The record changed since the reviewer looked at it."""


def pull(province: Province, body: bytes) -> dict[str, Any]:
    """Handle ``POST /v1/updates/pull``: the signed updates an enrolled device may see.

    The request's nonce is used up in the same transaction, so a captured pull request
    cannot be sent again later to read the updates published since.
    """
    request, owner, expires_at = read_signed_read(province, body, PULL_REQUEST_TYPE,
                                                  PullRequest.from_json)

    def work(tx: Tx) -> dict[str, Any]:
        device = tx.one("SELECT org_unit, revoked_at FROM devices WHERE device_id = ?",
                        [owner.device_id])
        assert device is not None
        if device[1] is not None:
            raise Revoked("this device was revoked by the province", revoked_at=device[1])
        freshness.consume(tx, owner.device_id, request.nonce, expires_at)
        # Read the counter first: every id up to it is committed (ids commit in order).
        last = int(tx.scalar("SELECT value FROM counters WHERE name = 'updates'"))
        rows = tx.rows("SELECT update_id, envelope FROM updates WHERE update_id > ? AND "
                       "update_id <= ? AND (audience = '*' OR audience = ?) "
                       "ORDER BY update_id LIMIT ?",
                       [request.since, last, device[0], request.limit + 1])
        more = len(rows) > request.limit
        rows = rows[:request.limit]
        next_since = int(rows[-1][0]) if more else max(last, request.since)
        return {"updates": [json.loads(bytes(r[1])) for r in rows], "next_since": next_since,
                "more": more}

    return province.db.run(work)

