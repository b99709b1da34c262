"""Read a scenario file (TOML) into a checked `Scenario`, or say what is wrong by line and key.

Nothing runs from a file that does not check out: every key is known, every value typed and in
range, every expectation parsed, before the runner sees it. `ScenarioError` carries the line,
the key (`step 3 → pace`) and one sentence; its `str()` is `path:line: key: message`.

tomllib gives no positions for the values it parsed, so `KeyLines` finds them in the text
(table headers and `key =` lines, counting `[[step]]` tables); a key it cannot place (inside an
inline table) is reported at its table's line.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.core.turn_end import TURN_ENDS, TurnEnd
from tui.protocol.dialect import Dialect
from tui.protocol.formats import parse_format_spelling
from tui.protocol.frames import DecodeError
from tui.server.faults import FaultSpecError, parse_faults
from tui.session.pacer import MAX_RATE, MIN_RATE
from tui.session.settings import Settings

from .expect import ExpectationError, parse_expectation
from .spec import WAIT_FOR, BargeIn, Command, LlmPace, Say, Scenario, Step, Wait

MAX_BYTES = 1_000_000
SCENARIO_KEYS = (
    "name",
    "description",
    "dialect",
    "output_format",
    "pace",
    "llm_burst",
    "llm_gap_ms",
    "turn_end",
    "guard",
    "settings",
    "expect",
    "drain_timeout_s",
    "server_faults",
    "fault_seed",
)
ACTIONS = ("say", "wait", "wait_ms", "barge_in", "keep_alive", "flush", "reconnect", "raw")
OPTIONS = {
    "say": ("pace", "llm_burst", "llm_gap_ms", "turn_end", "settings", "expect"),
    "wait": ("timeout_s",),
    "wait_ms": (),
    "barge_in": ("at_ms", "after_words", "timeout_s"),
    "keep_alive": (),
    "flush": (),
    "reconnect": ("timeout_s",),
    "raw": (),
}
DIALECTS = tuple(d.value for d in Dialect)


@dataclass
class ScenarioError(Exception):
    path: str
    line: int  # 0: the file as a whole
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\" ]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+)\s*=")


class KeyLines:
    """Where each table and key of the file starts: `line(table, key)` with `table` like
    ("scenario",), ("step", 2) or ("step", 2, "settings"); 0 when not found."""

    def __init__(self, text: str) -> None:
        self._lines: dict[tuple[Any, ...], int] = {}
        table: tuple[Any, ...] = ()
        steps = 0
        in_string: str | None = None
        for number, line in enumerate(text.splitlines(), 1):
            if in_string is not None:
                if line.count(in_string) % 2:
                    in_string = None
                continue
            header = _HEADER.match(line)
            if header:
                parts = [p.strip().strip('"') for p in header.group(2).split(".")]
                if header.group(1) == "[[" and parts == ["step"]:
                    steps += 1
                    table = ("step", steps)
                elif parts[0] == "step" and steps:
                    table = ("step", steps, *parts[1:])
                else:
                    table = tuple(parts)
                self._lines.setdefault(table, number)
                continue
            key = _KEY.match(line)
            if key:
                self._lines.setdefault((*table, key.group(1)), number)
            for quote in ('"""', "'''"):
                if line.count(quote) % 2:
                    in_string = quote
                    break

    def line(self, table: tuple[Any, ...], key: str | None = None) -> int:
        if key is not None and (*table, key) in self._lines:
            return self._lines[(*table, key)]
        while table:
            if table in self._lines:
                return self._lines[table]
            table = table[:-1]
        return 0


