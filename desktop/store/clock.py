"""Timestamps as the store writes them: UTC, ISO 8601, microseconds for ordering; and as a
clerk reads them, in Beijing time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

BEIJING = timezone(timedelta(hours=8))


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def beijing_time(utc: str) -> datetime | str:
    """A stored UTC time (``...Z``) as Beijing wall-clock time, to the second."""
    try:
        moment = datetime.fromisoformat(utc.replace("Z", "+00:00"))
    except ValueError:
        return utc
    if moment.tzinfo is None:
        return utc
    return moment.astimezone(BEIJING).replace(tzinfo=None, microsecond=0)
