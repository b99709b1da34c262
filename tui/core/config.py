"""`ConsoleConfig`: what the console connects to and how, resolved from the command line.

Validation lives here (one-line `ConfigError` messages), so the CLI and any other front end
(tests, the UI's settings) reject the same bad values the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from tui.choices import AUDIO_BACKENDS, DEFAULT_LOCAL_VOICE, LOCAL_VOICES
from tui.protocol import cartesia, dialogue, elevenlabs
from tui.protocol.dialect import Dialect
from tui.protocol.formats import (
    MURF_RATES,
    PCM_RATES,
    AudioFormat,
    murf_format,
    parse_format_spelling,
    parse_output_format,
)
from tui.protocol.frames import DecodeError
from tui.protocol.secret import Secret
from tui.protocol.urls import (
    AUTH_HEADER,
    CARTESIA_BASE,
    CARTESIA_PATH,
    ELEVENLABS_BASE,
    INWORLD_BASE,
    INWORLD_PATH,
    MURF_BASE,
    cartesia_url,
    check_auth,
    dialogue_url,
    elevenlabs_url,
    inworld_url,
    murf_url,
)
from tui.recording.writer import DEFAULT_CAP_MB
from tui.session.dialogue_speakers import DEFAULT_VOICES as DIALOGUE_VOICES
from tui.session.pacer import DEFAULT_RATE, check_rate
from tui.session.settings import Settings
from tui.shipped import default_record_dir

from .turn_end import DEFAULT_TURN_END, TurnEnd, parse_turn_end

PROVIDERS = ("local", "elevenlabs", "murf", "inworld", "cartesia")
KEY_VARIABLES = {
    "elevenlabs": "ELEVENLABS_API_KEY",
    "murf": "MURF_API_KEY",
    "inworld": "INWORLD_API_KEY",
    "cartesia": "CARTESIA_API_KEY",
}

# Per provider: dialect, voice, model, output format when the command line gives none.
DEFAULTS = {
    "local": (Dialect.ELEVENLABS, "joe", None, "pcm_22050"),
    "elevenlabs": (Dialect.ELEVENLABS, "21m00Tcm4TlvDq8ikWAM", "eleven_flash_v2_5", "pcm_22050"),
    "murf": (Dialect.MURF, "en-US-natalie", "FALCON", "pcm_24000"),
    # pipecat's defaults (PROTOCOL-DIALECTS.md §1.5); the key is the portal's Base64 credential.
    "inworld": (Dialect.INWORLD, "Ashley", "inworld-tts-2", "pcm_24000"),
    # pipecat's model and LiveKit's rate (PROTOCOL-DIALECTS.md §2.5); the voice of Cartesia's examples.
    "cartesia": (Dialect.CARTESIA, cartesia.DEFAULT_VOICE, cartesia.DEFAULT_MODEL, "pcm_24000"),
}
PROVIDER_BASES = {"murf": MURF_BASE, "inworld": INWORLD_BASE, "cartesia": CARTESIA_BASE}
MURF_DEFAULT_VOICE = "en-US-natalie"


class ConfigError(ValueError):
    """A bad setting; `str()` is one line an operator can act on."""


@dataclass(frozen=True)
class ConsoleConfig:
    provider: str = "local"
    dialect: Dialect = Dialect.ELEVENLABS
    url: str | None = None  # None: the embedded server (local) or the provider's host
    voice: str | None = None
    model: str | None = None
    output_format: str = "pcm_22050"  # ElevenLabs spelling for both dialects (parse_format_spelling)
    inactivity_timeout: int = elevenlabs.DEFAULT_INACTIVITY_TIMEOUT
    audio: str | None = None  # speaker backend; None = the speaker's own default
    local_voice: str = DEFAULT_LOCAL_VOICE  # voice of the embedded server
    api_key: Secret | None = None
    theme: str | None = None
    record: bool = True
    record_dir: Path = field(default_factory=default_record_dir)  # ./recordings, or the user data dir
    rate: float = DEFAULT_RATE  # words per second of the turn pacer
    guard: bool = True  # refuse to open a sixth context client-side
    auto_reconnect: bool = True
    headless: bool = False  # the line console (tui.core.headless) instead of the full-screen one
    record_cap_mb: float = DEFAULT_CAP_MB  # the record dir's cap (tui.recording.writer)
    turn_end: TurnEnd = DEFAULT_TURN_END  # how turns end (tui.core.turn_end); the console cycles it live
    auth: str = AUTH_HEADER  # where the key goes: AUTH_HEADER or AUTH_BODY (tui.protocol.urls)
    server_faults: str | None = None  # the embedded server's --faults spec, passed on as typed
    fault_seed: int | None = None  # its --fault-seed (None: the server's default)

    @property
    def audio_format(self) -> AudioFormat:
        fmt = parse_format_spelling(self.output_format)
        assert not isinstance(fmt, DecodeError), "validated by resolve_config"
        return fmt

    @property
    def embedded(self) -> bool:
        """Whether the console starts its own local server (local provider, no --url)."""
        return self.provider == "local" and self.url is None

    def endpoint(self, base: str | None = None, options: Mapping[str, object] | None = None) -> str:
        """The full WebSocket URL, with the dialect's path and query unless `url` has a path.
        `options`: the live query options (tui.session.settings); they replace the URL's own."""
        base = base or self.url or PROVIDER_BASES.get(self.provider, ELEVENLABS_BASE)
        query: dict[str, Any] = dict(options or {})  # checked by tui.session.settings
        if urlsplit(base).path not in ("", "/"):  # the operator's full endpoint
            return replacing_query(naming_format(base, self.dialect, self.audio_format), query)
        fmt = self.audio_format
        if self.dialect is Dialect.INWORLD:  # no query: the format rides in each create (session.wire)
            return inworld_url(base)
        if self.dialect is Dialect.CARTESIA:  # the version only: the format rides in each request
            return cartesia_url(base, **query)
        if self.dialect is Dialect.ELEVENLABS_DIALOGUE:  # the voices ride in each context's first message
            for unused in ("inactivity_timeout", "auto_mode"):  # fixed at 20 s / not on this route
                query.pop(unused, None)
            return dialogue_url(
                base,
                model_id=self.model or dialogue.DEFAULT_MODEL,
                output_format=fmt.name,
                sync_alignment=query.pop("sync_alignment", True),
                **query,
            )
        if self.dialect is Dialect.MURF:
            return murf_url(
                base,
                model=query.pop("model", self.model),
                sample_rate=fmt.sample_rate,
                format=fmt.encoding.upper(),
                channel_type=_CHANNEL_TYPES[fmt.channels],
                **query,
            )
        return elevenlabs_url(
            base,
            self.voice or "",
            multi=self.dialect is Dialect.ELEVENLABS,
            model_id=self.model,
            output_format=fmt.name,
            inactivity_timeout=query.pop("inactivity_timeout", self.inactivity_timeout),
            # timing with every audio chunk: the transcript's heard words follow it
            sync_alignment=query.pop("sync_alignment", True),
            **query,
        )


