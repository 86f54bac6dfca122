"""Validation reads indexes only, and short searches find exactly what substrings would.

Checked by what SQLite plans rather than by timing: every query validation issues is run
through ``EXPLAIN QUERY PLAN``, and no plan may walk a whole table. Short (one- and
two-character) searches are compared, on stores hypothesis makes up, with what ``LIKE``
over the same folded text returns.
"""

from __future__ import annotations

import copy
import itertools
import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.services.checking import RecordChecker, default_checker
from desktop.services.lookup import StoreLookup, absent_keys
from desktop.services.outbox import OfficeOutbox
from desktop.services.records import RecordService
from desktop.store.office import Office
from forms.duplicates import InMemoryLookup
from forms.examples import example
from forms.keys import fold_key, fold_search
from tests.conftest import PASSPHRASE
from tests.office.conftest import enterprise

FORMS = ("enterprise", "platform", "talent_team", "standard", "key_technology", "landmark_product",
         "application_scenario")


def _variant(form_id: str, i: int) -> dict:
    """A valid record of ``form_id``, different for each ``i`` but close to the example."""
    if form_id == "enterprise":
        return enterprise(i, name=f"安徽{'量子芯片储能'[i % 3:i % 3 + 2]}科技有限公司{i}")
    data = copy.deepcopy(example(form_id))
    data["name" if "name" in data else "title"] = f"{data.get('name') or data.get('title')}{i}"
    if form_id == "standard":
        data["number"] = f"GB/T {42565 + i}-2023"
    return data


@pytest.fixture
def filled(office: Office) -> RecordService:
    service = RecordService(office, default_checker(office.paths.root))
    for form_id in FORMS:
        service.add_many(form_id, [_variant(form_id, i) for i in range(12)])
    return service


def _plans(service: RecordService, run) -> list[tuple[str, list[str]]]:
    statements: list[str] = []
    conn = service.db.conn
    conn.set_trace_callback(statements.append)
    try:
        run()
    finally:
        conn.set_trace_callback(None)
    # FTS5 reads its own settings (a few rows of a *_config table) the first time a
    # connection uses an index: not a read of the office's records.
    reads = [s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH")) and not _FTS_CONFIG.search(s)]
    return [(sql, [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql)]) for sql in reads]


_FTS_CONFIG = re.compile(r"^SELECT k, v FROM 'main'\.'\w+_config'$")

# A plan step that pins one of these finds a handful of rows; one that pins only, say, the
# form (``SEARCH records USING INDEX ... (form_id=?)``) walks every record of the form.
_SELECTIVE = re.compile(r"\((?:[^)]*\b)?(record_id|version_id|rowid|current_version_id|key)=\?")


def _walks_rows(line: str) -> bool:
    """Does this plan step read a table beyond the few rows a key picks? (MATCH is an index.)"""
    if "VIRTUAL TABLE" in line or not line.startswith(("SCAN", "SEARCH")):
        return False
    return line.startswith("SCAN") or not _SELECTIVE.search(line)


def test_validating_a_record_scans_no_table(filled: RecordService) -> None:
    enterprise_id = filled.query(form="enterprise", limit=1)[0]["record_id"]
    cases = []
    for form_id in FORMS:
        data = example(form_id)
        cases.append((form_id, data, None))
        # An exact repeat of a stored record: its duplicate keys and similar names are found.
        cases.append((form_id, _variant(form_id, 3), None))
    team = dict(example("talent_team"), host_enterprise=enterprise_id)
    cases.append(("talent_team", team, None))
    stored = filled.query(form="platform", limit=1)[0]["record_id"]
    cases.append(("platform", filled.current_data(stored), stored))

    found_codes: set[str] = set()
    read = 0
    for form_id, data, record_id in cases:
        problems: list[dict] = []

        def run(form_id=form_id, data=data, record_id=record_id, problems=problems) -> None:
            checked, _ = filled.check(form_id, data, final=True, record_id=record_id)
            problems.extend(checked.problems)

        for sql, plan in _plans(filled, run):
            read += 1
            walks = [line for line in plan if _walks_rows(line)]
            assert not walks, f"{form_id}: {sql}\n{plan}"
        found_codes.update(p["code"] for p in problems)
    # The checks really looked things up (and found what is there), so the plans above
    # are those of the lookups, not of a path that skipped them.
    assert read >= len(cases)
    assert {"duplicate", "similar"} <= found_codes


