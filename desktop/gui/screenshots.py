"""Render the main screens in Chinese and English: ``python -m desktop.gui.screenshots --out DIR``.

Each screen is built from a demo office (``desktop.gui.demo``, one per language) on a
1366×768 screen with a taskbar (Qt's offscreen platform, configured here: 1366×728 free,
window frames on), where the main window opens maximised, and saved as
``<screen>-<lang>.png``: the setup wizard, its recovery-key page, the unlock dialog, a
record list (filtered, several rows selected), the result of marking drafts final, the
editor showing a wrong credit code, the dashboard, the sync screen before enrolling and
after a sync with a local provincial endpoint (``demo.LocalProvince``), the import screen
previewing a workbook and listing the problems of a sheet, the export screen after
verifying its export, and the users dialog. ``--scale 1.5`` renders the same screens at
150% on a 1920×1080 screen instead (``<screen>-<lang>-150.png``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

SCREEN = (1366, 768)
TASKBAR = 40  # Windows' taskbar takes this much of a 768-pixel screen


def _settle(ms: int = 150) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    # An event loop rather than QTest.qWait: PySide's qWait keeps the GIL while it sleeps,
    # which starves the Python work on the thread pool (a sync or an export crawls).
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def _wait(condition: Callable[[], object], timeout_ms: int = 20000) -> None:
    waited = 0
    while not condition():
        if waited > timeout_ms:
            raise TimeoutError("the screen did not get ready")
        _settle(50)
        waited += 50


SUFFIX = ""


def screen_config(folder: Path, scale: float) -> str:
    """The offscreen platform with a screen like an office PC's: 1366×768, or 1920×1080 scaled."""
    width, height = SCREEN if scale == 1 else (1920, 1080)
    config = {"synchronousWindowSystem": True, "windowFrameMargins": True, "screens": [{
        "name": "office", "x": 0, "y": 0, "width": width, "height": height - TASKBAR,
        "logicalDpi": 96, "logicalBaseDpi": 96}]}
    if scale != 1:
        os.environ["QT_SCALE_FACTOR"] = str(scale)  # as Windows' "scale and layout" setting does
    path = folder / "screen.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    return f"offscreen:configfile={path}"


def _save(widget, out: Path, name: str, lang: str) -> Path:
    _settle()
    path = out / f"{name}-{lang}{SUFFIX}.png"
    if not widget.grab().save(str(path)):
        raise OSError(f"cannot write {path}")
    print(f"wrote {path}")
    return path


def render_list(window, out: Path, lang: str) -> list[Path]:
    """The enterprise list filtered to drafts with three selected, and marking them final."""
    from PySide6.QtCore import QItemSelectionModel

    from desktop.gui.bulk import NotFinalizedDialog

    page = window.show_page("form:enterprise")
    page.status.setCurrentIndex(page.status.findData("draft"))
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for row in range(min(4, page.model.rowCount())):
        page.table.selectionModel().select(page.model.index(row, 0), flags)
    written = [_save(window, out, "list", lang)]
    window.bulk.finalize(page, page.selected_records())
    _wait(lambda: window.bulk.task is None and window.findChild(NotFinalizedDialog) is not None)
    dialog = window.findChild(NotFinalizedDialog)
    written.append(_save(dialog, out, "finalize-result", lang))
    dialog.close()
    page.clear_filters()
    return written