def replacing_query(url: str, options: Mapping[str, object]) -> str:
    """`url` with each of `options` set in its query (booleans as true/false), the rest kept."""
    if not options:
        return url
    parts = urlsplit(url)
    spelled = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in options.items()}
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in spelled]
    return urlunsplit(
        (parts.scheme, parts.netloc, parts.path, urlencode(query + list(spelled.items())), parts.fragment)
    )


PROVIDERS_KEY = "providers"  # the config file's [providers.<provider>.<elevenlabs|murf>] tables


def provider_settings(data: Mapping[str, object], provider: str, dialect: Dialect) -> tuple[Settings, list[str]]:
    """The live settings saved for `provider` and `dialect`'s family in the config file's data,
    and a line per bad entry (the default stays for it)."""
    family = Settings.defaults(dialect).family
    section = data.get(PROVIDERS_KEY, {})
    section = section.get(provider, {}) if isinstance(section, Mapping) else None
    saved = section.get(family, {}) if isinstance(section, Mapping) else None
    settings, problems = Settings.from_saved(dialect, saved)
    return settings, [f"config [{PROVIDERS_KEY}.{provider}.{family}]: {p}" for p in problems]


def with_provider_settings(data: Mapping[str, object], provider: str, settings: Settings) -> dict[str, object]:
    """The config file's providers table with `settings` saved for `provider`; the rest kept."""
    table = data.get(PROVIDERS_KEY, {})
    table = (
        {k: dict(v) if isinstance(v, Mapping) else v for k, v in table.items()} if isinstance(table, Mapping) else {}
    )
    mine = table.get(provider)
    table[provider] = {**(mine if isinstance(mine, dict) else {}), settings.family: settings.to_saved()}
    return table


