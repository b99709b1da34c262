"""`switchboard run SCENARIO`: check the file, run it (N times), print, write the report.

Exit codes: 0 every expectation held; 1 one failed (the summary and the report name it);
2 a bad scenario file (line and key), bad options, or no connection. The CLI builds the console
config (its own options, with the scenario's dialect and output format where the command line
names none and the provider is the local server); everything else happens here.
With `--compare TARGETS` it runs on each target in turn instead (compare.py: the targets, their
exit codes, the combined report).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

from tui.core import ConfigError, ConsoleConfig
from tui.protocol.dialect import Dialect
from tui.protocol.urls import redact_query_secrets
from tui.session.settings import Settings
from tui.shipped import find_scenario, shipped_scenarios

from .parse import ScenarioError, load_scenario
from .report import build_report
from .runner import NoConnection, RunResult, run_scenario
from .spec import BargeIn, Say, Scenario

MAX_REPEAT = 1000
PROG = "switchboard run"


def provider_fit(scenario: Scenario, config: ConsoleConfig) -> str | None:
    """Why this scenario cannot run on this connection's dialect (None: it can). The file was
    checked against its own dialect; a hosted provider may speak another."""
    settings = Settings.defaults(config.dialect)
    for n, step in enumerate(scenario.steps):
        line = scenario.steps_lines[n]
        if isinstance(step, Say) and step.settings:
            _, problems = settings.updated({k: v if isinstance(v, bool) else str(v) for k, v in step.settings.items()})
            if problems:
                return f"{scenario.path}:{line}: step {n + 1} → settings: {'; '.join(problems.values())}"
        if isinstance(step, BargeIn) and step.after_words and config.dialect is Dialect.MURF:
            return f"{scenario.path}:{line}: step {n + 1} → after_words: needs word timings, which murf does not send"
    return None


def run_command(
    args: argparse.Namespace,
    make_config: Callable[[argparse.Namespace], ConsoleConfig],
    out: TextIO | None = None,
) -> int:
    out = out or sys.stdout
    from .terminal import print_summary, progress_bar  # rich: only once there is something to show

    def fail(message: str) -> int:
        print(f"{PROG}: error: {redact_query_secrets(message)}", file=sys.stderr)
        return 2

    path = find_scenario(args.scenario)  # a file, else a shipped scenario by name
    try:
        scenario = load_scenario(path)
    except ScenarioError as exc:
        known = "" if path.exists() else f" (shipped: {', '.join(shipped_scenarios())})"
        return fail(f"{exc}{known}")
    if not 1 <= args.repeat <= MAX_REPEAT:
        return fail(f"--repeat must be 1..{MAX_REPEAT}, not {args.repeat}")
    if getattr(args, "compare", None) is not None:
        return run_compare(args, scenario, make_config, out, fail)
    if args.provider in (None, "local") and (args.url is None or urlsplit(args.url).path in ("", "/")):
        args.dialect = args.dialect or scenario.dialect  # a bare host: the local server speaks them all
    if args.provider in (None, "local") and args.url is None and args.server_faults is None and scenario.server_faults:
        args.server_faults = scenario.server_faults
        args.fault_seed = scenario.fault_seed if args.fault_seed is None else args.fault_seed
    if args.url is None or urlsplit(args.url).path in ("", "/"):  # a full endpoint names its own format
        args.output_format = args.output_format or scenario.output_format
    try:
        config = make_config(args)
    except (ConfigError, ValueError) as exc:
        return fail(str(exc))
    misfit = provider_fit(scenario, config)
    if misfit:
        return fail(misfit)
    results: list[RunResult] = []
    for n in range(1, args.repeat + 1):
        try:
            with progress_bar(n, args.repeat, scenario.name) as on_step:
                results.append(asyncio.run(run_scenario(scenario, config, on_step=on_step, record=args.record)))
        except NoConnection as exc:
            return fail(f"no connection: {exc}")
        except KeyboardInterrupt:
            print(f"{PROG}: interrupted", file=sys.stderr)
            return 130
    report = build_report(results)
    print_summary(report, out)
    if args.report is not None and (problem := write_page(report, Path(args.report), out)):
        return fail(problem)
    return 0 if report["passed"] else 1


def write_page(report: dict[str, Any], folder: Path, out: TextIO) -> str | None:
    """Write the report (a comparison's, or one target's) into `folder` and say where; the
    problem in one line if it cannot be written."""
    from .page import write_compare_report, write_report  # matplotlib: only when a report is asked for

    try:
        paths = (write_compare_report if "compare" in report else write_report)(report, folder)
    except OSError as exc:
        return f"cannot write the report in {folder}: {exc.strerror or exc}"
    print(f"report: {paths[0]} and {paths[-1]}", file=out)
    return None


def run_compare(
    args: argparse.Namespace,
    scenario: Scenario,
    make_config: Callable[[argparse.Namespace], ConsoleConfig],
    out: TextIO,
    fail: Callable[[str], int],
) -> int:
    """`--compare`: each target in turn (a line on what it connects to, or why it is skipped),
    then one table and one report (compare.py has the exit codes)."""
    from .compare import CompareError, check_options, compare_report, exit_code, parse_targets, plan_target, play_target
    from .terminal import print_comparison, progress_bar

    try:
        check_options(args)
        plans = [plan_target(scenario, target, args, make_config) for target in parse_targets(args.compare)]
    except CompareError as exc:
        return fail(str(exc))
    outcomes = []
    for plan in plans:
        print(plan.describe(), file=out, flush=True)
        try:
            outcome = play_target(scenario, plan, repeat=args.repeat, record=args.record, progress=progress_bar)
        except KeyboardInterrupt:
            print(f"{PROG}: interrupted", file=sys.stderr)
            return 130
        if outcome.status == "no connection":
            print(f"{plan.target.name}: no connection: {redact_query_secrets(outcome.reason)}", file=out, flush=True)
        outcomes.append(outcome)
    report = compare_report(scenario, outcomes)
    print_comparison(report, out)
    if args.report is not None and (problem := write_page(report, Path(args.report), out)):
        return fail(problem)
    code = exit_code(outcomes)
    if code == 2:
        return fail("no target ran: each was skipped or could not connect")
    return code
