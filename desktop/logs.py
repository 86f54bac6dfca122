"""The app's log file, in the user log folder. It records what failed and where, never
field values: tracebacks are kept, but the locals they could show are not."""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path

from desktop.paths import log_dir


def log_unexpected() -> Path:
    """Append the current exception's traceback to the log; return the log's path."""
    folder = log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "anhui-collect.log"
    logger = logging.getLogger("anhui_collect.unexpected")
    # One handler per log file: the folder can change within a process (another office's
    # data folder, or tests), and the record must land where this call says.
    if not any(getattr(h, "baseFilename", None) == str(path.resolve()) for h in logger.handlers):
        for old in list(logger.handlers):
            logger.removeHandler(old)
            old.close()
        handler = logging.FileHandler(path, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        logger.addHandler(handler)
        logger.propagate = False
    # format_exc prints the exception's message too; our messages name ids, not values,
    # but SQLite's can quote a statement, so keep only the type and the stack.
    exc_type, _, tb = sys.exc_info()
    stack = "".join(traceback.format_tb(tb))
    logger.error("unexpected %s\n%s", exc_type.__name__ if exc_type else "error", stack)
    return path