def naming_format(url: str, dialect: Dialect, fmt: AudioFormat) -> str:
    """`url` as given, plus the format the console plays if the URL names none: left out, the
    services (and the local server) send their defaults, ElevenLabs MP3 and Murf WAV."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    if dialect in (Dialect.INWORLD, Dialect.CARTESIA):  # each context's create / request names it
        return url
    if dialect is Dialect.MURF:
        wanted = {"format": fmt.encoding.upper(), "sample_rate": str(fmt.sample_rate)}
        if fmt.channels == 2:
            wanted["channel_type"] = "STEREO"
        # Any one of the three named: the rest are Murf's defaults, which url_format assumed too.
        missing = {} if query.keys() & set(_MURF_FORMAT_KEYS) else wanted
    else:
        missing = {} if "output_format" in query else {"output_format": fmt.name}
    if not missing:
        return url
    query_text = "&".join(q for q in (parts.query, urlencode(missing)) if q)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query_text, parts.fragment))


_CHANNEL_TYPES = {1: "MONO", 2: "STEREO"}
_MURF_FORMAT_KEYS = ("format", "sample_rate", "channel_type")
MURF_DEFAULT_FORMAT, MURF_DEFAULT_RATE = "WAV", 24000  # what Murf sends for what a URL leaves out
FORMAT_HINT = (
    "ElevenLabs: pcm_8000 ... pcm_48000, ulaw_8000, alaw_8000, mp3_22050_32, mp3_44100_32/64/96/128/192; "
    "Murf: pcm_, wav_, mp3_ + 8000/16000/24000/44100/48000, ulaw_8000, alaw_8000, '_stereo' for STEREO"
)


def url_format(url: str, dialect: Dialect) -> AudioFormat | None:
    """The format a full endpoint URL asks the server for (None: it names none, and the console
    adds its own, naming_format). ElevenLabs: `output_format`; Murf: `format`, `sample_rate` and
    `channel_type`, Murf's defaults (WAV, 24000 Hz or 8000 for G.711, MONO) for any left out."""
    query = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    if dialect in (Dialect.INWORLD, Dialect.CARTESIA):
        return None
    if dialect is not Dialect.MURF:
        if "output_format" not in query:
            return None
        fmt = parse_output_format(query["output_format"])
        if isinstance(fmt, DecodeError):
            raise ConfigError(f"--url: output_format {query['output_format'][:40]!r} is not a format ({FORMAT_HINT})")
        return fmt
    if not query.keys() & set(_MURF_FORMAT_KEYS):
        return None
    encoding = query.get("format", MURF_DEFAULT_FORMAT).upper()
    raw_rate = query.get("sample_rate", "8000" if encoding in ("ULAW", "ALAW") else str(MURF_DEFAULT_RATE))
    channels = {v: k for k, v in _CHANNEL_TYPES.items()}.get(query.get("channel_type", "MONO").upper())
    if channels is None:
        raise ConfigError(f"--url: channel_type must be MONO or STEREO, not {query['channel_type'][:40]!r}")
    if encoding == "OPUS":
        raise ConfigError("--url: format OPUS: the console cannot play Opus (and Murf does not offer it)")
    if not raw_rate.isdigit():
        raise ConfigError(f"--url: sample_rate must be a number, not {raw_rate[:40]!r}")
    fmt = murf_format(encoding, int(raw_rate))
    if isinstance(fmt, DecodeError):
        raise ConfigError(f"--url: {fmt.reason} (format {encoding[:40]!r}, sample_rate {raw_rate})")
    return replace(fmt, channels=channels)


