"""Evidence files in the record editor: attached (as a file dialog or a drop would hand them
over), saved with the record, previewed from memory (a real PDF drawn by QtPdf, a PNG), and
a wrong file told in Chinese without touching the record."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QBuffer, QIODevice, QMarginsF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPageLayout, QPageSize, QPainter, QPdfWriter
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from tests.gui.helpers import child, click, in_office
from tests.gui.test_editor import editor_for, session  # noqa: F401  (the fixture)
from tests.office.test_attachments import files_holding, platform_data


def real_pdf(path: Path) -> bytes:
    """A one-page A4 PDF drawn by Qt, with Chinese text on it."""
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait, QMarginsF()))
    painter = QPainter(writer)
    painter.setFont(QFont("Noto Sans CJK SC", 28))
    painter.drawText(QRectF(0, 800, writer.width(), 2000), Qt.AlignmentFlag.AlignHCenter, "安徽省科学技术厅\n关于认定省重点实验室的批复")
    painter.end()
    content = bytes(buffer.data())
    path.write_bytes(content)
    return content


def png(path: Path) -> bytes:
    image = QImage(320, 200, QImage.Format.Format_RGB32)
    image.fill(QColor("#2b6cb0"))
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    content = bytes(buffer.data())
    path.write_bytes(content)
    return content


def test_attach_save_and_preview_in_the_editor(qtbot, session, tmp_path):  # noqa: F811
    editor = editor_for(qtbot, session, "platform")
    for path, value in platform_data().items():
        row = editor.view.row_for(path)
        if row is not None:
            row.widget.set_value(value)
    editor._changed()
    field = editor.view.row_for("approval_files").widget
    document = real_pdf(tmp_path / "批复.pdf")
    photo = png(tmp_path / "铭牌.png")
    field.attach(str(tmp_path / "批复.pdf"))
    qtbot.waitUntil(lambda: field.list.count() == 1, timeout=10000)
    field.attach(str(tmp_path / "铭牌.png"))
    qtbot.waitUntil(lambda: field.list.count() == 2, timeout=10000)
    assert [e["media_type"] for e in field.value()] == ["application/pdf", "image/png"]
    with qtbot.waitSignal(editor.saved, timeout=10000):
        click(qtbot, child(editor, QPushButton, "saveFinal"))
    shown = in_office(qtbot, session, lambda records: records.show(editor.record_id))
    assert [e["name"] for e in shown["data"]["approval_files"]] == ["批复.pdf", "铭牌.png"]
    assert [e["size"] for e in shown["data"]["approval_files"]] == [len(document), len(photo)]

    editor.resize(1366, 768)
    child(editor, object, "editorScroll").ensureWidgetVisible(field)
    editor.grab().save(str(tmp_path / "editor.png"))
    field.list.setCurrentRow(0)
    click(qtbot, field.preview_button)
    preview = next(w for w in QApplication.topLevelWidgets() if w.objectName() == "attachmentPreview" and w.isVisible())
    qtbot.waitUntil(lambda: preview.document is not None and preview.document.pageCount() == 1, timeout=10000)
    qtbot.wait(800)  # pages are rendered in the background
    preview.grab().save(str(tmp_path / "preview.png"))
    preview.close()
    field.list.setCurrentRow(1)
    click(qtbot, field.preview_button)
    image = next(w for w in QApplication.topLevelWidgets() if w.objectName() == "attachmentPreview" and w.isVisible())
    assert not image.findChild(object, "imagePreview").pixmap().isNull()
    image.close()
    # Nothing decrypted was left on disk by attaching, saving or previewing.
    needle = document[len(document) // 2:len(document) // 2 + 48]
    assert files_holding(session.office.paths.root, needle) == []


def test_a_wrong_file_is_told_in_chinese_and_the_record_is_untouched(qtbot, session, tmp_path):  # noqa: F811
    editor = editor_for(qtbot, session, "platform")
    field = editor.view.row_for("approval_files").widget
    fake = tmp_path / "批复.pdf"
    fake.write_bytes(json.dumps({"not": "a pdf"}).encode() * 100)
    field.attach(str(fake))
    box = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible())
    assert "内容不是 PDF 文件" in box.text()
    box.close()
    assert field.list.count() == 0 and field.value() is None


def test_a_file_dropped_on_the_field_is_attached(qtbot, session, tmp_path):  # noqa: F811
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent

    editor = editor_for(qtbot, session, "platform")
    field = editor.view.row_for("approval_files").widget
    assert field.acceptDrops()
    content = png(tmp_path / "现场照片.png")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "现场照片.png"))])
    field.dropEvent(QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                               Qt.KeyboardModifier.NoModifier))
    qtbot.waitUntil(lambda: field.list.count() == 1, timeout=10000)
    assert field.value()[0]["size"] == len(content) and field.value()[0]["name"] == "现场照片.png"


def test_save_a_copy_writes_the_file_whole_where_the_clerk_chose(qtbot, session, tmp_path, monkeypatch):  # noqa: F811
    from PySide6.QtWidgets import QFileDialog

    editor = editor_for(qtbot, session, "platform")
    field = editor.view.row_for("approval_files").widget
    document = real_pdf(tmp_path / "批复.pdf")
    field.attach(str(tmp_path / "批复.pdf"))
    qtbot.waitUntil(lambda: field.list.count() == 1, timeout=10000)
    field.list.setCurrentRow(0)
    target = tmp_path / "out" / "副本.pdf"
    target.parent.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(target), ""))
    click(qtbot, field.save_button)
    assert target.read_bytes() == document
    assert [p.name for p in target.parent.iterdir()] == ["副本.pdf"]  # no partial file left beside it
