"""Records: versions, lifecycle, history, Chinese substring search in the same transaction."""

import pytest

from desktop.errors import InvalidInput
from desktop.services.checking import RecordChecker
from desktop.services.records import RecordService
from forms.canonical import content_hash


@pytest.fixture
def service(office):
    return RecordService(office, RecordChecker())


def test_versions_are_immutable_and_hashed(service):
    first = service.add("enterprise", {"name": "国盾量子通信", "sector": "quantum"})
    second = service.edit(first.record_id, {"name": "国盾量子通信技术股份有限公司", "sector": "quantum"})
    versions = service.versions(first.record_id)
    assert [v["number"] for v in versions] == [1, 2]
    assert versions[0]["content_hash"] == content_hash("enterprise", 1, {"name": "国盾量子通信", "sector": "quantum"})
    assert second.content_hash != first.content_hash
    assert versions[1]["author"] == "张三" and versions[1]["org_unit"] == "340104"
    assert service.get(first.record_id)["current_version_id"] == second.version_id


def test_lifecycle(service):
    saved = service.add("enterprise", {"name": "科大讯飞"})
    assert service.get(saved.record_id)["status"] == "draft"
    with pytest.raises(InvalidInput):
        service.set_status(saved.record_id, "synced")
    service.finalize(saved.record_id)
    service.set_status(saved.record_id, "queued")
    service.set_status(saved.record_id, "returned", reason="信用代码有误", actor="province")
    record = service.get(saved.record_id)
    assert record["status"] == "returned" and record["status_reason"] == "信用代码有误"
    service.edit(saved.record_id, {"name": "科大讯飞股份有限公司"}, final=True)
    assert service.get(saved.record_id)["status"] == "final"
    events = [(h["event"], h["status"], h["actor"]) for h in service.history(saved.record_id)]
    assert events == [
        ("create", "draft", "张三"), ("finalize", "final", "张三"), ("status", "queued", "张三"),
        ("status", "returned", "province"), ("edit", "final", "张三"),
    ]
    # Finalizing saved a final version of the draft's data: same bytes, same content hash.
    draft, final, edited = service.versions(saved.record_id)
    assert (draft["status"], final["status"], edited["status"]) == ("draft", "final", "final")
    assert (final["data"], final["content_hash"]) == (draft["data"], draft["content_hash"])


def test_only_a_draft_is_finalized_and_final_always_shows_a_final_version(service):
    saved = service.add("enterprise", {"name": "科大讯飞"}, final=True)
    with pytest.raises(InvalidInput, match="Only a draft"):
        service.finalize(saved.record_id)
    assert service.versions(saved.record_id)[-1]["status"] == "final"
    # Even a bare status change to final (no re-check) declares a final version.
    draft = service.add("enterprise", {"name": "国盾量子"})
    service.set_status(draft.record_id, "final")
    record = service.get(draft.record_id)
    assert service.version(record["current_version_id"])["status"] == "final"
    assert record["version_count"] == 2


@pytest.mark.parametrize(
    "query, found",
    [("量子", True), ("国盾量子", True), ("量子通信", True), ("盾量", True), ("合肥", False), ("通信 国盾", True), ("通信 合肥", False), ("%", False), ("_", False)],
)
def test_chinese_substring_search(service, query, found):
    service.add("enterprise", {"name": "国盾量子通信", "sector": "quantum"})
    service.add("enterprise", {"name": "科大讯飞", "sector": "general_ai"})
    hits = [r["title"] for r in service.query(search=query)]
    assert (hits == ["国盾量子通信"]) is found, hits


def test_search_follows_edits(service):
    saved = service.add("enterprise", {"name": "旧名称量子"})
    service.edit(saved.record_id, {"name": "新名称芯片"})
    assert service.query(search="量子") == []
    assert [r["record_id"] for r in service.query(search="芯片")] == [saved.record_id]


def test_failed_write_leaves_no_partial_record(service, monkeypatch):
    import desktop.services.new_records as new_records

    def boom(*args, **kwargs):
        raise RuntimeError("power cut")

    # The history goes in last, after the record, its version and its indexes.
    monkeypatch.setattr(new_records, "append_history_many", boom)
    with pytest.raises(RuntimeError):
        service.add("enterprise", {"name": "半截记录"})
    assert service.count() == 0
    assert service.query(search="半截") == []
    assert next(service.db.query("SELECT count(*) AS n FROM versions"))["n"] == 0


