"""填报期 in a real Chromium: the periods the province opened and closed, and per open period
which offices and enterprises have reported, counted from the records the offices synced."""

from __future__ import annotations

import os

import pytest

from tests.console import browser
from tests.console.seed import PASSWORD, annual_report, enterprise, make_version, send
from tests.sync.offices import enroll_device

pytestmark = pytest.mark.skipif(browser.available() is not None and not os.environ.get("CI"),
                                reason=str(browser.available()))


def test_periods_page_shows_states_and_who_has_reported(province):
    from selenium.webdriver.common.by import By

    hefei, wuhu = enroll_device(province, "340104"), enroll_device(province, "340202")
    enroll_device(province, "341102")  # enrolled, has sent nothing
    ours = [make_version("340104", "enterprise", enterprise(i)) for i in (1, 2, 3)]
    theirs = [make_version("340202", "enterprise", enterprise(i)) for i in (4, 5)]
    send(hefei, ours)
    send(wuhu, theirs)
    province.cli("period", "open", "annual_report", "2024")
    province.cli("period", "close", "annual_report", "2024")
    province.cli("period", "open", "annual_report", "2025", "--due", "2026-03-31")
    # Hefei: one report linked by record, one by credit code alone (as an imported sheet), the
    # third enterprise only a 2024 report. Wuhu: both, one of them corrected in a second version.
    send(hefei, [make_version("340104", "annual_report", annual_report(ours[0].record_id, ours[0].data, 2025)),
                 make_version("340104", "annual_report", annual_report(None, ours[1].data, 2025)),
                 make_version("340104", "annual_report", annual_report(ours[2].record_id, ours[2].data, 2024))])
    first = make_version("340202", "annual_report", annual_report(theirs[0].record_id, theirs[0].data, 2025))
    send(wuhu, [first, make_version("340202", "annual_report", annual_report(theirs[1].record_id, theirs[1].data, 2025))])
    send(wuhu, [make_version("340202", "annual_report",
                             annual_report(theirs[0].record_id, theirs[0].data, 2025, revenue=20000),
                             record_id=first.record_id)])

    with browser.chromium() as driver:
        browser.login(driver, province.url, "wang.viewer", PASSWORD)
        driver.get(province.url + "/console/")
        driver.find_element(By.LINK_TEXT, "填报期").click()
        rows = {r.get_attribute("data-period"): [c.text for c in r.find_elements(By.TAG_NAME, "td")]
                for r in driver.find_elements(By.CSS_SELECTOR, "#periods tbody tr")}
        assert rows["annual_report.2025"][:4] == ["企业年度数据", "2025", "开放中", "2026-03-31"]
        assert rows["annual_report.2024"][:4] == ["企业年度数据", "2024", "已关闭", "未定"]
        # Only the open period has a standing.
        assert not driver.find_elements(By.ID, "standing-annual_report-2024")
        card = driver.find_element(By.ID, "standing-annual_report-2025")
        assert "企业年度数据 2025年度 · 报送情况" in card.text
        assert card.find_element(By.CSS_SELECTOR, ".offices").text == "已报齐 2 家，尚有缺报 1 家（共 3 家）"
        assert card.find_element(By.CSS_SELECTOR, ".enterprises").text == "已报送 4 家，未报送 1 家（共 5 家）"
        assert card.find_element(By.CSS_SELECTOR, ".reports").text == "4"
        offices = {r.get_attribute("data-unit"): [c.text for c in r.find_elements(By.TAG_NAME, "td")][1:]
                   for r in card.find_elements(By.CSS_SELECTOR, "tbody tr")}
        assert offices == {"340104": ["3", "2", "1", "2"], "340202": ["2", "2", "0", "2"],
                           "341102": ["0", "0", "0", "0"]}
        # Offices with reports missing come first; their report count opens those reports.
        first_row = card.find_element(By.CSS_SELECTOR, "tbody tr")
        assert first_row.get_attribute("data-unit") == "340104"
        first_row.find_element(By.TAG_NAME, "a").click()
        listed = driver.find_elements(By.CSS_SELECTOR, "#records tbody tr[data-record]")
        assert len(listed) == 3  # all its annual reports, the 2024 one too
