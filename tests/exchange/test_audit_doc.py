"""docs/audit.md, followed literally: every shell block on the page, in order, in one shell,
from a scratch folder, against a real synced export. Nothing may be written into the export,
and the same commands must fail on a tampered one."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

TOOLS = ("openssl", "jq", "sha256sum", "python3")


def doc_script() -> str:
    text = (ROOT / "docs/audit.md").read_text("utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", text, re.S)
    assert len(blocks) >= 10
    return "\n".join(blocks)


def tree_digest(folder: Path) -> str:
    sha = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        sha.update(path.relative_to(folder).as_posix().encode())
        if path.is_file():
            sha.update(path.read_bytes())
    return sha.hexdigest()


def follow(audited, export: Path, scratch: Path) -> subprocess.CompletedProcess[str]:
    scratch.mkdir()
    bin_dir = str(Path(sys.executable).parent)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(scratch), "TMPDIR": str(scratch),
           "PYTHONPATH": str(ROOT), "EXPORT": str(export), "PROVINCE_KEY": str(audited.province_key_pem),
           "PROVINCE_EXPORT": str(audited.province_export), "LANG": "C.UTF-8"}
    return subprocess.run(["bash", "-euo", "pipefail", "-c", doc_script()], cwd=scratch, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.mark.skipif(not all(shutil.which(t) for t in TOOLS), reason="openssl, jq, sha256sum and python3 are needed")
def test_every_command_in_the_auditor_guide_works_as_written(audited, tmp_path):
    export = audited.copy(tmp_path / "received")
    before = tree_digest(export)
    run = follow(audited, export, tmp_path / "scratch")
    out = run.stdout
    assert run.returncode == 0, out + run.stderr
    assert tree_digest(export) == before  # nothing written into the export
    for expected in ("ready:", "核验通过", f"信任起点：省级公钥 {audited.province_key_id}", "与省级导出比对",
                     "every listed file has its hash", "no file missing, none added", "province key id: " + audited.province_key_id,
                     "history intact:", "receipts paired with batches: 6", "inclusion proofs verified: 6 receipts",
                     "batches 1-6 present and chained up to the chain head"):
        assert expected in out, expected
    assert out.count("Signature Verified Successfully") == 3
    assert not re.search(r"DIFFERS|BROKEN|DOES NOT|FAILS|ALTERED", out)


@pytest.mark.skipif(not all(shutil.which(t) for t in TOOLS), reason="openssl, jq, sha256sum and python3 are needed")
def test_the_guide_fails_on_a_tampered_export(audited, tmp_path):
    export = audited.copy(tmp_path / "received")
    batch = sorted((export / "sync/batches").glob("*.json"))[0]
    batch.write_bytes(batch.read_bytes().replace(b'"payload":"', b'"payload":"e', 1))
    run = follow(audited, export, tmp_path / "scratch")
    assert run.returncode != 0
    assert "核验未通过" in run.stdout and "sync/batches/" in run.stderr
    assert os.path.exists(batch)
