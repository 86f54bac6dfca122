"""The province's record page lists the evidence files of the current version, and staff
download each as it was uploaded (hash checked again), never shown in the console's origin."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import quote

import requests

from desktop.services.attachments import Attachments
from desktop.services.checking import default_checker
from desktop.services.records import RecordService
from desktop.services.sync_office import enroll_office, sync_office
from desktop.store.office import Office
from tests.conftest import PASSPHRASE
from tests.office.test_attachments import pdf_bytes, platform_data
from tests.office.test_office_sync import new_code


def test_the_record_page_lists_the_files_and_staff_download_them_byte_identical(office_dir, province, staff, tmp_path):
    content = pdf_bytes(600_000, seed=21)
    (tmp_path / "皖科基〔2025〕12号.pdf").write_bytes(content)
    with Office.unlock(office_dir, None, PASSPHRASE) as office:
        enroll_office(office, province.url, new_code(province))
        service = RecordService(office, default_checker(office_dir))
        record_id = service.add("platform", platform_data()).record_id
        Attachments(service).attach(record_id, tmp_path / "皖科基〔2025〕12号.pdf", final=True)
        assert sync_office(office).accepted == 1
    digest = hashlib.sha256(content).hexdigest()

    viewer = staff("viewer")
    page = viewer.get(f"/console/records/{record_id}")
    assert page.status_code == 200
    files = page.text[page.text.index('id="files"'):page.text.index("版本历史")]
    assert "皖科基〔2025〕12号.pdf" in files and "application/pdf" in files and f"{len(content):,}" in files
    link = re.search(r'href="(/console/records/[^"]+/attachments/[0-9a-f]{64})"', files)
    assert link is not None and link.group(1).endswith(digest)
    download = viewer.get(link.group(1))
    assert download.status_code == 200 and download.content == content
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["x-content-type-options"] == "nosniff"
    # A file the record does not name, and anyone not signed in, get nothing.
    assert viewer.get(f"/console/records/{record_id}/attachments/{'0' * 64}").status_code == 404
    assert viewer.get(f"/console/records/{record_id}/attachments/..%2f..%2fetc%2fpasswd").status_code == 404
    anonymous = requests.get(province.url + link.group(1), timeout=30, allow_redirects=False)
    assert anonymous.status_code in (302, 303, 401) and anonymous.content != content


def test_a_download_is_named_with_the_suffix_of_what_the_file_is(office_dir, province, staff, tmp_path):
    # A version may name a file anything (an older office, a forged one): "报告.exe" that is a
    # PDF reaches staff as 报告.exe.pdf, never as a program to double-click.
    content = pdf_bytes(40_000, seed=22)
    (tmp_path / "报告.pdf").write_bytes(content)
    with Office.unlock(office_dir, None, PASSPHRASE) as office:
        enroll_office(office, province.url, new_code(province))
        service = RecordService(office, default_checker(office_dir))
        record_id = service.add("platform", platform_data()).record_id
        _saved, entry = Attachments(service).attach(record_id, tmp_path / "报告.pdf")
        service.edit(record_id, dict(service.current_data(record_id), approval_files=[dict(entry, name="报告.exe")]),
                     final=True)
        assert sync_office(office).accepted == 1
    download = staff("viewer").get(f"/console/records/{record_id}/attachments/{hashlib.sha256(content).hexdigest()}")
    assert download.status_code == 200 and download.content == content
    disposition = download.headers["content-disposition"]
    assert disposition.endswith("filename*=UTF-8''" + quote("报告.exe.pdf")), disposition
