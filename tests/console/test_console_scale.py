"""The bench's PostgreSQL fill at a small size: the lists, keys and totals the bench times are
right, page by page (``make bench`` runs the same code at up to 1,000,000 versions)."""

from __future__ import annotations

from province import progress
from province.console import catalog, review
from province.console.catalog import Filters
from province.context import Province, Settings
from tests.bench.console import fill, org_units


def test_bench_fill_lists_and_totals_are_consistent(postgres, tmp_path, monkeypatch):
    province = Province.open(Settings.make(tmp_path, postgres.new_database()))
    try:
        records = fill(province, 3000, platform_names=40)
        assert catalog.catch_up(province) == records
        assert catalog.catch_up(province) == 0  # nothing new: nothing indexed again
        everything, total = catalog.list_page(province, Filters(), limit=records + 10)
        assert total == records == len(everything)
        order = [(r["log_index"], r["record_id"]) for r in everything]
        assert order == sorted(order, reverse=True)
        # Paging by key visits every record exactly once.
        seen, after = [], None
        while True:
            page, _ = catalog.list_page(province, Filters(), after=after, count=False)
            if not page:
                break
            seen += [r["record_id"] for r in page]
            after = (page[-1]["log_index"], page[-1]["record_id"])
        assert seen == [r["record_id"] for r in everything]
        city = province.validator.registry().city_of(org_units(province)[5])
        narrowed, count = catalog.list_page(province, Filters(city=city.code, form_id="platform"),
                                            limit=records)
        assert count == len(narrowed) == sum(
            1 for r in everything if r["city"] == city.code and r["form_id"] == "platform")
        # Chinese substring search finds exactly the records whose text holds the term (a
        # search counts up to a cap), through trigram indexes that see Chinese characters.
        term = "创新团队1"
        texts = province.db.run(lambda tx: tx.rows("SELECT record_id, search FROM console_records"),
                                write=False)
        holding = {r for r, text in texts if term in text}
        assert 1000 > len(holding) > 5
        found, n = catalog.list_page(province, Filters(q=term), limit=records)
        assert {r["record_id"] for r in found} == holding and n == len(holding)
        monkeypatch.setattr(catalog, "SEARCH_COUNT_CAP", 5)
        assert catalog.list_page(province, Filters(q=term))[1] == 6
        indexes = province.db.run(lambda tx: {r[0] for r in tx.rows(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'console_records'")}, write=False)
        assert {"console_records_search", "console_records_title"} <= indexes
        trigrams = province.db.run(lambda tx: tx.scalar("SELECT show_trgm('创新团队')"),
                                   write=False)
        assert len(trigrams) >= 4  # Chinese characters are letters to pg_trgm here
        body = progress.compute(province)
        assert body["records_counted"] == records
        assert body == progress.compute_directly(province)
        groups, found = review.duplicate_groups(province, form_id="platform")
        assert found > 0 and all(len({m["org_unit"] for m in g["records"]}) > 1 for g in groups)
        # The groups kept up by the catch-up are exactly what a full aggregate finds.
        direct = province.db.run(lambda tx: {tuple(r) for r in tx.rows(
            "SELECT form_id, dup_key FROM console_records WHERE dup_key IS NOT NULL "
            "GROUP BY form_id, dup_key HAVING COUNT(DISTINCT org_unit) > 1")}, write=False)
        kept = province.db.run(lambda tx: {tuple(r) for r in tx.rows(
            "SELECT form_id, dup_key FROM duplicate_groups")}, write=False)
        assert kept == direct and len(direct) >= found
        # A decision changes the kept totals at once, as a full count finds them.
        group = groups[0]
        keep = group["records"][0]["org_unit"]
        dropped = sum(1 for m in group["records"] if m["org_unit"] != keep)
        review.resolve_duplicate(province, "platform", group["dup_key"], keep, "", "bench")
        fresh = progress.compute(province)
        assert fresh["records_counted"] == records - dropped
        assert fresh == progress.compute_directly(province)
    finally:
        province.close()
