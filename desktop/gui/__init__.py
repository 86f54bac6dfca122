"""The Qt desktop GUI. The only part of the project that imports PySide6."""

from desktop.gui.compat import guard_singletons

# Done on import, before any other Qt call can steal a reference (see compat.py): the
# guard must precede the first call, and every entry point imports this package first.
guard_singletons()