def test_records_saved_together_are_saved_as_one_by_one(service, monkeypatch):
    import desktop.services.new_records as new_records
    from desktop.store.integrity import check_database

    # Few parameters a statement, so each table's rows take several statements.
    monkeypatch.setattr(new_records, "MAX_PARAMETERS", 30)
    names = [f"合肥{i}号量子科技有限公司" for i in range(7)]
    together = service.add_many("enterprise", [{"name": name, "sector": "quantum"} for name in names], final=True)
    alone = service.add("enterprise", {"name": "芜湖单独芯片科技有限公司", "sector": "quantum"})
    rows = service.query(order="created_at ASC")
    assert [r["record_id"] for r in rows] == [s.record_id for s in [*together, alone]]
    assert [r["title"] for r in rows[:7]] == names and {r["status"] for r in rows[:7]} == {"final"}
    for saved, name in zip(together, names, strict=True):
        assert service.current_data(saved.record_id) == {"name": name, "sector": "quantum"}
        assert [r["record_id"] for r in service.query(search=name[:4])] == [saved.record_id]
        assert [h["event"] for h in service.history(saved.record_id)] == ["create"]
    assert service.count(search="量子") == 7 and service.count(search="芯片") == 1
    assert service.counts_by("status") == {"final": 7, "draft": 1}
    report = check_database(service.db, encrypted=True)
    assert report.ok, report.problems


def test_filters_and_counts(service):
    for i in range(5):
        service.add("enterprise" if i % 2 else "platform", {"name": f"名称{i}", "sector": "quantum"}, final=i < 2)
    assert service.count(form="enterprise") == 2
    assert service.count(status="final") == 2
    assert service.counts_by("form_id") == {"enterprise": 2, "platform": 3}
    first = service.query(limit=2)
    rest = service.query(limit=10, after=first[-1])
    assert len(first) == 2 and len(rest) == 3
    assert [r["record_id"] for r in first + rest] == [r["record_id"] for r in service.query()]


def test_bad_input_is_refused_cleanly(service):
    with pytest.raises(InvalidInput):
        service.add("enterprise", ["not", "an", "object"])
    with pytest.raises(InvalidInput):
        service.add("enterprise", {"name": "x" * (5 * 1024 * 1024)})
    with pytest.raises(InvalidInput):
        service.get("no-such-id")
    assert service.count() == 0


@pytest.mark.parametrize("query", ["ai芯片", "ＡＩ芯片", "(合肥)", "（合肥）研究院"])
def test_search_finds_either_width_while_the_name_keeps_its_own(service, query):
    saved = service.add("enterprise", {"name": "ＡＩ芯片（合肥）研究院"})
    assert [r["record_id"] for r in service.query(search=query)] == [saved.record_id]
    assert service.current_data(saved.record_id)["name"] == "ＡＩ芯片（合肥）研究院"


def test_finalize_makes_only_the_checked_draft_final_once(service, office):
    """Its check reads outside the writer: a change that lands in between wins, and the
    finalize says so instead of adding a final version of data it did not check."""
    import threading

    saved = service.add("enterprise", {"name": "科大讯飞"})
    gate = threading.Event()
    blocker = office.submit(lambda db: gate.wait(10))
    # Queued behind the blocker, so not yet visible to the finalize's check.
    other_window = office.submit(service.status_job(saved.record_id, "final"))
    outcome: list = []

    def finalize() -> None:
        try:
            outcome.append(service.finalize(saved.record_id))
        except InvalidInput as exc:
            outcome.append(exc)

    worker = threading.Thread(target=finalize)
    worker.start()
    while office.writer._jobs.qsize() < 2:  # the finalize has checked and queued its job
        worker.join(0.01)
    gate.set()
    blocker.result(10)
    other_window.result(10)
    worker.join(10)
    assert isinstance(outcome[0], InvalidInput) and "刚刚被更改" in str(outcome[0].message_zh)
    versions = service.versions(saved.record_id)
    assert [v["status"] for v in versions] == ["draft", "final"]  # one final version, not two


def test_two_saves_of_one_enterprise_at_once_keep_one(office):
    """The duplicate checks of a save run in the writer's transaction with its insert: two
    saves of the same credit code queued at once (two commands, a command and the app)
    keep one record and refuse the other as a duplicate."""
    import threading

    from desktop.services.checking import default_checker
    from desktop.services.records import RecordInvalid, SavedVersion
    from tests.office.conftest import enterprise

    service = RecordService(office, default_checker(office.paths.root))
    gate = threading.Event()
    blocker = office.submit(lambda db: gate.wait(10))
    outcome: list = []

    def save() -> None:
        try:
            outcome.append(service.add("enterprise", enterprise(5), final=True))
        except RecordInvalid as exc:
            outcome.append(exc)

    workers = [threading.Thread(target=save) for _ in range(2)]
    for worker in workers:
        worker.start()
    while office.writer._jobs.qsize() < 2:  # both saves are queued behind the blocker
        workers[0].join(0.01)
    gate.set()
    blocker.result(10)
    for worker in workers:
        worker.join(10)
    assert sorted(type(o).__name__ for o in outcome) == ["RecordInvalid", "SavedVersion"]
    refused = next(o for o in outcome if not isinstance(o, SavedVersion))
    assert [p["code"] for p in refused.problems if p["severity"] == "error"] == ["duplicate"]
    assert service.count(form="enterprise") == 1
