"""The forms' names, read without the forms engine.

A list of records names each record's form. Loading the registry for that imports and runs
every parser, rule and validator, a tenth of a second of a command that otherwise only reads
the store. The packaged definitions are known good (the registry refuses to start with a
broken one), so their labels are read straight from their JSON. A form the province
published can give a form a new label, but only if the registry accepts the file: when a
published form is present, the registry is loaded after all. Either way the answer is the
one ``load_registry(overrides_dir).forms()`` gives.
"""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path

# The registry refuses a bigger published file.
MAX_FILE_BYTES = 20 * 1024 * 1024


def form_labels(overrides_dir: str | os.PathLike[str] | None = None) -> dict[str, tuple[str, str]]:
    """Every form's (Chinese, English) label by form id, from its latest version."""
    if overrides_dir is not None and _publishes_forms(Path(overrides_dir)):
        from forms.registry import load_registry

        return {form.id: (form.label_zh, form.label_en) for form in load_registry(overrides_dir).forms()}
    latest: dict[str, tuple[int, str, str]] = {}
    for entry in resources.files("forms").joinpath("definitions").iterdir():
        if not entry.name.endswith(".json"):
            continue
        raw = json.loads(entry.read_text(encoding="utf-8"))
        form_id, version, label = raw["id"], raw["version"], raw["label"]
        if form_id not in latest or version > latest[form_id][0]:
            # An empty English label is the Chinese one, as the parser makes it.
            latest[form_id] = (version, label["zh"], label.get("en") or label["zh"])
    return {form_id: (zh, en) for form_id, (_version, zh, en) in latest.items()}


def _publishes_forms(folder: Path) -> bool:
    """Whether ``folder`` holds a file the registry could take for a form version."""
    if not folder.is_dir():
        return False
    for path in folder.rglob("*.json"):
        try:
            if not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
                continue
            raw = json.loads(path.read_text(encoding="utf-8-sig"))
        except (OSError, ValueError, RecursionError):
            continue  # the registry cannot read it either
        if isinstance(raw, dict) and raw.get("kind") == "form":
            return True
    return False
