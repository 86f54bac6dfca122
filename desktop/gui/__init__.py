"""The Qt desktop GUI. The only part of the project that imports PySide6."""
