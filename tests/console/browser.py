"""Debian's Chromium, driven by Selenium through Debian's chromedriver (no downloads)."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# As root Chromium needs --no-sandbox; the rest keeps it off a network this machine lacks.
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--hide-scrollbars", "--force-device-scale-factor=1")


def available() -> str | None:
    """Why the browser tests cannot run here, or None if they can."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not Path(path).exists():
            return f"{path} is missing (make test installs Debian's chromium and chromium-driver)"
    return None


@contextmanager
def chromium(width: int = 1366, height: int = 768, lang: str = "zh-CN") -> Iterator[Any]:
    """A headless Chromium whose viewport is ``width`` × ``height``."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="anhui-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--lang={lang}")
    options.add_argument(f"--window-size={width},{height}")
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.set_page_load_timeout(60)
        # The window size includes no browser chrome in headless mode, but make sure.
        inner = driver.execute_script("return [window.innerWidth, window.innerHeight]")
        if inner != [width, height]:
            driver.set_window_size(width + width - inner[0], height + height - inner[1])
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def login(driver: Any, base: str, username: str, password: str) -> None:
    """Log in through the login page like a person: type and press the button."""
    from selenium.webdriver.common.by import By

    driver.get(base + "/console/login")
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.ID, "login").click()
    from selenium.webdriver.support.ui import WebDriverWait

    # The click returns before the next page has loaded; wait for it (or for the refusal).
    WebDriverWait(driver, 60).until(
        lambda d: "failed=1" in d.current_url or "/console/login" not in d.current_url)
    assert "/console/login" not in driver.current_url, "login failed"


def number(text: str) -> float:
    """A number as the console prints it (thousands separators, maybe a unit after it)."""
    found = re.search(r"-?[\d,]+(?:\.\d+)?", text)
    assert found, text
    return float(found.group(0).replace(",", ""))
