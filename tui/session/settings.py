"""Settings the operator changes live, per dialect, checked with the services' ranges.

Two kinds, and when each takes effect:
- **per context**: ElevenLabs `voice_settings`, `generation_config.chunk_length_schedule` and
  `pronunciation_dictionary_locators` go in a context's opening message (the service refuses them
  changed later in a context, PROTOCOL.md §1.2, §1.4); Murf `voice_config` and the buffer settings
  ride in each text frame of a context (as production clients send them, §2.2, §4). A change
  applies from the next context; a context in progress keeps what it opened with.
- **per connection**: the URL's query options (§1.1, §2.1). A change means a new connection.
  Nothing here changes the output format: that is `--output-format`'s (or the URL's).

Ranges and their sources: stability, similarity_boost, style 0..1, speed 0.7..1.2, schedule
items 50..500, seed 0..4294967295, inactivity_timeout 1..180 (PROTOCOL.md §1.1, §1.2); at most
3 dictionary locators per request (ElevenLabs' text-to-speech API reference); Murf rate and pitch
-50..50 (§2.2), min_buffer_size 40..160, max_buffer_delay_in_ms 0..1000 (§2.4, §5), variation
0..5 (Murf API reference, "Advanced features"), models FALCON and GEN2 (§2.1).

A value arrives as the operator typed it (text; a bool for a switch). `Settings.updated` keeps the
good ones and returns one line per bad one, naming the range; a bad value never replaces a good
one. An empty field is the default. `Settings` holds only values that differ from the defaults.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tui.protocol import elevenlabs, murf
from tui.protocol.dialect import Dialect

ELEVENLABS, MURF = "elevenlabs", "murf"
MAX_LOCATORS = 3
SEED_RANGE = (0, 4294967295)
MURF_MODELS = ("FALCON", "GEN2")
VARIATION_RANGE = (0, 5)
PRONUNCIATION_TYPES = ("IPA", "SAY_AS")
_LANGUAGE = re.compile(r"[a-z]{2}")  # ISO 639-1
_LOCALE = re.compile(r"[a-z]{2}-[A-Z]{2}")  # Murf locales: en-US, fr-FR


@dataclass(frozen=True)
class Field:
    """One setting: its wire name, where it goes, how it is typed and checked."""

    name: str
    dialect: str  # "elevenlabs" (both ElevenLabs routes) or "murf"
    group: str  # voice_settings, generation_config, pronunciation, voice_config, buffer, query
    kind: str  # number, integer, bool, choice, text, schedule, locators, dictionary
    default: Any = None  # None: not sent (the service's own, or the command line's)
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    short: str = ""  # its name in the status strip
    hint: str = ""  # what to type, shown beside the field

    @property
    def reconnects(self) -> bool:
        return self.group == "query"

    @property
    def range_text(self) -> str:
        if self.choices:
            return ", ".join(self.choices)
        if self.low is not None:
            return f"{self.low:.12g}..{self.high:.12g}"
        return self.hint

    def parse(self, raw: object) -> Any:
        """The wire value of `raw` (None: the default); ValueError with one line if it is bad."""
        if isinstance(raw, str):
            raw = raw.strip()
            if raw == "":
                return None
        if self.kind == "bool":
            return _bool(raw)
        if not isinstance(raw, str):
            raw = str(raw) if not isinstance(raw, (list, dict)) else raw
        return _PARSERS[self.kind](self, raw)


def _bool(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).lower()
    if text in ("true", "on", "yes", "1"):
        return True
    if text in ("false", "off", "no", "0"):
        return False
    raise ValueError(f"must be true or false, not {str(raw)[:40]!r}")


def _within(f: Field, value: float) -> bool:
    """A number field's bounds hold (a missing bound holds)."""
    return (f.low is None or f.low <= value) and (f.high is None or value <= f.high)


