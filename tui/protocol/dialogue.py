"""ElevenLabs Text-to-Dialogue `multi-stream-input` (PROTOCOL-DIALECTS.md §3).

One socket, up to five contexts, each with the voices its first message registers; text goes in
`inputs`, each naming its speaker (`voice_id`). Both directions are snake_case. The server sends
one event per frame: audio (with `alignment` in ms, restarting at 0 in every frame),
`is_final_audio_for_turn` (a flushed batch's audio is all out) and `is_final` (the context is
closed). Encoders are canonical; decoders accept every spelling seen and return `DecodeError`
for anything malformed, never raise.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from .alignment import decode_alignment
from .elevenlabs import body_api_key, decode_audio_field
from .frames import (
    Alignment,
    Audio,
    DecodeError,
    ErrorFrame,
    Final,
    FlushDone,
    ServerEvent,
    TurnAudioDone,
    Unknown,
    dumps,
    load_object,
    optional_str,
    truthy_flag,
    truthy_flags,
)
from .secret import Secret
from .steps import ClientStep, StepKind

MAX_CONTEXTS = 5  # per socket, the keep-alive context and closing ones included (§3.4)
INACTIVITY_TIMEOUT = 20.0  # seconds, per context (reset by any message for it) and per socket
# eleven_v4 and eleven_v4_turbo: third-party notes only (PROTOCOL-DIALECTS.md §3.1, unverified), but
# pipecat 1.14.0's ElevenLabsDialogueTTSService defaults to eleven_v4_turbo on this route.
MODELS = ("eleven_v3", "eleven_v3_conversational", "eleven_v4", "eleven_v4_turbo")
DEFAULT_MODEL = "eleven_v3"  # the console's: two speakers need it (the conversational model takes one)
# The v4 models' voice limit is unpublished: taken as eleven_v3's.
MAX_VOICES = {"eleven_v3": 10, "eleven_v3_conversational": 1, "eleven_v4": 10, "eleven_v4_turbo": 10}
# Generation starts without a flush once this much text waits (§3.4, "roughly").
BUFFER_MIN_CHARS = 40
BUFFER_MIN_WORDS = 8

# Error texts: the first two are the service's (§3.3, pipecat #5601); the others are ours.
MAX_CONTEXTS_MESSAGE = (
    f"Maximum simultaneous contexts per WebSocket connection exceeded ({MAX_CONTEXTS}). "
    "Please close an existing context before opening a new one."
)
VOICES_RESENT_MESSAGE = "voices can only be set in the first message"


# ---- client → server ---------------------------------------------------------------------


@dataclass(frozen=True)
class ContextSetup:
    """What only a context's first message may carry (the credential: only the connection's first)."""

    voices: tuple[str, ...] = ()
    voice_settings: dict[str, Any] | None = None
    pronunciation_dictionary_locators: list[dict[str, Any]] | None = None
    api_key: Secret | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.voices:
            out["voices"] = list(self.voices)
        if self.voice_settings is not None:
            out["voice_settings"] = self.voice_settings
        if self.pronunciation_dictionary_locators is not None:
            out["pronunciation_dictionary_locators"] = self.pronunciation_dictionary_locators
        if self.api_key is not None:
            out["xi_api_key"] = self.api_key.reveal()
        return out


@dataclass(frozen=True)
class DialogueInput:
    """One piece of text and who says it; `new_turn` ends that speaker's pending segment first."""

    text: str
    voice_id: str
    new_turn: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "voice_id": self.voice_id, "new_turn": self.new_turn}


@dataclass(frozen=True)
class OpenContext:
    """A context's first message: its voices (and settings), no text."""

    context_id: str
    setup: ContextSetup


@dataclass(frozen=True)
class SendInputs:
    context_id: str
    inputs: tuple[DialogueInput, ...]
    flush: bool = False  # tolerated riding along; the SDK sends flush alone
    setup: ContextSetup | None = None  # first-message fields riding along (opens, or is refused later)


@dataclass(frozen=True)
class Flush:
    context_id: str
    setup: ContextSetup | None = None


@dataclass(frozen=True)
class KeepAlive:
    context_id: str
    setup: ContextSetup | None = None


@dataclass(frozen=True)
class CloseContext:
    context_id: str
    setup: ContextSetup | None = None


@dataclass(frozen=True)
class CloseSocket:
    pass


ClientFrame = OpenContext | SendInputs | Flush | KeepAlive | CloseContext | CloseSocket


