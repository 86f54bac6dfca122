"""Real provincial endpoints for the tests: ``anhui-province serve`` processes on loopback,
on a SQLite file or on a throwaway PostgreSQL cluster."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
PROVINCE = [sys.executable, "-m", "province.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout: float = 90.0, proc: subprocess.Popen[bytes] | None = None,
              verify: object = True) -> None:
    # A server process starts in about a second on an idle machine and has taken over 30 s
    # on a loaded one; a server that died is noticed at once through ``proc``.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            requests.get(url, timeout=1, verify=verify)  # type: ignore[arg-type]
            return
        except requests.RequestException:
            time.sleep(0.05)
    raise TimeoutError(f"{url} did not come up")


class ProvinceServer:
    """One province: a data dir, a database URL, and server processes started on demand."""

    def __init__(self, data_dir: Path, database_url: str | None = None) -> None:
        self.data_dir = data_dir
        self.database_url = database_url
        self.procs: list[subprocess.Popen[bytes]] = []
        self.port = 0
        self.scheme = "http"
        self.logs: list[Path] = []

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def base_args(self) -> list[str]:
        args = ["--data-dir", str(self.data_dir)]
        if self.database_url:
            args += ["--database-url", self.database_url]
        return args

    def start(self, *extra: str, env: dict[str, str] | None = None, port: int | None = None,
              tls: tuple[Path, Path] | None = None, ca: Path | None = None) -> subprocess.Popen[bytes]:
        """Start one more server process (on a new port unless given); wait until it answers."""
        self.port = port or free_port()
        args = [*PROVINCE, *self.base_args(), "serve", "--port", str(self.port),
                "--log-level", "warning", *extra]
        if tls:
            args += ["--tls-cert", str(tls[0]), "--tls-key", str(tls[1])]
            self.scheme = "https"
        log = self.data_dir.parent / f"server-{len(self.logs)}.log"
        self.logs.append(log)
        full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
        with open(log, "wb") as fh:
            proc = subprocess.Popen(args, stdout=fh, stderr=subprocess.STDOUT, env=full_env,
                                    cwd=ROOT)
        self.procs.append(proc)
        wait_http(self.url + "/healthz", proc=proc, verify=str(ca) if ca else True)
        return proc

    def kill(self, proc: subprocess.Popen[bytes] | None = None) -> None:
        """SIGKILL a server process (the last started by default) and reap it."""
        proc = proc or self.procs[-1]
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs.clear()

    def cli(self, *args: str) -> str:
        """Run an admin command in this process (same code as the console script); stdout."""
        from province.cli import main

        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = main([*self.base_args(), *args])
        if code != 0:
            raise RuntimeError(f"anhui-province {' '.join(args)} exited {code}")
        return out.getvalue()

    def cli_process(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run an admin command as a real ``anhui-province`` process."""
        exe = Path(sys.executable).parent / "anhui-province"
        cmd = [str(exe)] if exe.exists() else PROVINCE
        return subprocess.run([*cmd, *self.base_args(), *args], capture_output=True, text=True,
                              timeout=120, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})

    def query(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        """Read the province's database directly (to check what was, or was not, stored)."""
        from province.db import Database

        db = Database(self.database_url or str(self.data_dir / "province.sqlite3"))
        try:
            return db.run(lambda tx: tx.rows(sql, params), write=False)
        finally:
            db.close()

    def execute(self, sql: str, params: tuple[object, ...] = ()) -> int:
        """Change the province's database directly (to stage what no command can make)."""
        from province.db import Database

        db = Database(self.database_url or str(self.data_dir / "province.sqlite3"))
        try:
            return db.run(lambda tx: tx.execute(sql, params))
        finally:
            db.close()

    def log_text(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in self.logs if p.exists())


class PostgresCluster:
    """A throwaway PostgreSQL cluster (initdb in a temp dir, run as the postgres user)."""

    def __init__(self, bindir: Path, *, durable: bool = False) -> None:
        self.bindir = bindir
        self.durable = durable
        """fsync on, as in production (off by default: the tests need speed, not disks)."""
        self.root = Path(tempfile.mkdtemp(prefix="anhui-pg-"))
        self.port = free_port()
        self.counter = 0
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            # PostgreSQL refuses to run as root; hand the folder to the postgres user.
            shutil.chown(self.root, "postgres", "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        data = self.root / "data"
        self._run(str(self.bindir / "initdb"), "-D", str(data), "-U", "postgres",
                  "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C")
        opts = (f"-c listen_addresses=127.0.0.1 -c port={self.port} "
                f"-c unix_socket_directories={self.root} "
                f"-c fsync={'on' if self.durable else 'off'} "
                "-c max_connections=200 -c shared_buffers=32MB")
        self._run(str(self.bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-w", "-t", "60",
                  "-l", str(self.root / "pg.log"), "start")

    def restart(self) -> None:
        """Restart the server (fast shutdown: open transactions are rolled back, connections
        dropped), as an operator restarting PostgreSQL under load would."""
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"), "-m", "fast",
                  "-w", "-t", "60", "-l", str(self.root / "pg.log"), "restart")

    def new_database(self) -> str:
        import psycopg

        self.counter += 1
        name = f"province_{self.counter}"
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            # As docs/province.md advises: a UTF-8 LC_CTYPE, so trigram search sees Chinese.
            try:
                conn.execute(f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' "
                             "LC_COLLATE 'C' LC_CTYPE 'C.UTF-8'")
            except psycopg.errors.InvalidParameterValue:
                conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def url(self, name: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"), "-m",
                      "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


def find_postgres() -> Path | None:
    """The newest PostgreSQL server binaries installed (Debian layout), or None."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0)
    return candidates[-1].parent if candidates else None


@contextlib.contextmanager
def running(server: ProvinceServer, *extra: str, **kwargs: object) -> Iterator[ProvinceServer]:
    server.start(*extra, **kwargs)  # type: ignore[arg-type]
    try:
        yield server
    finally:
        server.stop()