def test_settling_a_receipt_reads_only_the_records_it_answers(filled: RecordService) -> None:
    """A receipt's records are found by their versions, never by walking every queued
    record (which made a whole sync grow with the square of the office's size)."""
    saved = filled.add_many("enterprise", [_variant("enterprise", i) for i in range(100, 140)], final=True)
    assert OfficeOutbox(filled.office).enqueue_final() == len(saved)
    answered = {s.version_id: ("synced", None) for s in saved[:10]}
    statements: list[str] = []

    def job(db) -> list[tuple[str, list[str]]]:
        db.conn.set_trace_callback(statements.append)
        try:
            OfficeOutbox._settle(db, answered)
        finally:
            db.conn.set_trace_callback(None)
        reads = [s for s in statements if s.lstrip().upper().startswith("SELECT") and "FROM records" in s]
        return [(sql, [row[3] for row in db.conn.execute("EXPLAIN QUERY PLAN " + sql)]) for sql in reads]

    plans = filled.office.write(job)
    assert plans
    for sql, plan in plans:
        assert not [line for line in plan if _walks_rows(line)], f"{sql}\n{plan}"
    statuses = {filled.get(s.record_id)["status"] for s in saved[:10]}
    assert statuses == {"synced"} and filled.get(saved[10].record_id)["status"] == "queued"


def test_store_lookup_finds_what_a_scan_of_every_record_finds(filled: RecordService) -> None:
    records = [(r["record_id"], r["form_id"], filled.current_data(r["record_id"])) for r in filled.query()]
    scan = InMemoryLookup(records)
    store = StoreLookup(filled.db)
    registry = filled.checker.registry
    for form_id in FORMS:
        for data in (_variant(form_id, 5), example(form_id)):
            def duplicates(lookup, form_id=form_id, data=data) -> list[tuple[str, str, str]]:
                result = registry.validate(form_id, data, lookup=lookup)
                return sorted((p.path, p.code, p.message_en) for p in result.problems
                              if p.code in ("duplicate", "similar", "ref_not_found"))

            assert duplicates(store) == duplicates(scan), form_id


def test_keys_found_absent_in_one_query_are_exactly_those_a_lookup_finds_nothing_for(filled: RecordService) -> None:
    codes = [filled.current_data(r["record_id"])["credit_code"] for r in filled.query(form="enterprise")]
    values = [*codes, codes[0].lower(), " ".join(codes[1]), "91340100MA2NF8XL3X", 2024, "", None, "全新的代码"]
    absent = absent_keys(filled.db, "enterprise", "credit_code", values)
    store = StoreLookup(filled.db)
    told = StoreLookup(filled.db, absent=absent)
    for value in values:
        found = store("enterprise", "credit_code", value)
        assert (("enterprise", "credit_code", fold_key(value)) in absent) == (not found and bool(fold_key(value))), value
        assert told("enterprise", "credit_code", value) == found
    assert len(absent) == 3  # the wrong check character, the year, the new code
    plans = _plans(filled, lambda: absent_keys(filled.db, "enterprise", "credit_code", values))
    assert plans and not [(sql, line) for sql, lines in plans for line in lines if _walks_rows(line)]


# -- short searches -----------------------------------------------------------------------
ALPHABET = "量子芯片储能通信智能网络aAbBzZ09%_\\ ·（）-ßİＡａ\u3000"
TEXTS = st.text(alphabet=ALPHABET, min_size=0, max_size=24)


def _contains(text: str, term: str) -> bool:
    # Substring semantics: both folded as search folds them (width, case), every word of the
    # term a substring of the text.
    words = fold_search(term).split()
    return bool(words) and all(word in fold_search(text) for word in words)


