"""`switchboard run SCENARIO --compare local,local:peak-hour,elevenlabs,...`: one scenario against
several targets, one report with the figures side by side and the timelines stacked.

    targets = parse_targets("local,local:*,murf")               # CompareError: one line (exit 2)
    plans = [plan_target(scenario, t, args, make_config) for t in targets]
    outcomes = [play_target(scenario, p, repeat=1) for p in plans]
    report = compare_report(scenario, outcomes)                  # JSON-ready dict, "passed"
    code = exit_code(outcomes)                                   # 0 / 1 / 2

A target is `local` (the embedded server as the scenario asks: its own `server_faults`, if any),
`local:PROFILE` (the embedded server with that fault profile of tui.server.faults instead),
`local:none` (no faults), `local:*` (every profile), or a hosted provider (elevenlabs, murf,
inworld, cartesia). A hosted provider runs only with its key (ELEVENLABS_API_KEY, ... in the
environment or .env) and only when it speaks the scenario's dialect (a scenario that names none
runs in the provider's own); otherwise it is skipped, with a line saying why, which is not a
failure. Targets run one after another, never at once, so that no target's figures carry
another's load.

Exit codes (a choice the issue leaves open, written here): 0 every target that ran passed; 1 one
failed its expectations or could not connect while another did (each named); 2 a bad
`--compare`, or no target ran at all (every one skipped or unreachable).
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from tui.core import ConfigError, ConsoleConfig
from tui.core.config import DEFAULTS, PROVIDERS
from tui.protocol.dialect import Dialect
from tui.protocol.urls import auth_headers, redact_url
from tui.server.faults import PROFILES
from tui.session.settings import Settings

from .command import provider_fit  # command.py imports this module only when --compare is given
from .report import build_report, failures
from .runner import NoConnection, RunResult, StepCallback, run_scenario
from .spec import Scenario

NO_FAULTS = "none"
ALL_PROFILES = "*"
# Which dialects each hosted provider serves (its hosts' endpoints: tui/core/config.py builds them).
PROVIDER_DIALECTS: dict[str, tuple[Dialect, ...]] = {
    "elevenlabs": (Dialect.ELEVENLABS, Dialect.ELEVENLABS_SINGLE, Dialect.ELEVENLABS_DIALOGUE),
    "murf": (Dialect.MURF,),
    "inworld": (Dialect.INWORLD,),
    "cartesia": (Dialect.CARTESIA,),
}
# Options that name one connection: with --compare each target makes its own.
ONE_TARGET_OPTIONS = ("provider", "url", "dialect", "voice", "model", "server_faults")


class CompareError(ValueError):
    """A bad --compare (or an option that cannot go with it); `str()` is one line."""


@dataclass(frozen=True)
class Target:
    name: str  # as the report names it: "local", "local:peak-hour", "murf"
    provider: str
    faults: str | None = None  # local: a profile, NO_FAULTS; None: the scenario's own


@dataclass
class Plan:
    """A target made ready: its console config, or why it is skipped."""

    target: Target
    config: ConsoleConfig | None = None
    skipped: str = ""

    def describe(self) -> str:
        """The line printed before the target runs: what it connects to, or why it is skipped."""
        return f"{self.target.name}: {self.connection() or 'skipped: ' + self.skipped}"

    def connection(self) -> str:
        """What this target connects to, with no secret in it ("" when it is skipped)."""
        c = self.config
        if c is None:
            return ""
        if c.embedded:
            faults, seed = c.server_faults, c.fault_seed
            how = f"faults {faults}" + (f", seed {seed}" if seed is not None else "") if faults else "no faults"
            return f"the embedded local server ({c.dialect.value}, {how})"
        url = redact_url(c.endpoint(None, Settings.defaults(c.dialect).query()))  # as the console builds it
        headers = auth_headers(c.dialect.value, c.api_key, c.auth)
        return url + "".join(f" · {name}: ***" for name in headers)


@dataclass
class Outcome:
    """What became of one target: passed, failed, no connection or skipped."""

    plan: Plan
    status: str
    reason: str = ""
    results: list[RunResult] = field(default_factory=list)
    report: dict[str, Any] | None = None

    @property
    def ran(self) -> bool:
        return self.report is not None


def parse_targets(text: str) -> list[Target]:
    """The --compare list, in order, `local:*` spelled out, each target once."""
    out: list[Target] = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            raise CompareError(f"--compare: an empty target in {text!r} (e.g. local,local:peak-hour,murf)")
        provider, colon, faults = item.partition(":")
        if provider not in PROVIDERS:
            raise CompareError(f"--compare: {provider!r} is not a provider ({', '.join(PROVIDERS)})")
        if colon and provider != "local":
            raise CompareError(f"--compare: {item!r}: only local takes a fault profile (local:peak-hour)")
        if colon and faults not in (*PROFILES, NO_FAULTS, ALL_PROFILES):
            known = ", ".join((*PROFILES, NO_FAULTS, ALL_PROFILES))
            raise CompareError(f"--compare: {item!r}: {faults!r} is not a fault profile ({known})")
        if faults == ALL_PROFILES:
            out += [Target(f"local:{name}", "local", name) for name in PROFILES]
        else:
            out.append(Target(item, provider, faults if colon else None))
    return list({t.name: t for t in out}.values())  # each name once, where it first came (same name: same target)


def check_options(args: argparse.Namespace) -> None:
    """CompareError if an option names one connection (each target makes its own)."""
    given = [f"--{name.replace('_', '-')}" for name in ONE_TARGET_OPTIONS if getattr(args, name, None) is not None]
    if given:
        raise CompareError(
            f"{', '.join(given)} cannot go with --compare: each target makes its own connection "
            "(local:PROFILE for faults; the scenario's dialect, or each provider's own)"
        )


def plan_target(
    scenario: Scenario,
    target: Target,
    args: argparse.Namespace,
    make_config: Callable[[argparse.Namespace], ConsoleConfig],
) -> Plan:
    """The target's console config from the command line's options and the scenario, as
    `switchboard run --provider ...` would make it; a hosted target that cannot run is skipped.
    CompareError if a local target's options are bad (they are the command line's own)."""
    ns = argparse.Namespace(**vars(args))
    ns.provider, ns.url, ns.server_faults, ns.fault_seed = target.provider, None, None, args.fault_seed
    ns.output_format = args.output_format or scenario.output_format
    if target.provider == "local":
        ns.dialect = scenario.dialect
        faults = scenario.server_faults if target.faults is None else target.faults
        if faults and faults != NO_FAULTS:
            ns.server_faults = faults
            ns.fault_seed = scenario.fault_seed if args.fault_seed is None else args.fault_seed
        try:
            config = make_config(ns)
        except (ConfigError, ValueError) as exc:
            raise CompareError(f"{target.name}: {exc}") from None
    else:
        served = PROVIDER_DIALECTS[target.provider]
        if scenario.dialect is not None and Dialect(scenario.dialect) not in served:
            return Plan(
                target,
                skipped=f"the scenario is written for {scenario.dialect}; {target.provider} speaks "
                + ", ".join(d.value for d in served),
            )
        ns.dialect = scenario.dialect or DEFAULTS[target.provider][0].value
        try:
            config = make_config(ns)
        except (ConfigError, ValueError) as exc:  # no key, a format it does not offer, ...
            return Plan(target, skipped=str(exc))
    misfit = provider_fit(scenario, config)
    return Plan(target, skipped=misfit) if misfit else Plan(target, config)


Progress = Callable[[int, int, str], AbstractContextManager[StepCallback]]


def play_target(
    scenario: Scenario,
    plan: Plan,
    *,
    repeat: int = 1,
    record: bool = False,
    progress: Progress | None = None,
) -> Outcome:
    """Run the scenario `repeat` times on the plan's config; never raises for a failed
    connection (the outcome says "no connection" and why)."""
    if plan.config is None:
        return Outcome(plan, "skipped", plan.skipped)
    results: list[RunResult] = []
    for n in range(1, repeat + 1):
        try:
            label = f"{plan.target.name} · {scenario.name}"
            with progress(n, repeat, label) if progress else nullcontext(_silent) as on_step:
                results.append(asyncio.run(run_scenario(scenario, plan.config, on_step=on_step, record=record)))
        except NoConnection as exc:
            return Outcome(plan, "no connection", str(exc), results)
    report = build_report(results)
    return Outcome(plan, "passed" if report["passed"] else "failed", "", results, report)


def _silent(i: int, n: int, label: str) -> None:
    return None


# ---- the combined report ----------------------------------------------------------------------


def _turns(report: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for run in report["runs"]:
        yield from run["turns"]


def side_by_side(outcomes: Sequence[Outcome]) -> dict[str, list[dict[str, Any]]]:
    """Per figure, one row per target that ran: what the page's tables and the summary show."""
    table: dict[str, list[dict[str, Any]]] = {
        "ttfa_ms": [],
        "ttfa_text_ms": [],
        "close_to_final_ms": [],
        "late_frames": [],
        "words_spoken": [],
        "expectations": [],
    }
    for o in outcomes:
        if o.report is None:
            continue
        name, f, turns = o.plan.target.name, o.report["figures"], list(_turns(o.report))
        for figure in ("ttfa_ms", "ttfa_text_ms", "close_to_final_ms"):
            table[figure].append({"target": name, **f[figure]})
        late = [int(t["late_frames"]) for t in turns]
        table["late_frames"].append(
            {
                "target": name,
                "total": sum(late),
                "max": max(late, default=0),
                "turns_with_late": sum(1 for n in late if n),
            }
        )
        known = [t for t in turns if t["words_spoken"] is not None]  # Murf sends no word timings
        table["words_spoken"].append(
            {
                "target": name,
                "spoken": sum(int(t["words_spoken"]) for t in known) if known else None,
                "total": sum(int(t["words_total"]) for t in turns),
                "interrupted": sum(1 for t in turns if t["interrupted"]),
                "turns": len(turns),
            }
        )
        checked = [e for run in o.report["runs"] for e in run["expectations"]]
        table["expectations"].append(
            {
                "target": name,
                "passed": sum(1 for e in checked if e["ok"]),
                "of": len(checked),
                "failed": [f"{e['where']}: {e['expectation']}" for e in checked if not e["ok"]],
            }
        )
    return table


