# Two commands matter: `make run` and `make test`. Both set everything up on a fresh
# Debian machine with Python 3.11 (virtual environment, Python packages, Debian packages).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
# Debian packages the app and the test suite need: Qt's runtime libraries, a CJK font
# for rendering Chinese, Xvfb/xdotool/ImageMagick/strace to start the frozen app on a
# virtual screen (screenshot, no network at start), PostgreSQL for the province's
# production database, LibreOffice to read exports back in tests, openssl and jq to follow the
# auditor's guide by hand, and Chromium with its WebDriver for the province console's browser
# tests and screenshots.
SYSTEM_PACKAGES_RUN := libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 \
	libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 libxcb-randr0 \
	libxcb-render-util0 libxcb-image0 fonts-noto-cjk
SYSTEM_PACKAGES_TEST := $(SYSTEM_PACKAGES_RUN) xvfb xauth xdotool imagemagick strace postgresql libreoffice-calc-nogui \
	openssl jq chromium chromium-driver

.PHONY: run test lint bench fuzz screenshots console-screenshots console-assets translations package package-test clean system-run system-test

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip setuptools wheel

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test,province]'
	touch $@ $(STAMP)

system-run:
	@sh tests/system-packages.sh $(SYSTEM_PACKAGES_RUN)

system-test:
	@sh tests/system-packages.sh $(SYSTEM_PACKAGES_TEST)

translations: $(STAMP)
	$(PY) -m desktop.gui.i18n_build

run: system-run $(STAMP) translations
	$(VENV)/bin/anhui-collect

lint: $(TEST_STAMP)
	$(VENV)/bin/ruff check desktop sync forms province tests packaging
	$(VENV)/bin/mypy

# pytest exits 5 when it collected nothing; that must fail, never pass quietly.
test: system-test $(TEST_STAMP) translations lint
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -p no:cacheprovider tests; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "no tests were collected"; exit 1; fi; exit $$rc

bench: system-run $(TEST_STAMP) translations
	QT_QPA_PLATFORM=offscreen $(PY) -m tests.bench

# 10,000+ requests at the provincial endpoint (schemathesis and signed mutations); prints the
# number of 5xx answers and fails unless it is 0. `make test` runs a bounded version.
fuzz: system-test $(TEST_STAMP)
	$(PY) -m tests.sync.fuzz

screenshots: system-test $(TEST_STAMP) translations
	$(PY) -m desktop.gui.screenshots --out docs/screenshots
	$(PY) -m desktop.gui.screenshots --out docs/screenshots --scale 1.5

# The province console's pages in Chinese and English, taken with Chromium at 1366x768.
console-screenshots: system-test $(TEST_STAMP)
	$(PY) -m tests.console.screenshots --out docs/screenshots

# Re-vendor the console's browser assets (ECharts, the Anhui map) from the npm registry.
console-assets:
	sh province/console/vendor-assets.sh

package: system-run $(STAMP) translations
	$(PY) -m pip install --quiet -e '.[package]'
	$(PY) packaging/build.py

package-test: system-test package
	$(PY) packaging/build.py --no-build --self-test
	$(PY) packaging/frozen_check.py dist/anhui-collect --screenshot docs/screenshots/frozen-linux-wizard.png

clean:
	rm -rf build dist .pytest_cache .mypy_cache .ruff_cache
