"""A valid example record of each form: the example row of Excel templates and the records
the frozen app's self-test saves. Data files, read through importlib.resources.

Each ``FORM.json`` holds the record's fields by id, as ``anhui-collect record add --form FORM
--file FORM.json`` reads them, so a clerk can start from one.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any


def example(form_id: str) -> dict[str, Any] | None:
    """The example data of ``form_id`` (a fresh copy), or None if there is none."""
    entry = resources.files("forms.examples").joinpath(f"{form_id}.json")
    if not entry.is_file():
        return None
    data = json.loads(entry.read_text(encoding="utf-8"))
    return dict(data)
