"""Province-scale load: Anhui's county-level units and parks syncing at once, with faults.

:class:`LoadRun` starts a real province (PostgreSQL, several worker processes), enrolls one
office per county-level unit and park of the division table (a second office in 蜀山区 makes
the 120th), gives each office its records, and has them all sync concurrently from several
client processes. With ``faults`` the offices reach the province through a proxy that drops
answers, hangs up on requests and delays them, while a worker process is killed twice and
PostgreSQL is restarted. Afterwards :meth:`LoadRun.verify` proves every office converged, the
province holds every version exactly once and the log is one consistent log.

Used by the bounded load test (``make test``) and the province benchmark (``make bench``).
"""

from __future__ import annotations

import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sync import merkle
from sync.client import enroll
from sync.encoding import b64encode
from sync.keys import generate_private_key
from sync.protocol import Receipt
from sync.receipts import verify_checkpoint
from sync.trust import ProvinceTrust
from tests.sync.office_double import OfficeDouble
from tests.sync.offices import FAST, assert_consistent, version
from tests.sync.proxy import LossyProxy
from tests.sync.servers import ROOT, PostgresCluster, ProvinceServer

MIB = 1024 * 1024


def anhui_offices(count: int) -> list[str]:
    """Org units of ``count`` offices: Anhui's county-level units and parks, in table order,
    then second offices in the same units (in the same order) if more are asked for."""
    import forms

    units = [u.code for u in forms.load_registry().org_units() if u.level in ("county", "park")]
    return [units[i % len(units)] for i in range(count)]


