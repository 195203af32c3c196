"""Run every benchmark, print the table, and write bench/RESULTS.md.

    python -m bench.run            # all benchmarks
    python -m bench.run symmetric  # only some (module names without bench_)

Each benchmark compares psacrypto with the fastest direct call measured in the
same run and states the issue's target; the exit status is 1 if a target is missed.
"""

from __future__ import annotations

import datetime
import gc
import importlib
import pathlib
import pkgutil
import sys

from .common import Row, machine, table

HERE = pathlib.Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    modules = pkgutil.iter_modules([str(HERE)])
    names = argv or sorted(m.name[6:] for m in modules if m.name.startswith("bench_"))
    rows: list[Row] = []
    notes: list[str] = []
    for name in names:
        gc.collect()  # no garbage from the previous benchmark left for this one to pay for
        module = importlib.import_module(f"bench.bench_{name}")
        print(f"# {name}", flush=True)
        result = module.run()
        rows.extend(result)
        notes.extend(getattr(module, "NOTES", []))
        print(table(result), flush=True)
    text = "\n".join(
        [
            "# Benchmark results",
            "",
            f"Machine: {machine()}. Date: {datetime.date.today().isoformat()}.",
            "Command: `python -m bench.run`. Times are the best of several repeats, per call.",
            "",
            table(rows),
            "",
            *notes,
            "",
        ]
    )
    if not argv:
        (HERE / "RESULTS.md").write_text(text)
    return 0 if all(r.ok for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
