"""Timing helpers shared by the benchmarks.

Every figure is the best of several repeats (the least disturbed run), in
microseconds per call, so ratios between two calls measured in the same run are
stable on a shared machine.
"""

from __future__ import annotations

import platform
import timeit
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Row:
    name: str
    ours_us: float
    base_us: float
    target: str
    ok: bool

    @property
    def ratio(self) -> float:
        return self.ours_us / self.base_us if self.base_us else float("nan")


def per_call_us(fn: Callable[[], object], *, min_time: float = 0.2, repeat: int = 7) -> float:
    """Best per-call time of ``fn`` in microseconds."""
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()
    number = max(1, int(number * min_time / 0.2))
    return min(timer.repeat(repeat=repeat, number=number)) / number * 1e6


def compare(
    name: str,
    ours: Callable[[], object],
    base: Callable[[], object] | list[Callable[[], object]],
    *,
    max_ratio: float | None = None,
    min_throughput_ratio: float | None = None,
    rounds: int = 40,
) -> Row:
    """Time ``ours`` against ``base`` in many short interleaved rounds, so both see
    the same machine conditions, and keep each one's best round (the least
    disturbed: a shared machine only ever adds time)."""
    ours_timer = timeit.Timer(ours)
    base_timers = [timeit.Timer(f) for f in (base if isinstance(base, list) else [base])]
    # ~10 ms a round for the slower of the two, so a slow call is not run
    # thousands of times per round because its baseline is fast.
    n_base, t_base = base_timers[0].autorange()
    n_ours, t_ours = ours_timer.autorange()
    per_call = max(t_base / n_base, t_ours / n_ours)
    number = max(1, int(0.01 / max(per_call, 1e-9)))
    o = b = float("inf")
    for _ in range(rounds):
        for timer in base_timers:  # the baseline is the fastest direct call offered
            b = min(b, timer.timeit(number) / number * 1e6)
        o = min(o, ours_timer.timeit(number) / number * 1e6)
    if max_ratio is not None:
        target, ok = f"<= {max_ratio}x", o / b <= max_ratio
    elif min_throughput_ratio is not None:
        target, ok = f">= {min_throughput_ratio}x throughput", b / o >= min_throughput_ratio
    else:
        target, ok = "report", True
    return Row(name, o, b, target, ok)


def machine() -> str:
    import os

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def table(rows: list[Row]) -> str:
    lines = [
        "| benchmark | psacrypto (µs) | baseline (µs) | ratio | target | met |",
        "|---|---:|---:|---:|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.name} | {r.ours_us:.2f} | {r.base_us:.2f} | {r.ratio:.2f} | {r.target} |"
            f" {'yes' if r.ok else 'NO'} |"
        )
    return "\n".join(lines)