def compare_failures(outcomes: Sequence[Outcome]) -> list[str]:
    """One line per target that did not pass: each failed expectation, or why it did not connect."""
    lines = []
    for o in outcomes:
        if o.status == "no connection":
            lines.append(f"{o.plan.target.name}: no connection: {o.reason}")
        elif o.report is not None:
            lines += [f"{o.plan.target.name}: {line}" for line in failures(o.report)]
    return lines


def compare_report(scenario: Scenario, outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """Shape: {"scenario", "compare": [names], "passed", "failures": [lines], "targets": [{"target",
    "provider", "dialect", "faults", "status", "reason", "connection", "report": build_report()
    or None}], "side_by_side": side_by_side()}."""
    targets = []
    for o in outcomes:
        c = o.plan.config
        targets.append(
            {
                "target": o.plan.target.name,
                "provider": o.plan.target.provider,
                "dialect": c.dialect.value if c else None,
                "faults": c.server_faults if c else None,
                "status": o.status,
                "reason": o.reason,
                "connection": o.plan.connection(),
                "report": o.report,
            }
        )
    lines = compare_failures(outcomes)
    return {
        "scenario": {"name": scenario.name, "path": scenario.path, "description": scenario.description},
        "compare": [o.plan.target.name for o in outcomes],
        "passed": not lines and any(o.ran for o in outcomes),
        "failures": lines,
        "targets": targets,
        "side_by_side": side_by_side(outcomes),
    }


def exit_code(outcomes: Sequence[Outcome]) -> int:
    """0 every target that ran passed; 1 one failed or lost its connection; 2 none ran."""
    if not any(o.ran for o in outcomes):
        return 2
    return 1 if compare_failures(outcomes) else 0
