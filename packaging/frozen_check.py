"""Start the frozen app's window on a virtual screen, screenshot it, and list every network
connection it attempted (there must be none: it talks to the province only when asked).

    python packaging/frozen_check.py dist/anhui-collect --screenshot docs/screenshots/frozen-linux.png
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

INET_CONNECT = re.compile(r"connect\(\d+, \{sa_family=AF_INET6?,")


def free_display() -> int:
    for n in range(90, 200):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            return n
    raise RuntimeError("no free X display")


def check(bundle: Path, screenshot: Path, wait: float = 20.0) -> tuple[bool, list[str]]:
    """(window shown, network connects attempted) for the frozen app's first start."""
    exe = bundle / "anhui-collect"
    display = free_display()
    xvfb = subprocess.Popen(["Xvfb", f":{display}", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    home = Path(tempfile.mkdtemp(prefix="frozen-home-"))
    trace = home / "strace.txt"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "QT_QPA"))}
    env.update(DISPLAY=f":{display}", ANHUI_COLLECT_HOME=str(home / "office"), HOME=str(home))
    app = None
    try:
        time.sleep(1.0)
        app = subprocess.Popen(["strace", "-f", "-qq", "-e", "trace=connect", "-o", str(trace), str(exe)],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shown = False
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and app.poll() is None:
            found = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "."], env=env,
                                   capture_output=True, text=True)
            if found.stdout.strip():
                shown = True
                time.sleep(2.0)  # let it paint
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                subprocess.run(["import", "-display", f":{display}", "-window", "root", str(screenshot)], check=True)
                break
            time.sleep(0.5)
    finally:
        if app is not None and app.poll() is None:
            app.send_signal(signal.SIGTERM)
            try:
                app.wait(timeout=10)
            except subprocess.TimeoutExpired:
                app.kill()
        xvfb.terminate()
        xvfb.wait(timeout=10)
    connects = [line for line in trace.read_text(errors="replace").splitlines() if INET_CONNECT.search(line)] if trace.exists() else []
    shutil.rmtree(home, ignore_errors=True)
    return shown, connects


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("bundle", type=Path)
    parser.add_argument("--screenshot", type=Path, required=True)
    args = parser.parse_args()
    shown, connects = check(args.bundle, args.screenshot)
    print(f"window shown: {shown}; screenshot: {args.screenshot if shown else '-'}")
    print(f"network connections attempted at start: {len(connects)}")
    for line in connects:
        print("  " + line)
    return 0 if shown and not connects else 1


if __name__ == "__main__":
    sys.exit(main())