def _number(f: Field, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"must be a number in {f.range_text}, not {raw[:40]!r}") from None
    if not math.isfinite(value) or not _within(f, value):
        raise ValueError(f"must be in {f.range_text}, not {raw[:40]}")
    return value


def _integer(f: Field, raw: str, name: str = "") -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name}must be a whole number in {f.range_text}, not {raw[:40]!r}") from None
    if f.low is not None and not _within(f, value):
        raise ValueError(f"{name}must be in {f.range_text}, not {value}")
    return value


def _choice(f: Field, raw: str) -> str:
    for choice in f.choices:
        if raw.lower() == choice.lower():
            return choice
    raise ValueError(f"must be one of {f.range_text}, not {raw[:40]!r}")


def _text(f: Field, raw: str) -> str:
    if f.name == "language_code" and not _LANGUAGE.fullmatch(raw):
        raise ValueError(f"must be an ISO 639-1 code such as en or de, not {raw[:40]!r}")
    if f.name == "multi_native_locale" and not _LOCALE.fullmatch(raw):
        raise ValueError(f"must be a locale such as en-US or fr-FR, not {raw[:40]!r}")
    return raw


def _schedule(f: Field, raw: str | list[Any]) -> list[int]:
    items = raw if isinstance(raw, list) else [i for i in re.split(r"[\s,]+", raw) if i]
    return [_integer(f, str(item), "each item ") for item in items]


def _locators(f: Field, raw: str | list[Any]) -> list[dict[str, str]]:
    if isinstance(raw, list):
        raw = ", ".join(
            f"{d.get('pronunciation_dictionary_id', '')}:{d.get('version_id', '')}" if isinstance(d, dict) else str(d)
            for d in raw
        )
    out = []
    for item in (i.strip() for i in raw.split(",") if i.strip()):
        dictionary, colon, version = item.partition(":")
        if not colon or not dictionary.strip() or not version.strip():
            raise ValueError(f"each item is id:version, not {item[:40]!r}")
        out.append({"pronunciation_dictionary_id": dictionary.strip(), "version_id": version.strip()})
    if len(out) > MAX_LOCATORS:
        raise ValueError(f"at most {MAX_LOCATORS} dictionaries per request, not {len(out)}")
    return out


def _dictionary(f: Field, raw: str | dict[str, Any]) -> dict[str, dict[str, str]]:
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            raise ValueError(f"must be a JSON object ({exc})") from None
    if not isinstance(raw, dict):
        raise ValueError('must be a JSON object: {"word": {"type": "IPA", "pronunciation": "..."}}')
    for word, entry in raw.items():
        if (
            not isinstance(entry, dict)
            or entry.get("type") not in PRONUNCIATION_TYPES
            or not isinstance(entry.get("pronunciation"), str)
        ):
            raise ValueError(f"{word[:20]!r}: needs type IPA or SAY_AS and a pronunciation")
    return raw


# Each parser takes the field and what was typed (a string) or read from a file (a list or a table).
_PARSERS: dict[str, Callable[[Field, Any], Any]] = {
    "number": _number,
    "integer": _integer,
    "choice": _choice,
    "text": _text,
    "schedule": _schedule,
    "locators": _locators,
    "dictionary": _dictionary,
}

