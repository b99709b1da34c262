"""How long `switchboard --help` takes: `python -m tui --help`, a fresh interpreter each run.

Issue 12 keeps --help fast (the names it lists come from tui/choices.py, which imports nothing),
so this measures it: wall and CPU (user + sys of the child) per run, p50 and p95 over `--runs`
runs after two warm-ups. The reference, measured in the same run and interleaved with it, is the
bare interpreter (`python -c pass`): the machine is shared and noisy, the ratio less so.
`--tree DIR` adds another checkout, interleaved too (an A/B of a change: DIR is the tree before
it, e.g. from `git archive`); each tree runs its own `tui` (the current directory comes first on
sys.path under `-m`).

Prints a table and writes JSON to bench/results/help-startup-<time>.json.
Run: .venv/bin/python bench/help_startup.py [--runs 10] [--tree /tmp/before]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.stats import percentile  # noqa: E402


def one_run(argv: list[str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one child process."""
    before, start = os.times(), time.perf_counter()
    subprocess.run(argv, cwd=cwd, capture_output=True, check=True)
    wall, after = time.perf_counter() - start, os.times()
    return wall, (after.children_user - before.children_user) + (after.children_system - before.children_system)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--tree", type=Path, action="append", default=[], help="another checkout to time too")
    args = parser.parse_args()
    python = sys.executable
    cases = {
        "python -c pass": ([python, "-c", "pass"], ROOT),
        "--help (this tree)": ([python, "-m", "tui", "--help"], ROOT),
    }
    for tree in args.tree:
        cases[f"--help ({tree})"] = ([python, "-m", "tui", "--help"], tree.resolve())
    for argv, cwd in cases.values():  # warm-up: the page cache, .pyc files
        for _ in range(2):
            one_run(argv, cwd)
    samples: dict[str, dict[str, list[float]]] = {name: {"wall": [], "cpu": []} for name in cases}
    for _ in range(args.runs):
        for name, (argv, cwd) in cases.items():
            wall, cpu = one_run(argv, cwd)
            samples[name]["wall"].append(wall)
            samples[name]["cpu"].append(cpu)
    reference = percentile(samples["python -c pass"]["wall"], 0.5) or 1.0
    rows = []
    print(f"{'case':<40} {'wall p50':>9} {'p95':>7} {'cpu p50':>8} {'p95':>7} {'x python':>9}   ({args.runs} runs, ms)")
    for name, got in samples.items():
        row = {
            "case": name,
            "wall_p50_ms": 1000 * (percentile(got["wall"], 0.5) or 0.0),
            "wall_p95_ms": 1000 * (percentile(got["wall"], 0.95) or 0.0),
            "cpu_p50_ms": 1000 * (percentile(got["cpu"], 0.5) or 0.0),
            "cpu_p95_ms": 1000 * (percentile(got["cpu"], 0.95) or 0.0),
        }
        row["wall_vs_python"] = row["wall_p50_ms"] / 1000 / reference
        rows.append(row)
        print(
            f"{name[:40]:<40} {row['wall_p50_ms']:>9.0f} {row['wall_p95_ms']:>7.0f} {row['cpu_p50_ms']:>8.0f}"
            f" {row['cpu_p95_ms']:>7.0f} {row['wall_vs_python']:>9.1f}"
        )
    out = ROOT / "bench" / "results" / f"help-startup-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    machine = {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()}
    out.write_text(json.dumps({"runs": args.runs, "machine": machine, "rows": rows}, indent=2))
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
