"""What one request may cost the province, as operator settings, and the rate limiters.

Every limit is a field of :class:`Limits` (name, type, default, description); each can be set
as an ``anhui-province serve`` option or as ``ANHUI_PROVINCE_<NAME>`` in the environment, and
``docs/province.md`` lists them. The limits are enforced before any route runs
(:mod:`province.guard`) and by the HTTP protocol (:mod:`province.server`), so every route,
the staff console's included, is covered without knowing about them.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field, fields
from typing import Any

MIB = 1024 * 1024


def _limit(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Limits:
    """Request, connection and rate limits of one server process."""

    max_body_bytes: int = _limit(
        8 * MIB, "请求体最大字节数（传输时和解压后都不得超过）")
    max_decompression_ratio: int = _limit(
        20, "解压后超过 1 MiB 的 gzip 请求体，最多可以是压缩大小的多少倍")
    max_inflight_body_bytes: int = _limit(
        32 * MIB, "一个进程同时在内存中保留的请求体字节数；超出的请求排队等待")
    header_timeout: float = _limit(
        10.0, "连接发送请求头最多可用的秒数")
    body_timeout: float = _limit(
        30.0, "请求体两段数据之间最多可停顿的秒数")
    request_timeout: float = _limit(
        300.0, "请求体总共最多可用的秒数")
    max_connections: int = _limit(
        512, "每个进程最多保持的连接数；超出的连接立即关闭")
    rate_per_address: float = _limit(
        20.0, "每个客户端地址每秒的请求数（持续速率）；0 表示不限")
    burst_per_address: int = _limit(
        200, "每个客户端地址在速率限制生效前可一次发出的请求数")
    rate_per_device: float = _limit(
        5.0, "每台设备每秒的签名请求数（持续速率）；0 表示不限")
    burst_per_device: int = _limit(
        60, "每台设备在速率限制生效前可一次发出的签名请求数")
    nonce_lifetime: float = _limit(
        300.0, "省里签发的一次性随机数（nonce）可用于一次签名读取请求的秒数")

    @staticmethod
    def env_name(name: str) -> str:
        """The environment variable of limit ``name``."""
        return "ANHUI_PROVINCE_" + name.upper()

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Limits:
        """The limits set in the environment, defaults for the rest (refusing bad values)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(cls.env_name(f.name))
            if raw:
                values[f.name] = parse_limit(f.name, raw)
        return cls(**values)

    def to_env(self) -> dict[str, str]:
        """The environment that makes :meth:`from_env` give these limits (for workers)."""
        return {self.env_name(f.name): str(getattr(self, f.name)) for f in fields(self)}


def parse_limit(name: str, raw: str) -> int | float:
    """A limit's value from text: a number of the limit's type, never negative or NaN."""
    kind = {f.name: f.type for f in fields(Limits)}[name]
    try:
        value: int | float = int(raw) if kind in (int, "int") else float(raw)
    except ValueError:
        raise ValueError(f"{name} 应为{'整数' if kind in (int, 'int') else '数字'}，而不是 {raw!r}") from None
    if not math.isfinite(value) or value < 0 or value > 10**12:
        raise ValueError(f"{name} 应在 0 到 10^12 之间，而不是 {raw!r}")
    rates = ("rate_per_address", "rate_per_device")
    if value == 0 and name not in rates:
        raise ValueError(f"{name} 应大于 0")
    return value


class RateLimiter:
    """Token buckets by key (a client address or a device): ``rate`` per second, ``burst`` at once.

    Buckets live in this process's memory, so with several processes each allows the rate on
    its own; the least recently used buckets are dropped beyond ``max_keys``, which bounds the
    memory an attacker with many addresses can make it use.
    """

    def __init__(self, rate: float, burst: int, *, max_keys: int = 100_000,
                 clock: Any = time.monotonic) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self.max_keys = max_keys
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """Spend one token of ``key``; return 0 if allowed, else the seconds until one is due."""
        if self.rate <= 0:
            return 0.0
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.pop(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            wait = 0.0
            if tokens >= 1.0:
                tokens -= 1.0
            else:
                wait = (1.0 - tokens) / self.rate
            self._buckets[key] = (tokens, now)
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
            return wait


def retry_after(wait: float) -> int:
    """Whole seconds for a ``Retry-After`` header (at least 1)."""
    return max(1, math.ceil(wait))
