"""Scenarios: repeatable sessions (a TOML file), run headless on the console, with a report.

    scenario = load_scenario("scenarios/barge-in.toml")       # ScenarioError: line, key, message
    result = await run_scenario(scenario, config)              # NoConnection: exit 2
    report = build_report([result])                            # JSON-ready dict, "passed"
    write_page(report, Path("report/"))                        # report.md + timeline SVG

Sits beside tui.core (imports core, session, protocol); the UI may import it, never the reverse.
"""

from .expect import Expectation, ExpectationError, Outcome, parse_expectation
from .parse import ScenarioError, load_scenario, parse_scenario
from .report import build_report, failures, write_json
from .runner import NoConnection, RunResult, run_scenario
from .spec import Scenario

__all__ = [
    "Expectation",
    "ExpectationError",
    "NoConnection",
    "Outcome",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "build_report",
    "failures",
    "load_scenario",
    "parse_expectation",
    "parse_scenario",
    "run_scenario",
    "write_json",
]