def test_short_search_returns_exactly_the_substring_matches(tmp_path) -> None:
    office, _ = Office.create(tmp_path / "office", org_unit="340104", office_name="测试", admin="张三",
                              passphrase=PASSPHRASE)
    service = RecordService(office, RecordChecker())
    forms = itertools.count()

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(texts=st.lists(TEXTS, min_size=1, max_size=8), extra=st.lists(st.text(alphabet=ALPHABET, min_size=1, max_size=2)),
           edit=st.booleans())
    def check(texts: list[str], extra: list[str], edit: bool) -> None:
        # Each example is its own form, so examples never see each other's records.
        form_id = f"h{next(forms)}"
        saved = [service.add(form_id, {"name": text}).record_id for text in texts]
        if edit:
            texts[0] = texts[0][::-1] + "量"
            service.edit(saved[0], {"name": texts[0]})
        terms = {t[i:i + n] for t in texts for n in (1, 2) for i in range(len(t) - n + 1)} | set(extra)
        for term in terms:
            folded = fold_search(term)
            if len(folded.split()) != 1:
                continue
            expected = {rid for rid, text in zip(saved, texts, strict=True) if _contains(text, term)}
            everything = service.query(form=form_id, search=term)
            found = {r["record_id"] for r in everything}
            # The first rows of a page, whichever plan the term's frequency picks, are the
            # first rows of the whole answer.
            assert service.query(form=form_id, search=term, limit=3) == everything[:3]
            escaped = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            like = {row[0] for row in service.db.execute(
                "SELECT s.record_id FROM record_search s JOIN records r ON r.rowid = s.rowid "
                "WHERE r.form_id = ? AND s.body LIKE ? ESCAPE '\\'", [form_id, f"%{escaped}%"])}
            assert found == expected == like, (term, texts)
            assert service.count(form=form_id, search=term) == len(expected)

    try:
        check()
    finally:
        office.close()


def test_migration_backfills_keys_and_short_search(tmp_path) -> None:
    """An office made before the indexes existed finds its old records by key and by 二字词."""
    from desktop.store.migrations import MIGRATIONS

    office, _ = Office.create(tmp_path / "office", org_unit="340104", office_name="测试", admin="张三",
                              passphrase=PASSPHRASE)
    # Roll the store back to before migration 8 as an older release left it.
    service = RecordService(office, default_checker(office.paths.root))
    saved = service.add("enterprise", enterprise(1, name="合肥储能科技有限公司"))
    script = (
        "DROP TABLE record_keys; DROP TABLE name_search; DROP TABLE short_search; DROP TABLE record_counts; "
        "DROP TRIGGER records_counted; DROP TRIGGER records_recounted; DROP TRIGGER records_uncounted; "
        "DROP INDEX records_updated; DROP INDEX records_form_updated; DROP INDEX records_form_title; "
        "DROP INDEX records_status; DROP INDEX outbox_state; DROP INDEX outbox_batch; "
        "CREATE INDEX records_form_status ON records (form_id, status); "
        "CREATE INDEX records_form_updated ON records (form_id, updated_at); "
        "CREATE INDEX outbox_state ON outbox (state, queued_at); "
        "CREATE INDEX versions_credit_code ON versions (json_extract(data, '$.credit_code')); "
        "DELETE FROM _migrations WHERE number = 8"
    )
    # Through the office's writer, its only writable connection, one statement at a time.
    office.write(lambda db: [db.execute(statement) for statement in script.split("; ")])
    office.close()
    reopened = Office.unlock(tmp_path / "office", None, PASSPHRASE)
    try:
        assert any(n == 8 for n, _, _ in MIGRATIONS)
        assert list((tmp_path / "office" / "backups").glob("*before-migration-8*"))
        service = RecordService(reopened, default_checker(reopened.paths.root))
        assert [r["record_id"] for r in service.query(search="储能")] == [saved.record_id]
        assert service.counts_by("form_id") == {"enterprise": 1} and service.count(status="draft") == 1
        again = service.check("enterprise", enterprise(1, name="合肥储能科技有限公司"), final=True)[0]
        assert {"duplicate", "similar"} <= {p["code"] for p in again.problems}
        keys = reopened.db.execute("SELECT kind, key FROM record_keys ORDER BY kind").fetchall()
        assert [k for k, _ in keys] == ["exact", "name"]
        assert json.loads(reopened.db.execute("SELECT data FROM versions").fetchone()[0])["name"] == "合肥储能科技有限公司"
    finally:
        reopened.close()


def _name_search_automerge(db) -> int | None:
    row = db.execute("SELECT v FROM name_search_config WHERE k = 'automerge'").fetchone()
    return None if row is None else int(row[0])


