"""Commands load only what they use: listing records never imports Excel, HTTP, the
credit-code checks or the forms engine (it reads the forms' names, not their rules), nor
the services of other commands, so its start-up is Python, the store, the form names and
the key derivation."""

import json
import subprocess
import sys

from tests.conftest import ROOT, cli_env

HEAVY = ("openpyxl", "requests", "urllib3", "stdnum", "PySide6",
         "desktop.services.exchange.export", "sync.client",
         # the forms engine and the name folding of duplicate checks (difflib)
         "forms.registry", "forms.validation", "forms.duplicates",
         # other commands' services: attachments, reporting periods, the integrity check
         "desktop.services.attachments", "desktop.services.periods", "desktop.store.integrity")

SCRIPT = """
import sys
from desktop.cli.main import main
code = main(sys.argv[1:])
heavy = {heavy!r}
print("loaded:", sorted(m for m in heavy if m in sys.modules))
sys.exit(code)
"""


def _run(office_dir, *args: str) -> str:
    result = subprocess.run([sys.executable, "-c", SCRIPT.format(heavy=HEAVY), *args, "--data-dir", str(office_dir)],
                            env=cli_env(office_dir), capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_listing_records_imports_nothing_heavy(office_dir) -> None:
    assert _run(office_dir, "record", "list", "--search", "量子") == "loaded: []"


def test_the_imports_follow_the_command(office_dir, tmp_path) -> None:
    # The same check sees the heavy modules when a command does use them.
    from tests.office.conftest import enterprise

    record = tmp_path / "enterprise.json"
    record.write_text(json.dumps(enterprise(1), ensure_ascii=False), encoding="utf-8")
    assert "stdnum" in _run(office_dir, "record", "add", "--form", "enterprise", "--file", str(record))
