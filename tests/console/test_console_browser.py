"""The whole loop in a real Chromium: log in, 总览 equals ``anhui-province progress --json``,
open a record, return it with a reason; the office syncs and shows it returned with that reason."""

from __future__ import annotations

import json
import os
import re
import subprocess

import pytest

from tests.conftest import run_cli
from tests.console import browser
from tests.console.seed import PASSWORD, enterprise, make_version, send, server_command
from tests.sync.offices import enroll_device

# On CI (make test installs the browser) a missing browser is a failure, not a skip.
pytestmark = pytest.mark.skipif(browser.available() is not None and not os.environ.get("CI"),
                                reason=str(browser.available()))


def office(data_dir, *args: str, input: str | None = None) -> str:
    done = run_cli(data_dir, *args, input=input)
    assert done.returncode == 0, done.stderr + done.stdout
    return done.stdout


def test_review_loop_in_chromium_reaches_the_office(office_dir, province):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    # An office (the real application, through its command line) enrolls and sends a record.
    code = json.loads(province.cli("enroll-code", "--org-unit", "340104", "--json"))["code"]
    office(office_dir, "enroll", "--endpoint", province.url, "--code", code)
    name = "合肥量子浏览器测试有限公司"
    record = enterprise(77, name=name, tiers=["high_tech"])
    added = office(office_dir, "record", "add", "--form", "enterprise", "--file", "-", "--final",
                   input=json.dumps(record, ensure_ascii=False))
    record_id = re.search(r"[0-9a-f]{8}-[0-9a-f-]{27}", added).group(0)  # type: ignore[union-attr]
    office(office_dir, "sync")
    # Another office's records, so the totals are more than one record.
    other = enroll_device(province, "340202")
    send(other, [make_version("340202", "enterprise", enterprise(i)) for i in range(3)])

    expected = json.loads(subprocess.run(
        [*server_command(province), "progress", "--json"], capture_output=True, text=True,
        timeout=120, check=True).stdout)
    reason = "高新技术企业证书编号与证书不符，请核对"
    with browser.chromium() as driver:
        browser.login(driver, province.url, "li.reviewer", PASSWORD)
        driver.get(province.url + "/console/")
        shown = {row.get_attribute("data-target"):
                 browser.number(row.find_element(By.CSS_SELECTOR, "a.value").text)
                 for row in driver.find_elements(By.CSS_SELECTOR, "#targets tbody tr")}
        assert shown == {t["code"]: float(t["value"]) for t in expected["targets"]}
        assert browser.number(driver.find_element(By.ID, "records-counted").text) == \
            expected["records_counted"] == 4
        assert shown["high_tech_enterprises"] == 4
        # The map is drawn from the vendored files alone: the 16 cities, with the counts.
        driver.get(province.url + "/console/?target=high_tech_enterprises")
        WebDriverWait(driver, 60).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, "#map[data-ready='1'] svg"))
        drawn = driver.find_element(By.CSS_SELECTOR, "#map svg").get_attribute("innerHTML")
        assert drawn.count("<path") >= 16 and "合肥市" in drawn and "芜湖市" in drawn
        assert driver.execute_script(
            "return performance.getEntriesByType('resource')"
            ".every(r => r.name.startsWith(location.origin))")
        # Find the record by a Chinese substring of its name and open it.
        driver.get(province.url + "/console/records")
        driver.find_element(By.ID, "q").send_keys("浏览器测试")
        driver.find_element(By.CSS_SELECTOR, "#filters button[type=submit]").click()
        WebDriverWait(driver, 60).until(lambda d: "q=" in d.current_url)
        rows = driver.find_elements(By.CSS_SELECTOR, "#records tbody tr[data-record]")
        assert [r.get_attribute("data-record") for r in rows] == [record_id]
        rows[0].find_element(By.TAG_NAME, "a").click()
        WebDriverWait(driver, 60).until(lambda d: f"/console/records/{record_id}" in d.current_url)
        assert driver.find_element(By.ID, "record-title").text == name
        driver.find_element(By.ID, "reason").send_keys(reason)
        driver.find_element(By.ID, "return").click()
        WebDriverWait(driver, 60).until(lambda d: "done=return" in d.current_url)
        assert driver.find_element(By.ID, "record-state").text == "已退回"
        assert reason in driver.find_element(By.ID, "return-reason").text
        # A returned record no longer counts toward the totals.
        driver.get(province.url + "/console/")
        counted = browser.number(driver.find_element(By.ID, "records-counted").text)
        assert counted == expected["records_counted"] - 1

    # The office syncs and shows the record returned, with the reviewer's words.
    office(office_dir, "sync")
    shown_by_office = office(office_dir, "record", "show", record_id)
    assert "returned" in shown_by_office.splitlines()[0]
    assert f"退回原因：{reason}" in shown_by_office
    log = province.query("SELECT actor, action, subject, reason FROM action_log "
                         "WHERE action = 'record.return'")
    assert log == [("li.reviewer", "record.return", record_id, reason)]
