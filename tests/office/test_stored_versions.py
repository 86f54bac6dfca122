"""Versions stored before text was kept as typed keep their bytes and content hashes.

An earlier engine folded free text with NFKC, so an office's store holds names such as
``安徽(合肥)量子科技有限公司;第123号:研发中心`` where the clerk typed full-width punctuation. That
spelling is already in today's normal form (NFKC output is NFC and trimmed), so nothing
rewrites it: the version keeps its bytes and hash when the office opens, when it is shown, when
the draft is finalized and when the province judges it; only a new edit carries the text as
typed, in a new version, beside the old one. (The old engine's output is saved here through
today's record service, which stores it with the very bytes and hash the old engine gave it.)
"""

from __future__ import annotations

import json
import unicodedata

from desktop.services.checking import default_checker
from desktop.services.records import RecordService
from desktop.store.integrity import check_store
from forms.acceptance import judge_version
from forms.canonical import canonical_json, content_hash
from tests.conftest import PASSPHRASE, run_cli
from tests.office.conftest import enterprise, reopen

TYPED = {"name": "安徽（合肥）量子科技有限公司，第１２３号；研发中心：二期", "address": "合肥市望江西路８００号（Ａ座）"}
OLD = {key: unicodedata.normalize("NFKC", value) for key, value in TYPED.items()}


def test_a_version_stored_in_the_old_spelling_keeps_its_bytes_and_hash(office_dir):
    assert OLD["name"] == "安徽(合肥)量子科技有限公司,第123号;研发中心:二期"
    office = reopen(office_dir)
    checker = default_checker(office.paths.root)
    registry = checker.registry
    old = enterprise(7, **OLD)
    try:
        service = RecordService(office, checker)
        record_id = service.add("enterprise", old).record_id
        (draft,) = service.versions(record_id)
    finally:
        office.close()
    version = registry.form("enterprise").version
    assert draft["data"].encode() == canonical_json(old)
    assert draft["content_hash"] == content_hash("enterprise", version, old)

    # Opening the office again (migrations run), showing and finalizing leave the bytes alone.
    shown = json.loads(run_cli(office_dir, "record", "show", record_id, "--json").stdout)
    assert (shown["data"], shown["content_hash"]) == (old, draft["content_hash"])
    assert run_cli(office_dir, "record", "finalize", record_id).returncode == 0
    office = reopen(office_dir)
    try:
        service = RecordService(office, default_checker(office.paths.root))
        first, final = service.versions(record_id)
        assert (first["data"], first["content_hash"]) == (draft["data"], draft["content_hash"])
        assert (final["status"], final["data"], final["content_hash"]) == ("final", draft["data"], draft["content_hash"])
        # The province takes the old spelling as it is: it is the engine's normal form.
        assert judge_version(registry, "enterprise", version, old, "final") == []

        # An edit with the text as typed is a new version; the old one is untouched.
        service.edit(record_id, enterprise(7, **TYPED), final=True)
        versions = service.versions(record_id)
    finally:
        office.close()
    assert [v["content_hash"] for v in versions[:2]] == [draft["content_hash"]] * 2
    assert versions[0]["data"] == draft["data"]
    assert json.loads(versions[2]["data"])["name"] == TYPED["name"]
    assert versions[2]["content_hash"] != draft["content_hash"]
    report = check_store(office_dir, None, PASSPHRASE)
    assert report.ok, report.problems