def server_processes(pid: int) -> list[int]:
    """The serve process and its worker processes."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        return [pid, *(int(c) for c in children.read_text().split())]
    except OSError:
        return [pid]


def rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


@dataclass
class LoadResult:
    offices: int
    records: int
    workers: int
    seconds: float
    batches: int
    latencies: list[float]
    peak_server_bytes: int
    sync_attempts: int
    errors: list[str]
    faults: list[str] = field(default_factory=list)
    proxy_actions: dict[str, int] = field(default_factory=dict)

    @property
    def records_per_second(self) -> float:
        return self.records / self.seconds

    def latency(self, q: float) -> float:
        """The q-quantile (0..1) of batch latency in seconds, send to receipt."""
        if not self.latencies:
            return float("nan")
        if len(self.latencies) == 1:
            return self.latencies[0]
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[round(q * 100) - 1]


class LoadRun:
    """One load run; call :meth:`setup`, :meth:`run`, :meth:`verify`, then :meth:`close`."""

    def __init__(self, folder: Path, cluster: PostgresCluster | None, *, offices: int,
                 versions: int, workers: int = 4, client_processes: int = 4,
                 batch_versions: int = 500, faults: bool = False, seed: int = 13,
                 deadline: float = 900.0) -> None:
        self.folder = folder
        self.cluster = cluster
        self.offices = offices
        self.versions = versions
        self.workers = workers
        self.client_processes = client_processes
        self.batch_versions = batch_versions
        self.faults = faults
        self.random = random.Random(seed)
        self.deadline = deadline
        self.server = ProvinceServer(folder / "province",
                                     cluster.new_database() if cluster else None)
        self.proxy: LossyProxy | None = None
        self.stores: list[Path] = []
        self.fault_log: list[str] = []

    # -- setup -------------------------------------------------------------------------
    def setup(self) -> None:
        """Start the province, enroll every office and fill its outbox."""
        # Every office connects from loopback here: the per-address limit would only measure
        # itself. The per-device limit stays as in production.
        self.server.start("--workers", str(self.workers), "--rate-per-address", "0",
                          "--max-batch-versions", str(self.batch_versions))
        codes = self._issue_codes(anhui_offices(self.offices))
        with ThreadPoolExecutor(8) as pool:
            self.stores = list(pool.map(self._new_office, enumerate(codes)))
        if self.faults:
            self.proxy = LossyProxy(self.server.port, self._decide)

    def _issue_codes(self, org_units: list[str]) -> list[tuple[str, str]]:
        from province.context import Province, Settings
        from province.enrollment import issue_code

        province = Province.open(Settings.make(self.server.data_dir, self.server.database_url))
        try:
            return [(org, issue_code(province, org, 2)[0]) for org in org_units]
        finally:
            province.close()

    def _new_office(self, item: tuple[int, tuple[str, str]]) -> Path:
        i, (org_unit, code) = item
        key = generate_private_key()
        result = enroll(self.server.url, code, key, org_unit=org_unit, options=FAST)
        path = self.folder / f"office-{i:03d}.db"
        store = OfficeDouble(path)
        store.setup(result.device_id, key, [result.province_public_key], org_unit)
        store.add_versions([version(org_unit, n) for n in range(self.versions)])
        store.conn.close()
        return path

    def _decide(self, method: str, path: str, n: int) -> str:
        # A few fixed faults on the first batches, so each kind happens in any run...
        fixed = {2: "drop", 3: "reset", 4: "delay:1.0", 5: "drop", 7: "reset"}
        if path == "/v1/batches" and n in fixed:
            return fixed[n]
        # ...and random ones throughout.
        roll = self.random.random()
        if roll < 0.04:
            return "drop"
        if roll < 0.07:
            return "reset"
        if roll < 0.15:
            return f"delay:{self.random.uniform(0.2, 1.5):.2f}"
        return "pass"

    # -- the run -----------------------------------------------------------------------
    def run(self) -> LoadResult:
        """Sync every office at once (injecting faults if asked); measure; wait for all."""
        url = self.proxy.url if self.proxy else self.server.url
        groups = [self.stores[i::self.client_processes] for i in range(self.client_processes)]
        stop = threading.Event()
        peak = [0]
        monitor = threading.Thread(target=self._monitor, args=(stop, peak), daemon=True)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        deadline = time.time() + self.deadline
        started = time.monotonic()
        monitor.start()
        clients = [subprocess.Popen(
            [sys.executable, "-m", "tests.sync.load_client", url, str(deadline),
             *map(str, group)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
            env=env) for group in groups if group]
        outputs = [c.communicate(timeout=self.deadline + 120) for c in clients]
        elapsed = time.monotonic() - started
        stop.set()
        monitor.join(timeout=10)
        results: dict[str, Any] = {}
        for client, (out, err) in zip(clients, outputs, strict=True):
            if client.returncode != 0:
                raise RuntimeError(f"load client failed: {err.decode()[-2000:]}")
            results.update(json.loads(out.decode().strip().splitlines()[-1]))
        latencies = [x for r in results.values() for x in r["latencies"]]
        errors = [e for r in results.values() for e in r["errors"]]
        return LoadResult(
            self.offices, self.offices * self.versions, self.workers, elapsed,
            len(latencies), latencies, peak[0], sum(r["attempts"] for r in results.values()),
            errors, list(self.fault_log), dict(self.proxy.actions) if self.proxy else {})

    def _stored(self) -> int:
        try:
            return int(self.server.query("SELECT COUNT(*) FROM record_versions")[0][0])  # type: ignore[call-overload]
        except Exception:
            return -1  # PostgreSQL is restarting

    def _monitor(self, stop: threading.Event, peak: list[int]) -> None:
        # Faults come at fixed shares of the work done, so they land mid-run at any speed.
        plan = [(0.25, "kill_worker"), (0.5, "restart_postgres"), (0.7, "kill_worker")]
        total = self.offices * self.versions
        while not stop.wait(0.2):
            pids = server_processes(self.server.procs[-1].pid)
            peak[0] = max(peak[0], sum(rss(p) for p in pids))
            if not (self.faults and plan):
                continue
            share, fault = plan[0]
            done = self._stored()
            if done < share * total:
                continue
            plan.pop(0)
            if fault == "kill_worker" and len(pids) > 1:
                victim = self.random.choice(pids[1:])
                os.kill(victim, signal.SIGKILL)
                self.fault_log.append(f"worker {victim} killed at {done} records")
            elif fault == "restart_postgres" and self.cluster is not None:
                self.cluster.restart()
                self.fault_log.append(f"PostgreSQL restarted at {done} records")

    # -- proof -------------------------------------------------------------------------
    def verify(self) -> None:
        """Every office converged; every version held once; one consistent, signed log."""
        total = self.offices * self.versions
        rows, distinct = self.server.query(
            "SELECT COUNT(*), COUNT(DISTINCT version_id) FROM record_versions")[0]
        assert (rows, distinct) == (total, total), (rows, distinct, total)
        for path in self.stores:
            store = OfficeDouble(path)
            try:
                assert store.pending_count() == 0, f"{path.name} did not converge"
                assert_consistent(self.server, store)
            finally:
                store.conn.close()
        leaves = self.server.query("SELECT log_index, leaf_hash FROM log_entries "
                                   "ORDER BY log_index")
        assert [r[0] for r in leaves] == list(range(len(leaves)))
        batches = self.server.query("SELECT log_index, receipt, envelope FROM batches ORDER BY log_index")
        assert [r[0] for r in batches] == list(range(len(leaves)))
        for (index, receipt, envelope), (_, leaf) in zip(batches, leaves, strict=True):
            entry = _entry(bytes(receipt), bytes(envelope))  # type: ignore[arg-type]
            assert merkle.leaf_hash(entry.leaf()) == bytes(leaf), index  # type: ignore[arg-type]
        keys = self.server.query("SELECT public_key FROM province_keys")
        trust = ProvinceTrust([b64encode(bytes(k[0])) for k in keys])  # type: ignore[arg-type]
        newest = self.server.query("SELECT envelope FROM checkpoints "
                                   "ORDER BY tree_size DESC LIMIT 1")[0][0]
        checkpoint = verify_checkpoint(bytes(newest), trust.lookup)  # type: ignore[arg-type]
        assert checkpoint.tree_size == len(leaves)
        root = merkle.root_from_leaves([bytes(r[1]) for r in leaves])  # type: ignore[arg-type]
        assert root.hex() == checkpoint.root_hash

    def close(self) -> None:
        if self.proxy is not None:
            self.proxy.close()
        self.server.stop()


def _entry(receipt: bytes, batch_envelope: bytes) -> Any:
    """The log entry a stored receipt states: in full (version 1) or told against its batch
    (a compact version 2 receipt)."""
    from sync import dsse
    from sync.compact import CompactReceipt, parse_batch

    body = json.loads(_payload(receipt))
    if body.get("protocol") != 2:
        return Receipt.from_json(body).entry
    batch = dsse.parse(batch_envelope)
    payload = parse_batch(batch.payload_type, batch.payload, max_bytes=64 * 1024 * 1024)
    return CompactReceipt.from_json(body).expand(payload).entry


def _payload(envelope: bytes) -> bytes:
    from sync import dsse

    return dsse.parse(envelope).payload