def encode_client(frame: ClientFrame) -> str:
    obj: dict[str, Any] = {}
    match frame:
        case CloseSocket():
            return dumps({"close_socket": True})
        case OpenContext():
            obj["context_id"] = frame.context_id
            obj.update(frame.setup.to_json())
            return dumps(obj)
        case SendInputs():
            obj["context_id"] = frame.context_id
            if frame.setup is not None:
                obj.update(frame.setup.to_json())
            obj["inputs"] = [item.to_json() for item in frame.inputs]
            if frame.flush:
                obj["flush"] = True
        case Flush():
            obj["context_id"] = frame.context_id
            obj["flush"] = True
        case KeepAlive():
            obj["context_id"] = frame.context_id
            obj["keep_alive"] = True
        case CloseContext():
            obj["context_id"] = frame.context_id
            obj["close_context"] = True
        case _:
            raise TypeError(f"not a Text-to-Dialogue client frame: {frame!r}")
    if frame.setup is not None and not isinstance(frame, SendInputs):
        obj.update(frame.setup.to_json())
    return dumps(obj)


def _decode_voices(value: Any) -> tuple[str, ...] | None | DecodeError:
    if value is None:
        return None
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        return DecodeError("voices must be a non-empty list of voice ids (strings)")
    return tuple(value)


def _decode_setup(obj: dict[str, Any]) -> ContextSetup | None | DecodeError:
    voices = _decode_voices(obj.get("voices"))
    if isinstance(voices, DecodeError):
        return voices
    settings = obj.get("voice_settings")
    if settings is not None:
        if not isinstance(settings, dict):
            return DecodeError("voice_settings must be an object")
        stability = settings.get("stability")
        if stability is not None and (
            isinstance(stability, bool) or not isinstance(stability, (int, float)) or not 0.0 <= stability <= 1.0
        ):
            return DecodeError("voice_settings.stability must be a number in 0..1")
    locators = obj.get("pronunciation_dictionary_locators")
    if locators is not None and (not isinstance(locators, list) or not all(isinstance(x, dict) for x in locators)):
        return DecodeError("pronunciation_dictionary_locators must be a list of objects")
    key = body_api_key(obj)
    if isinstance(key, DecodeError):
        return key
    token = optional_str(obj, "single_use_token")
    if isinstance(token, DecodeError):
        return token
    key = key if key is not None else token
    if voices is None and settings is None and locators is None and key is None:
        return None
    return ContextSetup(voices or (), settings, locators, Secret(key) if key is not None else None)


def _decode_inputs(value: Any) -> tuple[DialogueInput, ...] | DecodeError:
    if not isinstance(value, list) or not value:
        return DecodeError("inputs must be a non-empty list of {text, voice_id} objects")
    out = []
    for item in value:
        if not isinstance(item, dict):
            return DecodeError("each of inputs must be an object with text and voice_id")
        text, voice_id = item.get("text"), item.get("voice_id")
        if not isinstance(text, str):
            return DecodeError("inputs[].text must be a string")
        if not isinstance(voice_id, str) or not voice_id:
            return DecodeError("inputs[].voice_id must be a voice id (a non-empty string)")
        new_turn = truthy_flag(item, "new_turn")
        if isinstance(new_turn, DecodeError):
            return new_turn
        out.append(DialogueInput(text, voice_id, new_turn))
    return tuple(out)


def decode_client(raw: str | bytes) -> ClientFrame | DecodeError:
    """What the server makes of one client frame."""
    obj = load_object(raw)
    if isinstance(obj, DecodeError):
        return obj
    flags = truthy_flags(obj, "flush", "keep_alive", "close_context", "close_socket")
    if isinstance(flags, DecodeError):
        return flags
    context_id = optional_str(obj, "context_id", "contextId")
    if isinstance(context_id, DecodeError):
        return context_id
    setup = _decode_setup(obj)
    if isinstance(setup, DecodeError):
        return setup
    if flags["close_socket"]:
        return CloseSocket()
    if context_id is None:
        return DecodeError("context_id is required on every message but a lone close_socket")
    if flags["close_context"]:
        return CloseContext(context_id, setup)
    if "inputs" in obj:
        inputs = _decode_inputs(obj["inputs"])
        if isinstance(inputs, DecodeError):
            return inputs
        return SendInputs(context_id, inputs, flags["flush"], setup)
    if flags["flush"]:
        return Flush(context_id, setup)
    if flags["keep_alive"]:
        return KeepAlive(context_id, setup)
    if setup is not None:
        return OpenContext(context_id, setup)
    return DecodeError("frame has none of voices, inputs, flush, keep_alive, close_context, close_socket")


