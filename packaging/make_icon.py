"""Draw the app icon (a blue rounded square with 皖 and a rising bar) to app.png and app.ico.

Run once when the icon changes; the PNG and ICO are kept in the repository as assets.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QRectF, Qt  # noqa: E402
from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter, QPainterPath  # noqa: E402

HERE = Path(__file__).resolve().parent


def draw(size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    path = QPainterPath()
    path.addRoundedRect(QRectF(0, 0, size, size), size * 0.18, size * 0.18)
    p.fillPath(path, QColor("#1f5fae"))
    p.fillRect(QRectF(size * 0.62, size * 0.55, size * 0.12, size * 0.3), QColor("#7fd1ff"))
    p.fillRect(QRectF(size * 0.78, size * 0.35, size * 0.12, size * 0.5), QColor("#ffffff"))
    font = QFont("Noto Sans CJK SC")
    font.setPixelSize(int(size * 0.55))
    font.setBold(True)
    p.setFont(font)
    p.setPen(QColor("#ffffff"))
    p.drawText(QRectF(size * 0.04, 0, size * 0.62, size), Qt.AlignmentFlag.AlignCenter, "皖")
    p.end()
    return image


def main() -> int:
    QGuiApplication(sys.argv)
    draw(256).save(str(HERE / "app.png"))
    if not draw(256).save(str(HERE / "app.ico")):
        print("this Qt cannot write .ico; app.png written only", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
