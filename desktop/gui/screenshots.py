"""Render the main screens in Chinese and English: ``python -m desktop.gui.screenshots --out DIR``.

Each screen is built from a demo office (``desktop.gui.demo``, one per language) at a
realistic window size and saved as ``<screen>-<lang>.png``: the setup wizard, its
recovery-key page, the unlock dialog, a record list, the editor showing a wrong credit
code, the dashboard, the sync screen before enrolling and after a sync with a local
provincial endpoint (``demo.LocalProvince``), the import screen listing the problems of a
sheet, and the export screen after verifying its export.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

WINDOW = (1280, 800)


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


def _save(widget, out: Path, name: str, lang: str) -> Path:
    _settle()
    path = out / f"{name}-{lang}.png"
    if not widget.grab().save(str(path)):
        raise OSError(f"cannot write {path}")
    print(f"wrote {path}")
    return path


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
    return written


def render(out: Path, lang: str, checker, work: Path, province=None) -> list[Path]:
    """Render every screen in ``lang`` into ``out``; returns the files written."""
    from PySide6.QtWidgets import QLineEdit, QWizard

    from desktop.gui import demo, i18n
    from desktop.gui.app import AppController, sync_screen
    from desktop.gui.unlock import UnlockDialog
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
    unlock = UnlockDialog(office_dir, "张三")
    unlock.show()
    unlock.passphrase.setText("wrong passphrase")
    unlock.try_unlock()
    _wait(lambda: unlock.ok.isEnabled() and unlock.message.text())
    written.append(_save(unlock, out, "unlock", lang))
    unlock.close()

    controller = AppController(office_dir, checker=checker, sync_page=sync_screen)
    window = controller.open_main(Office.unlock(office_dir, None, demo.PASSPHRASE))
    window.resize(*WINDOW)
    dash = window.dashboard
    _wait(lambda: dash is not None and dash.data is not None)
    written.append(_save(window, out, "dashboard", lang))
    # As after clicking a measure: the plan's output target by sector.
    row = next(i for i, tp in enumerate(dash.data.progress.targets) if tp.code == "output_total")
    dash.table.setCurrentCell(row, 0)
    dash.charts.setCurrentIndex(1)
    written.append(_save(window, out, "dashboard-measure", lang))

    window.show_page("form:enterprise")
    page_ = window.lists["enterprise"]
    page_.table.selectRow(1)
    written.append(_save(window, out, "list", lang))
    if province is not None:
        written.extend(render_province_and_exchange(window, out, lang, work, province))

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
    window.session.autosave.discard("enterprise", None)  # the next language starts clean
    controller._close_session()
    return written


def main(argv: list[str] | None = None) -> int:
    """Render the screens into ``--out`` (both languages unless ``--lang`` is given)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--lang", choices=("zh", "en"), action="append")
    args = parser.parse_args(argv)
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    # Unsaved-work logs and settings of the demo stay in the temporary folder.
    with tempfile.TemporaryDirectory(prefix="anhui-screens-") as tmp:
        work = Path(tmp)
        os.environ["ANHUI_COLLECT_HOME"] = str(work)
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
