"""``make bench``: every benchmark table. ``--sizes 1000,10000`` for a quicker run."""

from __future__ import annotations

import argparse
import importlib

SUITES = ["tests.bench.store", "tests.bench.exchange", "tests.bench.progress", "tests.sync.bench", "tests.bench.gui",
          "tests.bench.bulk", "tests.bench.console", "tests.bench.province_load"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--only", default=None, help="run one suite, e.g. store")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    for name in SUITES:
        if args.only and not name.endswith(args.only):
            continue
        print(importlib.import_module(name).run(sizes), flush=True)


if __name__ == "__main__":
    main()