_VS = elevenlabs.VOICE_SETTINGS_RANGES
_RP = murf.RATE_PITCH_RANGE
FIELDS: tuple[Field, ...] = (
    Field("stability", ELEVENLABS, "voice_settings", "number", 0.5, *_VS["stability"], short="stab"),
    Field("similarity_boost", ELEVENLABS, "voice_settings", "number", 0.75, *_VS["similarity_boost"], short="sim"),
    Field("style", ELEVENLABS, "voice_settings", "number", 0.0, *_VS["style"], short="style"),
    Field("use_speaker_boost", ELEVENLABS, "voice_settings", "bool", True, short="boost"),
    Field("speed", ELEVENLABS, "voice_settings", "number", 1.0, *_VS["speed"], short="speed"),
    Field(
        "chunk_length_schedule",
        ELEVENLABS,
        "generation_config",
        "schedule",
        None,
        50,
        500,
        short="sched",
        hint="50..500 each, e.g. " + " ".join(map(str, elevenlabs.DEFAULT_CHUNK_SCHEDULE)),
    ),
    Field(
        "pronunciation_dictionary_locators",
        ELEVENLABS,
        "pronunciation",
        "locators",
        short="dict",
        hint=f"id:version, ... (≤ {MAX_LOCATORS})",
    ),
    Field("sync_alignment", ELEVENLABS, "query", "bool", True, short="sync_alignment"),
    Field("auto_mode", ELEVENLABS, "query", "bool", False, short="auto_mode"),
    Field("apply_text_normalization", ELEVENLABS, "query", "choice", None, choices=("auto", "on", "off"), short="norm"),
    Field("language_code", ELEVENLABS, "query", "text", short="lang", hint="ISO 639-1: en, de, ..."),
    Field("seed", ELEVENLABS, "query", "integer", None, *SEED_RANGE, short="seed"),
    Field("enable_logging", ELEVENLABS, "query", "bool", True, short="logging"),
    Field("enable_ssml_parsing", ELEVENLABS, "query", "bool", False, short="ssml"),
    Field(
        "inactivity_timeout",
        ELEVENLABS,
        "query",
        "integer",
        None,
        1,
        elevenlabs.MAX_INACTIVITY_TIMEOUT,
        short="timeout",
    ),
    Field("voice_id", MURF, "voice_config", "text", short="voice", hint="e.g. en-US-ken"),
    Field("style", MURF, "voice_config", "text", short="style", hint="e.g. Conversational"),
    Field("rate", MURF, "voice_config", "integer", None, *_RP, short="rate"),
    Field("pitch", MURF, "voice_config", "integer", None, *_RP, short="pitch"),
    Field("variation", MURF, "voice_config", "integer", None, *VARIATION_RANGE, short="var"),
    Field("multi_native_locale", MURF, "voice_config", "text", short="locale", hint="e.g. fr-FR"),
    Field(
        "pronunciation_dictionary",
        MURF,
        "voice_config",
        "dictionary",
        short="dict",
        hint='{"word": {"type": "IPA", …}}',
    ),
    Field("min_buffer_size", MURF, "buffer", "integer", None, *murf.MIN_BUFFER_SIZE_RANGE, short="buf"),
    Field("max_buffer_delay_in_ms", MURF, "buffer", "integer", None, *murf.MAX_BUFFER_DELAY_RANGE, short="delay"),
    Field("model", MURF, "query", "choice", None, choices=MURF_MODELS, short="model"),
)


def dialect_key(dialect: Dialect) -> str:
    """The settings' family: both ElevenLabs routes take the same settings."""
    return MURF if dialect is Dialect.MURF else ELEVENLABS


def fields_for(dialect: Dialect | str) -> list[Field]:
    key = dialect_key(dialect) if isinstance(dialect, Dialect) else dialect
    return [f for f in FIELDS if f.dialect == key]


