"""What one `apply` changed, so a client repaints only those areas (as pipecat Tail does)."""

from __future__ import annotations

from dataclasses import dataclass, field

from tui.protocol.formats import AudioFormat

from .framelog import Level


@dataclass(frozen=True)
class Banner:
    """A dismissible message: errors from the server shown whole, close codes, lost connections."""

    text: str
    level: Level = "error"
    at: float = 0.0  # seconds since the session started


@dataclass(frozen=True)
class PlayAudio:
    """Audio the speaker should play now (the model decided it is not late)."""

    context_id: str
    data: bytes = field(repr=False)
    format: AudioFormat


@dataclass
class Changes:
    slots: set[int] = field(default_factory=set)  # indexes of slots that changed
    log: bool = False
    transcript: bool = False
    status: bool = False
    banner: Banner | None = None  # a new banner to show
    play: PlayAudio | None = None
    end_audio: set[str] = field(default_factory=set)  # contexts whose audio is complete
    opened: list[str] = field(default_factory=list)  # contexts that took a slot, in order

    def __bool__(self) -> bool:
        return bool(
            self.slots
            or self.log
            or self.transcript
            or self.status
            or self.banner
            or self.play
            or self.end_audio
            or self.opened
        )

    def merge(self, other: Changes) -> Changes:
        """Fold a later change into this one (a later banner wins; audio is not merged)."""
        self.slots |= other.slots
        self.log |= other.log
        self.transcript |= other.transcript
        self.status |= other.status
        self.banner = other.banner or self.banner
        self.end_audio |= other.end_audio
        self.opened += other.opened
        return self