class _Checker:
    def __init__(self, path: str, lines: KeyLines) -> None:
        self.path, self.lines = path, lines

    def fail(self, table: tuple[Any, ...], key: str | None, message: str) -> ScenarioError:
        if table[:1] == ("step",):
            name, inner = f"step {table[1]}", table[2:]
        else:
            name, inner = ("scenario", table[1:]) if table[:1] == ("scenario",) else ("", ())
        dotted = ".".join(str(p) for p in (*inner, key) if p)  # settings.seed
        label = " → ".join(p for p in (name, dotted) if p)
        return ScenarioError(self.path, self.lines.line(table, key), label, message)

    def known(self, table: tuple[Any, ...], data: Mapping[str, Any], keys: tuple[str, ...]) -> None:
        for key in data:
            if key not in keys:
                raise self.fail(table, key, f"unknown key (known here: {', '.join(keys)})")

    def text(self, table: tuple[Any, ...], data: Mapping[str, Any], key: str, default: str | None = None) -> str | None:
        value = data.get(key, default)
        if value is not None and not isinstance(value, str):
            raise self.fail(table, key, f"must be a string, not {_kind(value)}")
        return value

    def number(
        self, table: tuple[Any, ...], data: Mapping[str, Any], key: str, low: float, high: float, *, whole: bool = False
    ) -> float | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or (whole and not isinstance(value, int)):
            raise self.fail(table, key, f"must be {'a whole number' if whole else 'a number'}, not {_kind(value)}")
        if not low <= value <= high:
            raise self.fail(table, key, f"must be between {low:g} and {high:g}, not {value:g}")
        return float(value)

    def pace(self, table: tuple[Any, ...], data: Mapping[str, Any]) -> float | LlmPace | None:
        value = data.get("pace")
        burst = self.number(table, data, "llm_burst", 1, 200, whole=True)
        gap = self.number(table, data, "llm_gap_ms", 0, 10_000)
        if value == "llm":
            return LlmPace(int(burst) if burst is not None else 6, (gap if gap is not None else 250) / 1000)
        if burst is not None or gap is not None:
            key = "llm_burst" if burst is not None else "llm_gap_ms"
            raise self.fail(table, key, 'only goes with pace = "llm"')
        if isinstance(value, str):
            raise self.fail(table, "pace", f'must be words per second or "llm", not {value!r}')
        return self.number(table, data, "pace", MIN_RATE, MAX_RATE)

    def turn_end(self, table: tuple[Any, ...], data: Mapping[str, Any]) -> TurnEnd | None:
        value = data.get("turn_end")
        if value is None:
            return None
        if not isinstance(value, str) or value not in TURN_ENDS:
            raise self.fail(table, "turn_end", f"must be one of {', '.join(TURN_ENDS)}, not {value!r}")
        return TurnEnd(value)

    def settings(
        self, table: tuple[Any, ...], data: Mapping[str, Any], dialect: Dialect, *, per_turn: bool
    ) -> dict[str, Any]:
        raw = data.get("settings", {})
        if not isinstance(raw, dict):
            raise self.fail(table, "settings", f"must be a table of settings, not {_kind(raw)}")
        inner = (*table, "settings")
        base = Settings.defaults(dialect)
        for name, value in raw.items():
            f = base.field(name)
            if f is None:
                raise self.fail(inner, name, f"not a {base.family} setting")
            if per_turn and f.reconnects:
                raise self.fail(inner, name, "a connection option (it goes in the URL): set it in [scenario.settings]")
            _, problems = base.updated({name: value if isinstance(value, bool) else str(value)})
            if problems:
                raise self.fail(inner, name, problems[name])
        return dict(raw)

    def expectations(self, table: tuple[Any, ...], data: Mapping[str, Any], *, on_turn: bool) -> tuple[Any, ...]:
        raw = data.get("expect", [])
        if not isinstance(raw, list):
            raise self.fail(table, "expect", f"must be a list of strings, not {_kind(raw)}")
        out = []
        for i, item in enumerate(raw, 1):
            try:
                out.append(parse_expectation(item, on_turn=on_turn))
            except ExpectationError as exc:
                raise self.fail(table, "expect", f"item {i}: {exc}") from None
        return tuple(out)


def _kind(value: object) -> str:
    return {
        bool: "true/false",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)