def render_province_and_exchange(window, out: Path, lang: str, work: Path, province) -> list[Path]:
    """The sync, import and export screens of ``window``'s office."""
    from desktop.gui import demo

    written = []
    sync = window.show_page("sync")
    code, key_id = province.enroll_code()
    form = sync.enroll_form
    form.endpoint.setText(province.url)
    form.code.setText(code)
    form.key_id.setText(key_id)
    written.append(_save(window, out, "sync-enroll", lang))
    form.enroll()
    _wait(lambda: form.task is None)
    if form.message.kind != "ok":
        raise RuntimeError(f"the demo office did not enroll: {form.message.text()}")
    sync.sync_now()
    _wait(lambda: sync.task is None)
    if sync.summary is None:
        raise RuntimeError(f"the demo sync failed: {sync.message.text()}")
    written.append(_save(window, out, "sync", lang))

    page = window.show_page("import")
    (work / f"lists-{lang}").mkdir()
    sheet = demo.import_sheet(work / f"lists-{lang}" / "蜀山区企业名单.xlsx", window.session.registry)
    page.file.setText(str(sheet))
    page.start_preview()
    _wait(lambda: page.preview is not None)
    written.append(_save(window, out, "import-preview", lang))
    page.start_import()
    _wait(lambda: page.result is not None)
    written.append(_save(window, out, "import", lang))

    page = window.show_page("export")
    folder = work / f"exports-{lang}"
    folder.mkdir()
    page.folder.setText(str(folder))
    page.export()
    _wait(lambda: page.task is None)
    page.verify(page.exported)
    _wait(lambda: page.report is not None and page.task is None)
    written.append(_save(window, out, "export", lang))

    # The province opens the annual reports' period; after a sync the dashboard names it.
    province.open_period("annual_report", 2025, "2027-03-31")
    sync = window.show_page("sync")
    sync.sync_now()
    _wait(lambda: sync.task is None)
    dash = window.show_page("dashboard")
    dash.refresh()
    _wait(lambda: not dash.pending and dash.data is not None and dash.data.periods)
    written.append(_save(window, out, "dashboard-period", lang))
    return written


def render_annual_report(window, out: Path, lang: str) -> list[Path]:
    """A new 2025 annual report of the first demo enterprise, filled from its 2024 report."""
    session = window.session
    firm = session.records.query(form="enterprise", status="synced", limit=1)[0]
    data = session.records.current_data(firm["record_id"])
    last_year = {"enterprise": firm["record_id"], "enterprise_name": data["name"], "credit_code": data["credit_code"],
                 "year": 2024, "sector": data["sector"], "direction": data["direction"], "revenue": 18600,
                 "future_revenue": 12400, "output_value": 21000, "rd_spending": 2300, "employees": 260,
                 "rd_staff": 85, "tax": 940, "exports": 1200}
    saved: list[object] = []
    session.write(session.records.save_job("annual_report", last_year, final=True)).success(saved.append).start()
    _wait(lambda: saved)
    from PySide6.QtWidgets import QMessageBox

    window.open_editor("annual_report")  # after the open editor closes, its changes discarded
    box = window.findChild(QMessageBox, "unsavedBox")
    if box is not None:
        next(b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.DestructiveRole).click()
    _wait(lambda: window.editor is not None and window.editor.form.id == "annual_report")
    editor = window.editor
    editor.view.row_for("enterprise").widget.set_value(firm["record_id"])
    editor.view.row_for("year").widget.set_value(2025)
    editor.copy_last_year()
    _settle()
    written = [_save(window, out, "editor-annual", lang)]
    editor.stop()
    discarded: list[object] = []
    session.write(session.autosave.discard_job("annual_report", None)).success(discarded.append).start()
    _wait(lambda: discarded)
    return written


