"""Expectations checked against per-turn facts: no server, the facts written out by hand."""

from __future__ import annotations

import pytest

from tui.scenario.expect import ExpectationError, check_run, check_turn, parse_expectation, percentile

TURNS = [
    {"context_id": "turn_1", "ttfa_ms": 120.0, "late_frames": 0, "interrupted": True, "error": "", "errors": []},
    {"context_id": "turn_2", "ttfa_ms": 340.0, "late_frames": 2, "interrupted": False, "error": "", "errors": []},
    {
        "context_id": "turn_3",
        "ttfa_ms": None,
        "late_frames": 0,
        "interrupted": False,
        "error": "quota",
        "errors": ["x"],
    },
]
RUN = {"turns": 3, "run_errors": 0}


def run(text: str):
    return check_run(parse_expectation(text, on_turn=False), TURNS, RUN)


def test_a_run_figure_is_taken_over_the_turns_that_have_it():
    assert run("ttfa_ms.p50 == 120").ok and run("ttfa_ms.p95 == 340").ok
    assert run("ttfa_ms.max < 341").ok and not run("ttfa_ms.p95 < 300").ok
    assert run("ttfa_ms.count == 2").ok and run("late_frames.sum == 2").ok


def test_a_bare_name_at_run_level_must_hold_for_every_turn_and_names_the_first_that_does_not():
    outcome = run("late_frames == 0")
    assert not outcome.ok and outcome.actual == 2 and outcome.detail.startswith("turn_2")
    assert run("errors <= 1").ok and run("turns == 3").ok and run("run_errors == 0").ok


def test_a_turn_expectation_reads_that_turn_and_a_missing_value_fails():
    interrupted = parse_expectation("interrupted == true", on_turn=True)
    assert check_turn(interrupted, TURNS[0], "turn 1").ok and not check_turn(interrupted, TURNS[1], "turn 2").ok
    error = parse_expectation('error == "quota"', on_turn=True)
    assert check_turn(error, TURNS[2], "turn 3").ok
    missing = check_turn(parse_expectation("ttfa_ms < 500", on_turn=True), TURNS[2], "turn 3")
    assert not missing.ok and missing.detail == "no value"


@pytest.mark.parametrize(
    ("text", "on_turn", "words"),
    [
        ("ttfa < 3", False, "unknown fact"),
        ("ttfa_ms.p95 < 3", True, "no aggregate"),
        ("ttfa_ms.p99 < 3", False, "unknown aggregate"),
        ("interrupted < true", True, "== or !="),
        ("error == quota", True, "quoted string"),
        ("ttfa_ms < fast", True, "not a number"),
        ("ttfa_ms < inf", True, "finite"),
        ("ttfa_ms", True, "NAME OP VALUE"),
        ("turns == 3", True, "unknown fact"),
        (3, True, "a string"),
    ],
)
def test_a_malformed_expectation_says_what_is_wrong(text, on_turn, words):
    with pytest.raises(ExpectationError, match=words):
        parse_expectation(text, on_turn=on_turn)


def test_percentiles_are_nearest_rank_values_that_were_measured():
    assert percentile([5.0, 1.0, 3.0], 50) == 3.0
    assert percentile([float(i) for i in range(1, 21)], 95) == 19.0
    assert percentile([], 50) is None
