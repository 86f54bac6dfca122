"""The province's clock: UTC ISO 8601 with microseconds. Only the province's clock counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def utc_now() -> str:
    """Now, as the province writes times."""
    return format_time(datetime.now(UTC))


def format_time(moment: datetime) -> str:
    """A UTC datetime in the protocol's time format."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def in_hours(hours: float) -> str:
    """The time ``hours`` from now."""
    return format_time(datetime.now(UTC) + timedelta(hours=hours))
