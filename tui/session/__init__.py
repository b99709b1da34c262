"""The Textual-free model of one conversation (imports only `tui.protocol`).

- `Session` (model): a `ContextSlot` per context the dialect allows (growing where it sets no
  cap), the frame log, the transcript, the status strip; `apply(event) -> Changes`. Its state
  is `SessionState` (state), client frames are read by `Outbound` (outbound), server frames by
  inbound.
- `events`: what can happen (frames sent/received as wire text, connection changes, speaker
  progress, barge-in, clock ticks).
- `TurnPacer`: a typed turn as word-by-word steps at an adjustable rate; `Wire`: those steps in
  each dialect's frames.
"""

from .changes import Banner, Changes, PlayAudio
from .events import (
    Connected,
    Connecting,
    Disconnected,
    FrameReceived,
    FrameSent,
    Interrupted,
    Notice,
    ReconnectScheduled,
    SendFailed,
    SessionEvent,
    SpeakerProgress,
    StatusUpdate,
    Tick,
    TurnOpened,
    TurnQueued,
)
from .framelog import LEVELS, FrameLog, Level, LogEntry, as_level, summarize
from .model import Session
from .pacer import DEFAULT_RATE, MAX_RATE, MIN_RATE, Step, TurnPacer, check_rate
from .slot import DEFAULT_CONTEXT, ContextSlot, SlotMetrics, SlotState
from .status import BargeInTiming, ConnectionState, StatusStrip
from .transcript import Transcript, TurnTranscript, Word
from .wire import DEFAULT_VOICE_SETTINGS, Wire

__all__ = [
    "Banner",
    "BargeInTiming",
    "Changes",
    "Connected",
    "Connecting",
    "ConnectionState",
    "ContextSlot",
    "DEFAULT_CONTEXT",
    "DEFAULT_RATE",
    "DEFAULT_VOICE_SETTINGS",
    "Disconnected",
    "FrameLog",
    "LEVELS",
    "Level",
    "FrameReceived",
    "FrameSent",
    "Interrupted",
    "LogEntry",
    "MAX_RATE",
    "MIN_RATE",
    "Notice",
    "PlayAudio",
    "ReconnectScheduled",
    "SendFailed",
    "Session",
    "SessionEvent",
    "SlotMetrics",
    "SlotState",
    "SpeakerProgress",
    "StatusStrip",
    "StatusUpdate",
    "Step",
    "Tick",
    "Transcript",
    "TurnOpened",
    "TurnPacer",
    "TurnQueued",
    "TurnTranscript",
    "Word",
    "Wire",
    "as_level",
    "check_rate",
    "summarize",
]
