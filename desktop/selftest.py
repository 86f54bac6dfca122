"""``anhui-collect --self-test``: prove an installed (or frozen) build works, headless.

Opens a temporary encrypted store, validates and saves the example record of every form,
stores an attachment encrypted and names it from the platform's record, checks the store, exports and verifies the export, then removes everything it made.
Prints one line per step; exits 0 when all passed.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path

from desktop.services.attachments import Evidence, store_job_part, stored_pieces
from desktop.services.checking import default_checker
from desktop.services.exchange.export import export_office
from desktop.services.exchange.verify import verify_export
from desktop.services.records import RecordService
from desktop.store.integrity import check_store
from desktop.store.office import Office
from forms.examples import example

PASSPHRASE = "self-test passphrase"


def run_self_test(say: Callable[[str], None] = print) -> int:
    root = Path(tempfile.mkdtemp(prefix="anhui-collect-selftest-"))
    failures = 0

    def step(name: str, fn: Callable[[], str]) -> None:
        nonlocal failures
        try:
            say(f"ok    {name}: {fn()}")
        except Exception as exc:  # a self-test reports every failure and carries on
            failures += 1
            say(f"FAIL  {name}: {type(exc).__name__}: {exc}")
            say("".join(traceback.format_exception(exc)[-3:]).rstrip())

    try:
        state: dict[str, object] = {}

        def create() -> str:
            office, _ = Office.create(root / "office", org_unit="340104", office_name="自检", admin="selftest", passphrase=PASSPHRASE)
            state["office"] = office
            cipher = office.db.execute("PRAGMA cipher_version").fetchone()[0]
            return f"SQLCipher {cipher}"

        def forms() -> str:
            office = state["office"]
            checker = default_checker(office.paths.root)  # type: ignore[attr-defined]
            state["registry"] = checker.registry
            service = RecordService(office, checker)  # type: ignore[arg-type]
            saved = []
            for form in checker.registry.forms():
                data = example(form.id)
                if data is None:
                    raise RuntimeError(f"no example record for form {form.id}")
                saved.append(service.add(form.id, data, final=True).record_id)
            return f"{len(saved)} forms validated and saved"

        def attachment() -> str:
            # A small PDF made in memory, stored encrypted and named by the platform's record.
            office = state["office"]
            service = RecordService(office, default_checker(office.paths.root))  # type: ignore[arg-type,attr-defined]
            content = b"%PDF-1.4\n% self-test\n" + bytes(range(256)) * 64 + b"\n%%EOF\n"
            evidence = Evidence(content, hashlib.sha256(content).hexdigest(), "application/pdf", "自检.pdf")
            office.write(lambda db: store_job_part(db, evidence, "selftest"))  # type: ignore[attr-defined]
            record = next(r for r in service.query(form="platform"))
            data = dict(service.current_data(record["record_id"]), approval_files=[evidence.entry])
            service.edit(record["record_id"], data, final=True)
            back = b"".join(stored_pieces(office.db, evidence.sha256))  # type: ignore[attr-defined]
            if back != content:
                raise RuntimeError("the stored attachment differs from what was stored")
            return f"{len(content):,} bytes stored encrypted and read back"

        def check() -> str:
            state["office"].close()  # type: ignore[attr-defined]
            report = check_store(root / "office", None, PASSPHRASE)
            if not report.ok:
                raise RuntimeError("; ".join(en for _, en in report.problems))
            state["office"] = Office.unlock(root / "office", None, PASSPHRASE)
            return "pages, history chain and records intact"

        def export() -> str:
            steps = list(export_office(state["office"], state["registry"], root / "export"))  # type: ignore[arg-type]
            report = verify_export(root / "export")
            if not report.ok:
                raise RuntimeError("; ".join(f"{w}: {en}" for w, _, en in report.problems))
            counts = steps[-1].counts
            return f"export verified ({counts['versions']} versions, {counts['attachments']} attachment)"

        for name, fn in (("store", create), ("forms", forms), ("attachment", attachment), ("check", check),
                         ("export", export)):
            step(name, fn)
            if failures:
                break
    finally:
        office = state.get("office")
        if office is not None:
            office.close()  # type: ignore[attr-defined]
        shutil.rmtree(root, ignore_errors=True)
    say("self-test passed" if not failures else f"self-test FAILED ({failures})")
    return 0 if not failures else 1
