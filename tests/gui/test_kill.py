"""A draft typed but never saved survives killing the process (SIGKILL, no clean-up)."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from desktop.services.autosave import Autosave
from desktop.store.office import Office
from tests.conftest import PASSPHRASE, ROOT
from tests.gui.draft_driver import NAME

# Longer than the editor's autosave delay (0.8 s after the last change), far shorter than
# its steady beat would need: this is the window in which a crash would lose typing.
AFTER_TYPING_S = 2.0


def driver(phase: str, data_dir: Path) -> subprocess.Popen:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT), ANHUI_COLLECT_HOME=str(data_dir))
    return subprocess.Popen([sys.executable, "-m", "tests.gui.draft_driver", phase, str(data_dir)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def read_line(proc: subprocess.Popen, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.5)
        if ready:
            line = proc.stdout.readline()
            if line:
                return line.strip()
        if proc.poll() is not None:
            break
    proc.kill()
    raise AssertionError(f"the driver said nothing (exit code {proc.poll()})")


def test_draft_survives_sigkill(office_dir: Path):
    typing = driver("type", office_dir)
    assert read_line(typing) == "TYPED"
    time.sleep(AFTER_TYPING_S)
    typing.send_signal(signal.SIGKILL)
    assert typing.wait(10) == -signal.SIGKILL

    # The typing is in the encrypted store, and nowhere as plaintext beside it.
    with Office.unlock(office_dir, None, PASSPHRASE) as office:
        kept = Autosave(office).get("enterprise", None)
        assert kept == {"name": NAME}
        assert office.db.execute("SELECT count(*) FROM records").fetchone()[0] == 0
    for path in office_dir.rglob("*"):
        if path.is_file():
            assert NAME.encode("utf-8") not in path.read_bytes(), path

    restoring = driver("restore", office_dir)
    assert json.loads(read_line(restoring)) == {"name": NAME}
    assert restoring.wait(30) == 0