def check_format(fmt: AudioFormat, dialect: Dialect, spelled: str) -> None:
    """Raise ConfigError unless the console plays `fmt` and `dialect` offers it."""
    if fmt.encoding == "opus":
        raise ConfigError(
            f"{spelled}: the console cannot play Opus (only other clients of the local server can ask for it); "
            "use mp3_44100_128 or pcm_22050"
        )
    if dialect is Dialect.INWORLD:
        pcm_like = fmt.encoding in ("pcm", "wav") and fmt.sample_rate in PCM_RATES
        if fmt.channels != 1 or not (pcm_like or fmt.encoding in ("mp3", "ulaw", "alaw")):
            raise ConfigError(
                f"{spelled} has no Inworld equivalent (Inworld: pcm_ (PCM) or wav_ (LINEAR16) at 8000 ... 48000 Hz, "
                "mp3_<rate>_<kbps>, ulaw_8000 (MULAW), alaw_8000 (ALAW))"
            )
    elif dialect is Dialect.CARTESIA:
        if (
            fmt.channels != 1
            or fmt.encoding not in ("pcm", "f32", "ulaw", "alaw")
            or fmt.sample_rate not in (cartesia.SAMPLE_RATES)
        ):
            raise ConfigError(
                f"{spelled} has no Cartesia equivalent (Cartesia: pcm_ (pcm_s16le), f32_ (pcm_f32le), ulaw_ "
                "(pcm_mulaw), alaw_ (pcm_alaw) at 8000, 16000, 22050, 24000, 44100 or 48000 Hz)"
            )
    elif dialect is Dialect.MURF:
        if (
            fmt.encoding not in ("pcm", "wav", "mp3", "ulaw", "alaw")
            or fmt.bitrate
            or fmt.sample_rate not in MURF_RATES
        ):
            raise ConfigError(
                f"{spelled} has no Murf equivalent (Murf: pcm_, wav_, mp3_ at 8000, 16000, 24000, "
                "44100 or 48000 Hz, ulaw_8000, alaw_8000; '_stereo' for STEREO)"
            )
        if fmt.encoding in ("ulaw", "alaw") and fmt.sample_rate != 8000:
            raise ConfigError(f"{spelled}: Murf's {fmt.encoding} is 8000 Hz only")
    elif fmt.channels != 1 or isinstance(parse_output_format(fmt.name), DecodeError):
        raise ConfigError(f"{spelled} is not an ElevenLabs output_format ({FORMAT_HINT.split('; ')[0]})")


def dialect_of_url(url: str) -> Dialect | None:
    """The dialect a full endpoint URL speaks, from its path (None if it names none)."""
    path = urlsplit(url).path.rstrip("/")
    if path.endswith("/text-to-dialogue/multi-stream-input"):
        return Dialect.ELEVENLABS_DIALOGUE
    if path.endswith("/multi-stream-input"):
        return Dialect.ELEVENLABS
    if path.endswith("/v1/speech/stream-input"):
        return Dialect.MURF
    if path.endswith(INWORLD_PATH):
        return Dialect.INWORLD
    if path.endswith(CARTESIA_PATH):
        return Dialect.CARTESIA
    if path.endswith("/stream-input"):
        return Dialect.ELEVENLABS_SINGLE
    return None


