"""Timestamps as the store writes them: UTC, ISO 8601, microseconds for ordering."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