def render(out: Path, lang: str, checker, work: Path, province=None) -> list[Path]:
    """Render every screen in ``lang`` into ``out``; returns the files written."""
    from PySide6.QtWidgets import QLineEdit, QWizard

    from desktop.gui import demo, i18n
    from desktop.gui.app import AppController, sync_screen
    from desktop.gui.unlock import UnlockDialog
    from desktop.gui.users import UsersDialog
    from desktop.gui.wizard import SetupWizard
    from desktop.store.office import Office

    i18n.install(lang)
    written = []

    wizard = SetupWizard(work / f"new-{lang}", checker.registry)
    wizard.show()
    wizard.org_page.search.setText("合肥")
    wizard.org_page.view.setCurrentIndex(wizard.org_page.proxy.index(3, 0))
    written.append(_save(wizard, out, "wizard", lang))
    wizard.next()
    page = wizard.admin_page
    page.office_name.setText("蜀山区科学技术局")
    page.admin.setText("张三")
    page.passphrase.setText(demo.PASSPHRASE)
    page.confirm.setText(demo.PASSPHRASE)
    wizard.next()
    _wait(lambda: wizard.currentPage() is wizard.recovery_page)
    written.append(_save(wizard, out, "wizard-key", lang))
    wizard.button(QWizard.WizardButton.FinishButton)
    if wizard.office is not None:
        wizard.office.close()
    wizard.close()

    # Each language has its own office, so both show the sync screen before enrolling.
    office_dir = work / f"demo-{lang}"
    unlock = UnlockDialog(office_dir, "李四")
    unlock.show()
    unlock.passphrase.setText("wrong passphrase")
    unlock.try_unlock()
    _wait(lambda: unlock.ok.isEnabled() and unlock.message.text())
    written.append(_save(unlock, out, "unlock", lang))
    unlock.close()

    controller = AppController(office_dir, checker=checker, sync_page=sync_screen)
    window = controller.open_main(Office.unlock(office_dir, None, demo.PASSPHRASE))
    dash = window.dashboard
    _wait(lambda: dash is not None and dash.data is not None)
    written.append(_save(window, out, "dashboard", lang))
    # As after clicking a measure: the plan's output target by sector.
    row = next(i for i, tp in enumerate(dash.data.progress.targets) if tp.code == "output_total")
    dash.table.setCurrentCell(row, 0)
    dash.charts.setCurrentIndex(1)
    written.append(_save(window, out, "dashboard-measure", lang))

    written.extend(render_list(window, out, lang))
    if province is not None:
        written.extend(render_province_and_exchange(window, out, lang, work, province))
    users = UsersDialog(window.session, window)
    users.show()
    users.table.selectRow(2)
    written.append(_save(users, out, "users", lang))
    users.close()

    editor = window.open_editor("enterprise")
    editor.findChild(QLineEdit, "input_name").setText("安徽星河量子通信科技有限公司")
    editor.findChild(QLineEdit, "input_credit_code").setText("91340100MA2NF8XL3B")
    sector = editor.view.row_for("sector").widget
    sector.set_value("quantum")
    editor._changed()
    editor.view.row_for("direction").widget.set_value("quantum_communication")
    editor.save(final=True)
    editor.view.row_for("name").widget.focus_target().setFocus()
    written.append(_save(window, out, "editor", lang))
    editor.stop()
    if province is not None:
        written.extend(render_annual_report(window, out, lang))
    discarded: list[object] = []  # the next language starts clean
    window.session.write(window.session.autosave.discard_job("enterprise", None)).success(discarded.append).start()
    _wait(lambda: discarded)
    controller._close_session(wait=True)
    return written


def main(argv: list[str] | None = None) -> int:
    """Render the screens into ``--out`` (both languages unless ``--lang`` is given)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--lang", choices=("zh", "en"), action="append")
    parser.add_argument("--scale", type=float, default=1.0, help="display scaling, e.g. 1.5 for 150%%")
    args = parser.parse_args(argv)
    global SUFFIX
    SUFFIX = "" if args.scale == 1 else f"-{round(args.scale * 100)}"
    # Unsaved-work logs and settings of the demo stay in the temporary folder.
    with tempfile.TemporaryDirectory(prefix="anhui-screens-") as tmp:
        work = Path(tmp)
        os.environ["ANHUI_COLLECT_HOME"] = str(work)
        os.environ["QT_QPA_PLATFORM"] = screen_config(work, args.scale)
        from desktop.gui import demo
        from desktop.gui.app import create_application
        from desktop.services.checking import default_checker

        app = create_application([sys.argv[0]])
        checker = default_checker(None)
        args.out.mkdir(parents=True, exist_ok=True)
        province = demo.LocalProvince(work / "province").start()
        try:
            for lang in args.lang or ["zh", "en"]:
                demo.make_office(work / f"demo-{lang}", checker)
                render(args.out, lang, checker, work, province)
        finally:
            province.stop()
        app.closeAllWindows()
    return 0


if __name__ == "__main__":
    sys.exit(main())
