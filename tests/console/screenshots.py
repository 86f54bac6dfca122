"""Screenshots of every console page in Chinese and English at 1366×768, taken with Debian's
Chromium against a real province seeded with a small demo (``make console-screenshots``)."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from selenium.webdriver.common.by import By

from tests.console.browser import chromium, login
from tests.console.seed import PASSWORD, add_user, seed_demo, seed_reports
from tests.sync.servers import ProvinceServer


def take(out: Path) -> list[Path]:
    """Seed a province, walk every page in both languages, save PNGs; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="anhui-console-shots-") as tmp:
        server = ProvinceServer(Path(tmp) / "province")
        server.start()
        try:
            seed_reports(server, seed_demo(server), 2025)
            add_user(server, "zhang.wei", "admin")
            decide(server)
            for lang in ("zh", "en"):
                with chromium(lang="zh-CN" if lang == "zh" else "en-US") as driver:
                    login(driver, server.url, "zhang.wei", PASSWORD)
                    driver.get(server.url + f"/console/?lang={lang}")
                    # The record page of the record with the most versions shows a diff.
                    edited = server.query("SELECT record_id FROM record_versions GROUP BY "
                                          "record_id ORDER BY COUNT(*) DESC LIMIT 1")[0][0]
                    record = f"/console/records/{edited}"
                    pages = {
                        "overview": "/console/",
                        "records": "/console/records",
                        "record": record,
                        "duplicates": "/console/duplicates",
                        "devices": "/console/devices",
                        "periods": "/console/periods",
                        "batches": "/console/batches",
                        "export": "/console/export",
                        "actions": "/console/actions",
                    }
                    for name, path in pages.items():
                        driver.get(server.url + path)
                        if name == "overview":
                            driver.find_element(By.CSS_SELECTOR, "#map[data-ready='1']")
                        saved.append(_save(driver, out / f"console-{name}-{lang}.png"))
                    driver.get(server.url + "/console/devices")
                    driver.find_element(By.ID, "code-org-unit").send_keys("340104")
                    driver.find_element(By.CSS_SELECTOR, "form[action='/console/devices/codes'] button").click()
                    saved.append(_save(driver, out / f"console-code-{lang}.png"))
                    driver.delete_all_cookies()
                    driver.get(server.url + "/console/login")
                    saved.append(_save(driver, out / f"console-login-{lang}.png"))
        finally:
            server.stop()
    return saved


def decide(server: ProvinceServer) -> None:
    """A reviewer's day so far: one record accepted, one returned, one duplicate decided."""
    from province.console import review
    from province.context import Province, Settings

    province = Province.open(Settings.make(server.data_dir, server.database_url))
    try:
        rows = province.db.run(lambda tx: tx.rows(
            "SELECT record_id, current_version_id, form_id FROM records ORDER BY record_id"),
            write=False)
        enterprise = [r for r in rows if r[2] == "enterprise"]
        review.accept(province, enterprise[0][0], enterprise[0][1], "zhang.wei")
        review.return_for_correction(province, enterprise[1][0], enterprise[1][1],
                                     "高新技术企业证书已过期，请更新证书编号和发证日期", "zhang.wei")
        from province.console import catalog

        catalog.catch_up(province)
        groups, _ = review.duplicate_groups(province, form_id="enterprise")
        review.resolve_duplicate(province, "enterprise", groups[0]["dup_key"], "340104",
                                 "注册地在蜀山区", "zhang.wei")
    finally:
        province.close()


def _save(driver: object, path: Path) -> Path:
    driver.save_screenshot(str(path))  # type: ignore[attr-defined]
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="docs/screenshots")
    for path in take(Path(parser.parse_args().out)):
        print(path)


if __name__ == "__main__":
    main()
