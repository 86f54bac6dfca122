"""The app's language: Qt translators for our strings and Qt's own, and form-data labels.

Source strings are English; ``i18n/zh_CN.ts`` holds the Chinese, compiled to ``.qm`` by
``python -m desktop.gui.i18n_build`` (the Makefile runs it). Labels of forms, choices and
sectors come from the form data in both languages and are picked with :func:`pick`.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

I18N_DIR = Path(__file__).with_name("i18n")
# Stored on the application object rather than in a module global, so each QApplication
# (and each test) carries its own.
_PROPERTY = "anhuiLanguage"


def language() -> str:
    """The language in use: "zh" (default) or "en"."""
    app = QCoreApplication.instance()
    value = app.property(_PROPERTY) if app is not None else None
    return "en" if value == "en" else "zh"


def pick(zh: str, en: str) -> str:
    """The Chinese or English text of a piece of form data, by the current language."""
    return en if language() == "en" and en else zh


def _our_qm() -> Path | None:
    qm = I18N_DIR / "zh_CN.qm"
    ts = I18N_DIR / "zh_CN.ts"
    if ts.exists() and (not qm.exists() or qm.stat().st_mtime < ts.stat().st_mtime):
        # A source checkout run without `make translations`: build it now rather than
        # showing an office English it did not ask for.
        with contextlib.suppress(Exception, SystemExit):
            from desktop.gui.i18n_build import build

            build()
    return qm if qm.exists() else None


def install(lang: str) -> list[QTranslator]:
    """Switch the running app to ``lang``; returns the translators (keep them referenced)."""
    app = QCoreApplication.instance()
    assert app is not None, "create the QApplication first"
    for old in app.findChildren(QTranslator):
        app.removeTranslator(old)
        old.setParent(None)
    lang = "en" if lang == "en" else "zh"
    app.setProperty(_PROPERTY, lang)
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates) if lang == "en"
                       else QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    if lang == "en":
        return []
    installed = []
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    for directory, name in ((qt_dir, "qtbase_zh_CN.qm"), (str(I18N_DIR), "zh_CN.qm")):
        if name == "zh_CN.qm" and _our_qm() is None:
            continue
        translator = QTranslator(app)
        if translator.load(name, directory):
            app.installTranslator(translator)
            installed.append(translator)
    return installed