def client_step(frame: object) -> ClientStep:
    """What a client frame does to its context (tui.protocol.steps)."""
    match frame:
        case OpenContext(context_id=cid):
            return ClientStep(StepKind.OPEN, cid)
        case SendInputs(context_id=cid, inputs=inputs, flush=flush):
            # One step per frame: the text of every input; the speaker of the first (the console
            # sends one input per frame).
            return ClientStep(
                StepKind.TEXT, cid, "".join(i.text for i in inputs), flush=flush, speaker=inputs[0].voice_id
            )
        case Flush(context_id=cid):
            return ClientStep(StepKind.FLUSH, cid)
        case KeepAlive(context_id=cid):
            return ClientStep(StepKind.KEEP_ALIVE, cid)
        case CloseContext(context_id=cid):
            return ClientStep(StepKind.CLOSE, cid)
        case CloseSocket():
            return ClientStep(StepKind.CLOSE_SOCKET)
    return ClientStep(StepKind.NONE)


# ---- server → client ---------------------------------------------------------------------


def encode_alignment(alignment: Alignment) -> dict[str, Any]:
    """The snake_case alignment object, ms relative to this frame's audio."""
    return {
        "chars": list(alignment.chars),
        "char_start_times_ms": list(alignment.char_start_times_ms),
        "char_durations_ms": list(alignment.char_durations_ms),
    }


def encode_server(event: ServerEvent) -> str | list[str]:
    """Canonical server frames, one event per frame.

    The runtime's flush marker (`FlushDone`) is this dialect's `is_final_audio_for_turn`, as is
    `TurnAudioDone`. Audio with `is_final` set goes out as two frames (audio, then `is_final`):
    pipecat reads no audio from a frame that carries either flag (§3.5)."""
    obj: dict[str, Any]
    match event:
        case Audio():
            obj = {"audio": base64.b64encode(event.audio).decode("ascii")}
            if event.alignment is not None:
                obj["alignment"] = encode_alignment(event.alignment)
            obj["context_id"] = event.context_id
            if event.is_final:
                return [dumps(obj), dumps({"is_final": True, "context_id": event.context_id})]
        case TurnAudioDone() | FlushDone():
            obj = {"is_final_audio_for_turn": True, "context_id": event.context_id}
        case Final():
            obj = {"is_final": True, "context_id": event.context_id}
        case ErrorFrame():
            obj = {"message": event.message}
            if event.error is not None:
                obj["error"] = event.error
            if event.code is not None:
                obj["code"] = event.code
            if event.context_id is not None:
                obj["context_id"] = event.context_id
        case Unknown():
            obj = dict(event.raw)
        case _:
            raise TypeError(f"not a Text-to-Dialogue server event: {event!r}")
    return dumps(obj)


def decode_server(raw: str | bytes) -> ServerEvent | DecodeError:
    """What a client makes of one server frame. Audio riding with `is_final` is kept (marked
    is_final, as for ElevenLabs); audio riding with `is_final_audio_for_turn` is kept as audio."""
    obj = load_object(raw)
    if isinstance(obj, DecodeError):
        return obj
    context_id = optional_str(obj, "context_id", "contextId")
    if isinstance(context_id, DecodeError):
        return context_id
    if obj.get("error") or ("message" in obj and "code" in obj and "audio" not in obj):
        message, error, code = obj.get("message"), obj.get("error"), obj.get("code")
        return ErrorFrame(
            message=message if isinstance(message, str) else str(error if error is not None else obj)[:300],
            error=error if isinstance(error, str) else (None if error is None else str(error)[:100]),
            code=code if isinstance(code, int) and not isinstance(code, bool) else None,
            context_id=context_id,
            raw=obj,
        )
    flags = {}
    for name in ("is_final", "is_final_audio_for_turn"):
        flag = truthy_flag(obj, name, "isFinal" if name == "is_final" else name)
        if isinstance(flag, DecodeError):
            return flag
        flags[name] = flag
    audio_field = obj.get("audio")
    if audio_field not in (None, ""):
        audio = decode_audio_field(audio_field)
        if isinstance(audio, DecodeError):
            return audio
        alignment = decode_alignment(obj.get("alignment"))
        if isinstance(alignment, DecodeError):
            return alignment
        return Audio(audio, context_id, alignment, None, flags["is_final"])
    if flags["is_final"]:
        return Final(context_id)
    if flags["is_final_audio_for_turn"]:
        return TurnAudioDone(context_id)
    if "audio" in obj:
        alignment = decode_alignment(obj.get("alignment"))
        if isinstance(alignment, DecodeError):
            return alignment
        return Audio(b"", context_id, alignment)
    return Unknown(obj, context_id)