def resolve_config(
    *,
    provider: str | None = None,
    dialect: str | None = None,
    url: str | None = None,
    voice: str | None = None,
    model: str | None = None,
    output_format: str | None = None,
    inactivity_timeout: int | None = None,
    audio: str | None = None,
    local_voice: str = DEFAULT_LOCAL_VOICE,
    env: dict[str, str] | None = None,
    rate: float = DEFAULT_RATE,
    theme: str | None = None,
    record: bool = True,
    record_dir: str | Path | None = None,
    guard: bool = True,
    auto_reconnect: bool = True,
    headless: bool = False,
    record_cap_mb: float = DEFAULT_CAP_MB,
    turn_end: str | None = None,
    auth: str | None = None,
    server_faults: str | None = None,
    fault_seed: int | None = None,
) -> ConsoleConfig:
    """Check and complete the options; raise ConfigError with one line on the first bad one.

    Every option is a keyword of its own (no catch-all): a misspelt one is a TypeError at the call
    and a mypy error before it. None for `record_dir`, `turn_end` and `auth` means the default
    (./recordings or the user data dir, flush-close, the key in the header)."""
    env = env or {}
    provider = provider or "local"
    if provider not in PROVIDERS:
        raise ConfigError(f"--provider must be one of {', '.join(PROVIDERS)}, not {provider!r}")
    d_dialect, d_voice, d_model, d_format = DEFAULTS[provider]
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme not in ("ws", "wss") or not parts.hostname:
            raise ConfigError(f"--url must be a ws:// or wss:// URL, not {url!r}")
        d_dialect = dialect_of_url(url) or d_dialect
    if dialect is not None:
        try:
            d_dialect = Dialect(dialect)
        except ValueError:
            choices = ", ".join(d.value for d in Dialect)
            raise ConfigError(f"--dialect must be one of {choices}, not {dialect!r}") from None
    if d_dialect is Dialect.MURF:
        d_voice, d_format = MURF_DEFAULT_VOICE, "pcm_24000"
    elif d_dialect is Dialect.ELEVENLABS_DIALOGUE:  # two speakers; Eleven v3 is served only here
        d_voice, d_model = ",".join(DIALOGUE_VOICES), dialogue.DEFAULT_MODEL
    elif d_dialect in (Dialect.INWORLD, Dialect.CARTESIA) and provider == "local":
        # Each request names a model (session.wire): the status strip shows the one it names.
        d_model = DEFAULTS[d_dialect.value][2]
        if d_dialect is Dialect.INWORLD:
            d_format = DEFAULTS["inworld"][3]
    if d_dialect is Dialect.ELEVENLABS_DIALOGUE and model is not None and model not in dialogue.MODELS:
        raise ConfigError(f"--model: elevenlabs-dialogue serves {' and '.join(dialogue.MODELS)}, not {model!r}")
    fmt = given = parse_format_spelling(output_format or d_format)
    if isinstance(fmt, DecodeError):
        raise ConfigError(f"--output-format: {fmt.reason} ({FORMAT_HINT})")
    check_format(fmt, d_dialect, f"--output-format {fmt.name}")
    # The URL is the truth: what a full endpoint asks for is what the server sends.
    asked = url_format(url, d_dialect) if url is not None and urlsplit(url).path not in ("", "/") else None
    if asked is not None:
        if output_format is not None and given != asked:
            raise ConfigError(
                f"--output-format {output_format} conflicts with the URL's format ({asked.name}); give one of them"
            )
        check_format(asked, d_dialect, f"--url format {asked.name}")
        fmt = asked
    if server_faults and (provider != "local" or url is not None):
        raise ConfigError(
            "--server-faults needs the embedded server (--provider local, no --url); "
            "give a standalone server --faults instead"
        )
    timeout = elevenlabs.DEFAULT_INACTIVITY_TIMEOUT if inactivity_timeout is None else inactivity_timeout
    if not 1 <= timeout <= elevenlabs.MAX_INACTIVITY_TIMEOUT:
        raise ConfigError(f"--inactivity-timeout must be 1..{elevenlabs.MAX_INACTIVITY_TIMEOUT} seconds, not {timeout}")
    if audio is not None and audio not in AUDIO_BACKENDS:
        raise ConfigError(f"--audio must be one of {', '.join(AUDIO_BACKENDS)}, not {audio!r}")
    if local_voice not in LOCAL_VOICES:
        raise ConfigError(f"--local-voice must be one of {', '.join(LOCAL_VOICES)}, not {local_voice!r}")
    try:
        rate = check_rate(rate)
    except ValueError as exc:
        raise ConfigError(f"--rate: {exc}") from None
    try:  # how turns end (turn_end.py) and where the key goes (urls.py)
        pattern = DEFAULT_TURN_END if turn_end is None else parse_turn_end(turn_end)
    except ValueError as exc:
        raise ConfigError(f"--turn-end: {exc}") from None
    try:
        auth = AUTH_HEADER if auth is None else check_auth(auth, d_dialect.value)
    except ValueError as exc:
        raise ConfigError(f"--auth: {exc}") from None
    api_key = None
    if provider in KEY_VARIABLES:
        name = KEY_VARIABLES[provider]
        if not env.get(name):
            raise ConfigError(
                f"--provider {provider} needs an API key: set {name} in the environment or in .env (see .env.example)"
            )
        api_key = Secret(env[name])
    return ConsoleConfig(
        provider=provider,
        dialect=d_dialect,
        url=url,
        voice=voice or d_voice,
        model=model if model is not None else d_model,
        output_format=fmt.name,
        inactivity_timeout=timeout,
        audio=audio,
        local_voice=local_voice,
        api_key=api_key,
        rate=rate,
        theme=theme,
        record=record,
        record_dir=default_record_dir() if record_dir is None else Path(record_dir),
        guard=guard,
        auto_reconnect=auto_reconnect,
        headless=headless,
        record_cap_mb=record_cap_mb,
        turn_end=pattern,
        auth=auth,
        server_faults=server_faults,
        fault_seed=fault_seed,
    )
