"""Enrolment never locks an office out: a code for another org unit is refused without being
used, and an office whose key the province already knows starts afresh with a new key.
Against a real `anhui-province serve` on loopback."""

import json

import pytest

from desktop.errors import OfficeError
from desktop.services.device import device_key
from desktop.services.sync_office import enroll_office, sync_office
from sync.client import enroll
from sync.keys import key_id
from tests.conftest import run_cli
from tests.office.conftest import enterprise


def code_for(province, org_unit: str) -> str:
    return json.loads(province.cli("enroll-code", "--org-unit", org_unit, "--json"))["code"]


def code_used(province, org_unit: str) -> list:
    return province.query("SELECT used_at FROM enrollment_codes WHERE org_unit = ?", (org_unit,))


def test_a_code_for_another_org_unit_is_refused_unused_and_the_office_enrols_with_the_right_one(
        office, service, province):
    wrong = code_for(province, "340102")  # 瑶海区; this office is 蜀山区 (340104)
    with pytest.raises(OfficeError) as refused:
        enroll_office(office, province.url, wrong)
    assert "340102" in refused.value.message_zh and "340104" in refused.value.message_zh
    assert code_used(province, "340102") == [(None,)]
    assert province.query("SELECT count(*) FROM devices") == [(0,)]
    # The same office, the same key, the right code: enrolled, and it syncs.
    device_id = enroll_office(office, province.url, code_for(province, "340104"))
    service.add("enterprise", enterprise(1), final=True)
    assert sync_office(office).accepted == 1
    assert province.query("SELECT org_unit FROM devices WHERE device_id = ?", (device_id,)) == [("340104",)]
    # The refused code still works for the office it was meant for.
    other = enroll(province.url, wrong, _fresh_key(), org_unit="340102")
    assert other.org_unit == "340102"


def test_enroll_new_key_recovers_an_office_whose_key_the_province_already_knows(office_dir, office, province):
    # The province already holds this office's key under some device (an earlier enrolment
    # whose reply never made it into the store): the same key can never enrol again.
    enroll(province.url, code_for(province, "340104"), device_key(office), org_unit="340104")
    office.close()
    code = code_for(province, "340104")
    blocked = run_cli(office_dir, "enroll", "--endpoint", province.url, "--code", code)
    assert blocked.returncode == 1, blocked.stderr
    assert "--new-key" in blocked.stderr and "意外" not in blocked.stderr
    assert code_used(province, "340104")[-1] == (None,)
    done = run_cli(office_dir, "enroll", "--endpoint", province.url, "--code", code, "--new-key")
    assert done.returncode == 0, done.stderr
    assert "登记成功" in done.stdout
    assert province.query("SELECT count(*) FROM devices") == [(2,)]


def test_new_key_is_refused_once_the_device_has_sent_batches(office, service, province):
    enroll_office(office, province.url, code_for(province, "340104"))
    service.add("enterprise", enterprise(2), final=True)
    sync_office(office)
    old = key_id(device_key(office))
    with pytest.raises(OfficeError) as refused:
        enroll_office(office, province.url, code_for(province, "340104"), new_key=True)
    assert "已向省里发送" in refused.value.message_zh
    assert key_id(device_key(office)) == old


def _fresh_key():
    from sync.keys import generate_private_key

    return generate_private_key()
