"""How a yearly report (the annual report) belongs to its subject (the enterprise), for the
reporting periods (填报期): the office and the province both match reports to subjects this way.

A report names its subject by its record reference or, failing that, by the subject part of the
form's key (the credit code), as an imported sheet links it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from forms.keys import fold_key


@dataclass(frozen=True)
class ReportLink:
    """The fields that tie a yearly form's report to its subject record."""

    year_field: str
    ref_field: str
    subject_form: str
    report_key: tuple[str, ...]   # the report's key fields other than the year
    subject_key: tuple[str, ...]  # the same fields as the subject form names them

    def report_handles(self, data: dict[str, Any]) -> list[str]:
        """The handles a report's data names its subject by (record id, then key)."""
        return [h for h in (data.get(self.ref_field), _key(data, self.report_key)) if isinstance(h, str) and h]

    def subject_handles(self, record_id: str, data: dict[str, Any]) -> list[str]:
        """The handles a subject record is found by (record id, then key)."""
        return [h for h in (record_id, _key(data, self.subject_key)) if h]


def report_link(form: Any) -> ReportLink | None:
    """How ``form``'s reports name their subject, or None when it is not a yearly form with a
    record reference."""
    year_id = form.key_year()
    ref = next((f for f in form.fields if f.type == "record_ref" and f.ref_form), None)
    if year_id is None or ref is None:
        return None
    report_key = tuple(n for n in form.key_fields() if n != year_id)
    fill = ref.fill or {}
    return ReportLink(year_id, ref.id, str(ref.ref_form), report_key, tuple(fill.get(n, n) for n in report_key))


def _key(data: dict[str, Any], fields: tuple[str, ...]) -> str | None:
    parts = [fold_key(data.get(n)) for n in fields]
    return "key:" + " | ".join(parts) if fields and all(parts) else None