def test_the_name_index_merges_at_two_in_new_and_migrated_offices(tmp_path) -> None:
    """Each name check searches name_search with a cold page cache: its segments are merged
    at two per level (FTS5's default is four), in a new office and in one migrated to it."""
    office, _ = Office.create(tmp_path / "office", org_unit="340104", office_name="测试", admin="张三",
                              passphrase=PASSPHRASE)
    assert _name_search_automerge(office.db) == 2
    service = RecordService(office, default_checker(office.paths.root))
    service.add_many("enterprise", [enterprise(i, name=f"合肥{i}号储能科技有限公司") for i in range(40)])
    # As a release before migration 10 left it: FTS5's default merging, no export index.
    script = ("DELETE FROM name_search_config WHERE k = 'automerge'; DROP INDEX records_form_created; "
              "DELETE FROM _migrations WHERE number = 10")
    office.write(lambda db: [db.execute(statement) for statement in script.split("; ")])
    assert _name_search_automerge(office.db) is None
    office.close()
    reopened = Office.unlock(tmp_path / "office", None, PASSPHRASE)
    try:
        assert _name_search_automerge(reopened.db) == 2
        service = RecordService(reopened, default_checker(reopened.paths.root))
        again = service.check("enterprise", enterprise(99, name="合肥7号储能科技有限公司"), final=True)[0]
        assert "similar" in {p["code"] for p in again.problems}
        # FTS5's own check of the merged index (it raises on a damaged one).
        reopened.write(lambda db: db.execute("INSERT INTO name_search (name_search) VALUES ('integrity-check')"))
    finally:
        reopened.close()


@pytest.mark.parametrize("order", ["updated_at DESC", "title ASC", "sector ASC", "sector DESC", "status DESC"])
def test_pages_of_a_common_term_are_the_answer_in_order(office: Office, order: str) -> None:
    """A term in most records is answered by walking the list's index; every page, taken
    after the last row of the one before, is the next slice of the whole answer."""
    service = RecordService(office, RecordChecker())
    sectors = ["quantum", None, "general_ai"]
    service.add_many("enterprise", [{"name": f"{'量子' if i % 5 else '芯片'}公司{i:03d}", "sector": sectors[i % 3]}
                                    for i in range(420)])
    for i in range(0, 420, 7):  # some records change later, so updated_at is not creation order
        record = service.query(form="enterprise", search=f"公司{i:03d}")[0]
        service.edit(record["record_id"], {"name": f"量子公司{i:03d}改", "sector": sectors[(i + 1) % 3]})
    whole = service.query(form="enterprise", search="量子", order=order)
    assert len(whole) > 300
    pages, after = [], None
    while True:
        page = service.query(form="enterprise", search="量子", order=order, limit=50, after=after)
        pages += page
        if len(page) < 50:
            break
        after = page[-1]
    assert [r["record_id"] for r in pages] == [r["record_id"] for r in whole]


def test_kept_counts_follow_every_change(office: Office) -> None:
    """The counts the overview reads are kept in step with records by the store itself."""
    from desktop.services.outbox import OfficeOutbox
    from desktop.store.integrity import check_database

    service = RecordService(office, RecordChecker())
    ids = [service.add("enterprise" if i % 3 else "platform", {"name": f"名{i}", "sector": ["quantum", None][i % 2]},
                       final=i % 4 == 0).record_id for i in range(12)]
    service.edit(ids[1], {"name": "改", "sector": "general_ai"}, final=True)
    service.finalize(ids[2])
    OfficeOutbox(office).enqueue_final()

    def counted() -> dict:
        return {k: v for k, v in (
            (("form", f), service.count(form=f)) for f in ("enterprise", "platform"))} | {
            ("status", s): service.count(status=s) for s in ("draft", "final", "queued")} | {
            ("sector", s): n for s, n in service.counts_by("sector").items()}

    live = {("form", f): len(service.query(form=f)) for f in ("enterprise", "platform")} | {
        ("status", s): len(service.query(status=s)) for s in ("draft", "final", "queued")}
    sectors: dict = {}
    for r in service.query():
        sectors[("sector", r["sector"])] = sectors.get(("sector", r["sector"]), 0) + 1
    assert counted() == live | sectors
    assert check_database(office.db, encrypted=True).ok
    office.write(lambda db: db.execute("UPDATE record_counts SET n = n + 1 WHERE form_id = 'platform'"))
    assert not check_database(office.db, encrypted=True).ok


