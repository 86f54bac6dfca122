"""`record show` reads as a clerk expects: fields by their label, choices by their label, the
status in words; `--json` keeps the stored data. A reader that stops early is no error."""

from __future__ import annotations

import os
import subprocess
import sys

from desktop.services.checking import default_checker
from desktop.services.records import RecordService
from tests.conftest import cli_env, run_cli
from tests.office.conftest import reopen

STANDARD = {
    "title": "量子计算 术语", "number": "GB／T 45001—2025", "status": "已发布", "level": "国家标准",
    "sector": "量子科技", "direction": "quantum_computing", "publish_date": "2025-03-01", "local_role": "lead",
    "drafting_orgs": [{"name": "安徽量子科技有限公司", "role": "lead"}, {"name": "中国科学技术大学", "role": "participant"}],
}


def _saved(office_dir) -> str:
    office = reopen(office_dir)
    try:
        return RecordService(office, default_checker(office.paths.root)).add("standard", STANDARD, final=True).record_id
    finally:
        office.close()


def test_fields_and_choices_by_their_labels(office_dir):
    record_id = _saved(office_dir)
    result = run_cli(office_dir, "record", "show", record_id)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    version = default_checker(None).registry.form("standard").version  # a new record takes the newest
    assert lines[0] == f"记录 {record_id}  标准规范（standard 第{version}版）  已定稿（final）"
    assert lines[1:] == [
        "标准名称：量子计算 术语",
        "标准状态：已发布",
        "标准编号：GB/T 45001-2025",
        "标准级别：国家标准",
        "所属领域：量子科技",
        "细分方向：量子计算",
        "发布日期：2025-03-01",
        "本地单位参与方式：牵头起草",
        "起草单位（第1项）：单位名称：安徽量子科技有限公司；角色：牵头单位",
        "起草单位（第2项）：单位名称：中国科学技术大学；角色：参与单位",
    ]
    english = run_cli(office_dir, "record", "show", record_id, ANHUI_COLLECT_LANG="en").stdout.splitlines()
    assert english[0] == f"Record {record_id}  Standard (standard v{version})  final"
    assert "Standard number: GB/T 45001-2025" in english and "Level: National" in english


def test_a_reader_that_stops_early_is_not_an_error(office_dir):
    record_id = _saved(office_dir)
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before anything is written, as after `| head -1`
    try:
        result = subprocess.run([sys.executable, "-m", "desktop.cli", "record", "show", record_id],
                                env=cli_env(office_dir), stdout=write_end, stderr=subprocess.PIPE, text=True,
                                timeout=120)
    finally:
        os.close(write_end)
    assert result.stderr == ""
    assert result.returncode == 141  # SIGPIPE's exit status, as other tools give


def test_the_list_names_forms_and_statuses_in_words(office_dir):
    record_id = _saved(office_dir)
    (line, total) = run_cli(office_dir, "record", "list").stdout.splitlines()
    assert line.startswith(f"{record_id}  标准规范             已定稿    ")
    assert line.endswith("  GB/T 45001-2025《量子计算 术语》") and total == "共 1 条（时间为北京时间）"
    (line, _) = run_cli(office_dir, "record", "list", ANHUI_COLLECT_LANG="en").stdout.splitlines()
    assert line.startswith(f"{record_id}  Standard             Final     ")


def test_the_list_filters_by_a_status_code_or_its_word(office_dir):
    record_id = _saved(office_dir)
    for status in ("final", "已定稿"):
        result = run_cli(office_dir, "record", "list", "--status", status)
        assert result.stdout.startswith(record_id), (status, result.stderr)
    assert run_cli(office_dir, "record", "list", "--status", "草稿").stdout.strip() == "共 0 条（时间为北京时间）"
    wrong = run_cli(office_dir, "record", "list", "--status", "完成")
    assert wrong.returncode == 2 and "final（已定稿）" in wrong.stderr and "Traceback" not in wrong.stderr


def test_template_lists_the_forms_and_a_forms_fields(office_dir):
    """As the README says: `template` lists the forms, `template FORM` every field by id with
    its Chinese label; an unknown form points there."""
    forms = run_cli(office_dir, "template").stdout.splitlines()
    assert any(line.split()[:2] == ["enterprise", "企业"] for line in forms) and len(forms) >= 7
    fields = run_cli(office_dir, "template", "enterprise").stdout.splitlines()
    assert fields[0].split()[:4] == ["name", "企业名称", "text", "必填"]
    assert any(line.startswith("sector ") and "quantum" in line for line in fields)
    unknown = run_cli(office_dir, "record", "list", "--form", "企业")
    assert unknown.returncode != 0 and "anhui-collect template 列出所有表单" in unknown.stderr
