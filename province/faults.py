"""Crash points for the reliability tests: kill the process at a named step, for real.

Set ``ANHUI_PROVINCE_FAULT=<point>[:<n>]`` and the server exits abruptly (``os._exit``, no
cleanup, as SIGKILL would) the ``n``-th time (default first) it reaches ``<point>``. Points:
``after_versions`` and ``before_commit`` (inside the batch transaction), ``after_commit``
(committed, reply not yet sent). Unset, :func:`hit` does nothing.
"""

from __future__ import annotations

import os
import threading

_lock = threading.Lock()
_hits: dict[str, int] = {}


def hit(point: str) -> None:
    """Exit the process here if the fault setting names this point (and its count is due)."""
    setting = os.environ.get("ANHUI_PROVINCE_FAULT")
    if not setting:
        return
    name, _, count = setting.partition(":")
    if name != point:
        return
    with _lock:
        _hits[point] = _hits.get(point, 0) + 1
        if _hits[point] == int(count or 1):
            os._exit(137)