def _statements(service: RecordService, run) -> list[str]:
    statements: list[str] = []
    service.db.conn.set_trace_callback(statements.append)
    try:
        run()
    finally:
        service.db.conn.set_trace_callback(None)
    return statements


@pytest.fixture
def park(office: Office) -> RecordService:
    """420 enterprises: 量子 in four of five, 芯片 in the rest, 改 in those edited later
    (so neither the list by time nor by name follows rowids), in three sectors."""
    service = RecordService(office, RecordChecker())
    sectors = ["quantum", None, "general_ai"]
    service.add_many("enterprise", [{"name": f"{'量子' if i % 5 else '芯片'}公司{i:03d}", "sector": sectors[i % 3]}
                                    for i in range(420)])
    for i in range(0, 420, 7):
        record = service.query(form="enterprise", search=f"公司{i:03d}")[0]
        service.edit(record["record_id"], {"name": f"量子公司{i:03d}改", "sector": sectors[(i + 1) % 3]})
    return service


@pytest.mark.parametrize("window", [24, 100, 1024])
def test_first_rows_of_common_terms_are_the_first_of_the_whole_answer(park: RecordService, monkeypatch,
                                                                       window: int) -> None:
    """Whichever way the first rows are found (a window of the list, or the list's index
    with the terms as filters), they are the first rows of the whole answer."""
    from desktop.store import search

    monkeypatch.setattr(search, "WINDOW", window)
    filters = [{}, {"form": "enterprise"}, {"form": "enterprise", "sector": "quantum"}, {"sector": "general_ai"}]
    for terms in ("量子", "芯片", "公司", "量子 改", "量", "子公"):
        for order in ("updated_at DESC", "updated_at ASC", "title ASC", "sector DESC"):
            for chosen in filters:
                whole = park.query(search=terms, order=order, **chosen)
                assert park.query(search=terms, order=order, limit=50, **chosen) == whole[:50], (terms, order, chosen)
                if len(whole) > 50:
                    after = whole[49]
                    assert park.query(search=terms, order=order, limit=50, after=after, **chosen) == whole[50:100]


def test_a_common_term_is_looked_for_among_the_first_rows_only(park: RecordService) -> None:
    """The newest page of a term in most records asks the index only for the records within
    reach of that page, never for every record holding the term."""
    statements = _statements(park, lambda: park.query(form="enterprise", search="量子", limit=50))
    matches = [s for s in statements if "MATCH" in s and "count(*)" not in s]
    assert matches and all("BETWEEN" in s for s in matches), matches


def test_a_rare_term_drives_the_query_even_with_filters(park: RecordService) -> None:
    """A term in few records is looked up first; filters on form and status must not make
    SQLite walk every record of the form instead."""
    statements = _statements(park, lambda: park.query(form="enterprise", status="draft", search="公司007", limit=50))
    final = [s for s in statements if s.startswith("SELECT * FROM records")][-1]
    plan = [row[3] for row in park.db.execute("EXPLAIN QUERY PLAN " + final)]
    assert any("INTEGER PRIMARY KEY" in line for line in plan), plan


def test_a_page_of_a_common_term_is_read_from_one_state_of_the_store(park: RecordService) -> None:
    """A save landing between the statements that find a page (window, terms, rows) does
    not give the page a row chosen in one state of the store and read in another."""
    newest = park.query(form="enterprise", search="量子", limit=1)[0]
    edited = []

    def save_midway(sql: str) -> None:
        if "BETWEEN" in sql and not edited:
            edited.append(True)
            park.office.write(lambda db: db.execute(
                "UPDATE records SET title = '已改名' WHERE record_id = ?", [newest["record_id"]]))

    park.db.conn.set_trace_callback(save_midway)
    try:
        page = park.query(form="enterprise", search="量子", limit=50)
    finally:
        park.db.conn.set_trace_callback(None)
    assert edited
    assert all(r["title"] != "已改名" for r in page), [r["title"] for r in page[:3]]
