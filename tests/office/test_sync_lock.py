"""One sync at a time per office: a second one says so (never "unexpected error"), and a
sync that was killed leaves nothing behind that blocks the next."""

import os
import signal
import subprocess
import sys
import textwrap

from desktop.services.sync_office import enroll_office
from tests.conftest import PASSPHRASE, ROOT, run_cli
from tests.office.conftest import enterprise
from tests.office.test_enrollment_recovery import code_for

# A real sync that stops in the middle (inside its progress callback) until it is killed.
STUCK_SYNC = textwrap.dedent(
    """
    import sys, threading
    from desktop.store.office import Office
    from desktop.services.sync_office import sync_office
    office = Office.unlock(sys.argv[1], None, sys.argv[2])
    def progress(p):
        print(p.step, flush=True)
        threading.Event().wait()
    sync_office(office, progress=progress)
    """
)


def test_second_sync_is_told_one_is_running_and_a_killed_sync_does_not_block(office, service, province):
    enroll_office(office, province.url, code_for(province, "340104"))
    service.add("enterprise", enterprise(7), final=True)
    office.close()
    first = subprocess.Popen([sys.executable, "-c", STUCK_SYNC, str(office.paths.root), PASSPHRASE],
                             stdout=subprocess.PIPE, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    try:
        assert first.stdout.readline().strip() == "config"  # the first sync is under way
        second = run_cli(office.paths.root, "sync")
        assert second.returncode == 1, second.stderr
        assert "已有一个同步正在进行" in second.stderr and "意外" not in second.stderr
        english = run_cli(office.paths.root, "sync", ANHUI_COLLECT_LANG="en")
        assert "A sync is already running" in english.stderr
        enrol = run_cli(office.paths.root, "enroll", "--endpoint", province.url, "--code", "X", "--new-key")
        assert "已有一个同步正在进行" in enrol.stderr  # no new key in the middle of a sync either
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    # The killed process held the lock; the kernel let go of it with the process.
    third = run_cli(office.paths.root, "sync")
    assert third.returncode == 0, third.stderr
    assert "接收 1" in third.stdout
