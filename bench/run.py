"""Run every benchmark, print the table, and write bench/RESULTS.md.

    python -m bench.run            # all benchmarks
    python -m bench.run symmetric  # only some (module names without bench_)

Each benchmark compares psacrypto with the fastest direct call measured in the
same run and states the issue's target; the exit status is 1 if a target is missed.
"""

from __future__ import annotations

import dataclasses
import datetime
import importlib
import json
import pathlib
import pkgutil
import subprocess
import sys

from .common import Row, machine, table

HERE = pathlib.Path(__file__).resolve().parent


def run_one(name: str) -> int:
    """Run one benchmark module and print its rows and notes as JSON (last line)."""
    module = importlib.import_module(f"bench.bench_{name}")
    result = module.run()
    payload = {
        "rows": [dataclasses.asdict(r) for r in result],
        "notes": list(getattr(module, "NOTES", [])),
    }
    print(json.dumps(payload))
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["--one"]:
        return run_one(argv[1])
    modules = pkgutil.iter_modules([str(HERE)])
    names = argv or sorted(m.name[6:] for m in modules if m.name.startswith("bench_"))
    rows: list[Row] = []
    notes: list[str] = []
    for name in names:
        # Each benchmark runs in a fresh interpreter, so none pays for another's
        # heap, threads or servers.
        print(f"# {name}", flush=True)
        out = subprocess.run(
            [sys.executable, "-m", "bench.run", "--one", name],
            cwd=HERE.parent,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        data = json.loads(out.splitlines()[-1])
        result = [Row(**r) for r in data["rows"]]
        rows.extend(result)
        notes.extend(data["notes"])
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