def load_scenario(path: str | Path) -> Scenario:
    """Read and check a scenario file; ScenarioError (line, key, message) if it is bad."""
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ScenarioError(name, 0, "", f"cannot read it: {exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        raise ScenarioError(name, 0, "", f"over {MAX_BYTES:,} bytes: not a scenario")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ScenarioError(name, line, "", "not UTF-8 text") from None
    return parse_scenario(text, name)


def parse_scenario(text: str, path: str = "<scenario>") -> Scenario:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise ScenarioError(path, int(m.group(1)) if m else 0, "", f"not valid TOML: {message}") from None
    c = _Checker(path, KeyLines(text))
    for key in doc:
        if key not in ("scenario", "step"):
            raise c.fail((key,), None, f"unknown table or key {key!r} (a scenario has [scenario] and [[step]] tables)")
    head = doc.get("scenario", {})
    top = ("scenario",)
    if not isinstance(head, dict):
        raise c.fail(top, None, "[scenario] must be a table")
    c.known(top, head, SCENARIO_KEYS)
    dialect_name = c.text(top, head, "dialect")
    if dialect_name is not None and dialect_name not in DIALECTS:
        raise c.fail(top, "dialect", f"must be one of {', '.join(DIALECTS)}, not {dialect_name!r}")
    dialect = Dialect(dialect_name or "elevenlabs")
    fmt = c.text(top, head, "output_format")
    if fmt is not None and isinstance(parse_format_spelling(fmt), DecodeError):
        raise c.fail(top, "output_format", f"{fmt!r} is not an output format (e.g. pcm_16000, ulaw_8000)")
    guard = head.get("guard", True)
    if not isinstance(guard, bool):
        raise c.fail(top, "guard", f"must be true or false, not {_kind(guard)}")
    steps_raw = doc.get("step", [])
    if not isinstance(steps_raw, list) or not steps_raw:
        raise c.fail(top, None, "no steps: add [[step]] tables (say, wait, barge_in, ...)")
    steps: list[Step] = []
    for i, raw in enumerate(steps_raw, 1):
        steps.append(_step(c, ("step", i), raw, dialect))
    drain = c.number(top, head, "drain_timeout_s", 0, 600)
    faults = c.text(top, head, "server_faults")
    if faults is not None:
        try:
            parse_faults(faults)
        except FaultSpecError as exc:
            raise c.fail(top, "server_faults", str(exc)) from None
    seed = c.number(top, head, "fault_seed", 0, 2**32 - 1, whole=True)
    return Scenario(
        name=c.text(top, head, "name") or Path(path).stem,
        path=path,
        steps=tuple(steps),
        steps_lines=tuple(c.lines.line(("step", i)) for i in range(1, len(steps) + 1)),
        description=c.text(top, head, "description", "") or "",
        dialect=dialect_name,
        output_format=fmt,
        pace=c.pace(top, head),
        turn_end=c.turn_end(top, head),
        guard=guard,
        settings=c.settings(top, head, dialect, per_turn=False),
        expect=c.expectations(top, head, on_turn=False),
        drain_timeout_s=30.0 if drain is None else drain,
        server_faults=faults,
        fault_seed=None if seed is None else int(seed),
    )


def _step(c: _Checker, table: tuple[Any, ...], raw: object, dialect: Dialect) -> Step:
    if not isinstance(raw, dict):
        raise c.fail(table, None, "must be a table")
    actions = [k for k in ACTIONS if k in raw]
    if len(actions) != 1:
        found = f"it has {', '.join(actions)}" if actions else "it has none"
        raise c.fail(
            table, actions[1] if len(actions) > 1 else None, f"a step does one of {', '.join(ACTIONS)}: {found}"
        )
    action = actions[0]
    c.known(table, raw, (action, *OPTIONS[action]))
    timeout = c.number(table, raw, "timeout_s", 0.1, 600)
    bound = {} if timeout is None else {"timeout_s": timeout}
    value = raw[action]
    match action:
        case "say":
            if not isinstance(value, str) or not value.strip():
                raise c.fail(table, "say", "must be the turn's text (a non-empty string)")
            return Say(
                value,
                pace=c.pace(table, raw),
                turn_end=c.turn_end(table, raw),
                settings=c.settings(table, raw, dialect, per_turn=True),
                expect=c.expectations(table, raw, on_turn=True),
            )
        case "wait":
            if value not in WAIT_FOR:
                raise c.fail(table, "wait", f"must be one of {', '.join(WAIT_FOR)}, not {value!r} (or use wait_ms)")
            return Wait(until=value, **bound)
        case "wait_ms":
            return Wait(seconds=(c.number(table, raw, "wait_ms", 0, 600_000) or 0.0) / 1000)
        case "barge_in":
            if value is not True:
                raise c.fail(table, "barge_in", "must be true (when: at_ms or after_words)")
            at = c.number(table, raw, "at_ms", 0, 600_000)
            words = c.number(table, raw, "after_words", 1, 10_000, whole=True)
            if at is not None and words is not None:
                raise c.fail(table, "after_words", "a barge-in is at_ms or after_words, not both")
            if words is not None and dialect is Dialect.MURF:
                raise c.fail(table, "after_words", "needs word timings, which murf does not send: use at_ms")
            return BargeIn(
                at_s=None if at is None else at / 1000, after_words=None if words is None else int(words), **bound
            )
        case "raw":
            if not isinstance(value, str):
                raise c.fail(table, "raw", f"must be the frame as a JSON string, not {_kind(value)}")
            try:
                obj = json.loads(value)
            except ValueError as exc:
                raise c.fail(table, "raw", f"not JSON: {exc}") from None
            if not isinstance(obj, dict):
                raise c.fail(table, "raw", "must be a JSON object")
            return Command("raw", value)
        case _:
            if value is not True:
                raise c.fail(table, action, "must be true")
            return Command(action, timeout_s=timeout if timeout is not None else 10.0)
