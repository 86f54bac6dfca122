"""Form versions and reference data published by the province, as files the forms
registry reads (``forms.load_registry(published_dir(data_dir))``)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from sync.fsutil import write_atomic

NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def published_dir(data_dir: str | os.PathLike[str]) -> Path:
    return Path(data_dir) / "published"


def write_published_file(data_dir: str | os.PathLike[str], kind: str, body: dict[str, Any]) -> Path | None:
    """Write one verified update's content; names are checked so no path can escape."""
    folder = published_dir(data_dir)
    if kind == "form_version":
        name, version, content = body.get("form_id"), body.get("version"), body.get("definition")
        sub = "forms"
    else:
        name, version, content = body.get("name"), body.get("version"), body.get("content")
        sub = "reference"
    if not (isinstance(name, str) and NAME.match(name) and isinstance(version, int) and 0 < version < 10**6):
        return None
    if isinstance(content, str):
        target, data = folder / sub / f"{name}.v{version}.csv", content.encode("utf-8")
    elif isinstance(content, dict):
        target, data = folder / sub / f"{name}.v{version}.json", json.dumps(content, ensure_ascii=False, indent=1).encode("utf-8")
    else:
        return None
    write_atomic(target, data, mode=0o644)
    return target