@dataclass(frozen=True)
class Settings:
    """The settings of one dialect family: only values that differ from the defaults."""

    family: str
    values: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def defaults(cls, dialect: Dialect | str) -> Settings:
        return cls(dialect_key(dialect) if isinstance(dialect, Dialect) else dialect, {})

    def field(self, name: str) -> Field | None:
        return next((f for f in fields_for(self.family) if f.name == name), None)

    def get(self, name: str) -> Any:
        f = self.field(name)
        return self.values.get(name, f.default if f else None)

    def updated(self, raw: Mapping[str, object]) -> tuple[Settings, dict[str, str]]:
        """These settings with each good value of `raw` (field name → typed text or bool) and the
        problems of the bad ones (field name → one line); a bad value keeps the previous one."""
        values = dict(self.values)
        problems: dict[str, str] = {}
        for name, text in raw.items():
            f = self.field(name)
            if f is None:
                problems[name] = f"{name} is not an {self.family} setting"
                continue
            try:
                value = f.parse(text)
            except ValueError as exc:
                problems[name] = f"{name} {exc}"
                continue
            if value is None or value == f.default:
                values.pop(name, None)
            else:
                values[name] = value
        return Settings(self.family, values), problems

    def text(self, name: str) -> str:
        """The value as the operator would type it ("" for the default)."""
        if name not in self.values:
            return ""
        value, f = self.values[name], self.field(name)
        if f is not None and f.kind == "schedule":
            return " ".join(map(str, value))
        if f is not None and f.kind == "locators":
            return ", ".join(f"{d['pronunciation_dictionary_id']}:{d['version_id']}" for d in value)
        if f is not None and f.kind == "dictionary":
            return json.dumps(value, ensure_ascii=False)
        if isinstance(value, float):
            return f"{value:g}"
        return str(value).lower() if isinstance(value, bool) else str(value)

    def reconnects_from(self, before: Settings) -> bool:
        """Whether going from `before` to these settings needs a new connection."""
        return self.query() != before.query()

    # ---- on the wire ---------------------------------------------------------------------------

    def _group(self, group: str) -> dict[str, Any]:
        return {
            f.name: self.values[f.name] for f in fields_for(self.family) if f.group == group and f.name in self.values
        }

    def voice_settings(self) -> dict[str, Any]:
        """Every field, as the console always sent them (the opening message names them all)."""
        return {f.name: self.get(f.name) for f in fields_for(ELEVENLABS) if f.group == "voice_settings"}

    def generation_config(self) -> dict[str, Any] | None:
        return self._group("generation_config") or None

    def locators(self) -> list[dict[str, str]] | None:
        return self.values.get("pronunciation_dictionary_locators")

    def voice_config(self, voice: str | None) -> murf.VoiceConfig:
        """Murf's voice_config; `voice` (the command line's) unless voice_id is set."""
        given = self._group("voice_config")
        core = {k: given.pop(k, None) for k in ("voice_id", "style", "rate", "pitch")}
        core["voice_id"] = core["voice_id"] or voice
        return murf.VoiceConfig(**core, extra=tuple(given.items()))

    def buffer(self) -> murf.BufferSettings | None:
        given = self._group("buffer")
        return murf.BufferSettings(**given) if given else None

    def query(self) -> dict[str, Any]:
        """The query options that differ from the defaults (the URL carries only these)."""
        return self._group("query")

    # ---- shown and saved -------------------------------------------------------------------------

    def summary(self) -> list[str]:
        """Short parts for the status strip, what is not default only; the first per-context
        setting is prefixed "voice: "."""
        parts = []
        for f in fields_for(self.family):
            if f.name not in self.values:
                continue
            value = self.values[f.name]
            if f.kind == "bool":
                parts.append(f.short if value else f"no {f.short}")
            elif f.kind in ("schedule", "locators", "dictionary"):
                parts.append(f"{f.short} {self.text(f.name)[:24]}")
            else:
                parts.append(f"{f.short} {self.text(f.name)}")
        first = next(
            (i for i, f in enumerate(f for f in fields_for(self.family) if f.name in self.values) if not f.reconnects),
            None,
        )
        if first is not None:
            parts[first] = "voice: " + parts[first]
        return parts

    def to_saved(self) -> dict[str, Any]:
        """Plain values (TOML-able) of what is not default."""
        return dict(self.values)

    @classmethod
    def from_saved(cls, dialect: Dialect | str, saved: object) -> tuple[Settings, list[str]]:
        """Settings from a saved table; a bad entry is a problem line and the default stays."""
        settings = cls.defaults(dialect)
        if not isinstance(saved, Mapping):
            return settings, [f"{settings.family} settings must be a table, not {type(saved).__name__}"]
        settings, problems = settings.updated(saved)
        return settings, list(problems.values())
