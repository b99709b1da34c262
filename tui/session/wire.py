"""A turn's frames in each dialect's words (PROTOCOL.md §1.2, §1.5, §2.2 and §4).

- ElevenLabs multi-stream-input: the opening message `{"text": " ", voice_settings}`, one frame
  per word (`flush` on a sentence's last word), and at the end flush (if anything is unflushed)
  then `close_context`; keep-alive is empty text; barge-in is `close_context`.
- Murf: `voice_config` rides in every text frame (as production clients send it), the end is
  `{"text": "", "end": true}`, barge-in is `clear`. Murf has no flush.
- ElevenLabs single-context stream-input: no context ids; `{"text": ""}` ends the stream and
  the socket; a single space keeps it alive; barge-in means closing the socket.

Per-context settings (tui.session.settings): `with_settings` gives a wire whose opening message
carries them (ElevenLabs) or whose every text and end frame does (Murf voice_config, buffer).

`api_key` set (`--auth body`): the key rides in each context's opening message as `xi_api_key`
(the Python SDK's spelling), on both ElevenLabs endpoints. Murf takes its key only at the
handshake, so a Murf wire never carries one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from tui.protocol import elevenlabs, murf, stream_input
from tui.protocol.dialect import Dialect
from tui.protocol.secret import Secret

if TYPE_CHECKING:
    from .settings import Settings

DEFAULT_VOICE_SETTINGS: dict[str, Any] = {
    "stability": 0.5,
    "similarity_boost": 0.75,
    "style": 0.0,
    "use_speaker_boost": True,
    "speed": 1.0,
}


@dataclass(frozen=True)
class Wire:
    """Encodes a turn's steps for one dialect. Every method returns the frames to send, in order."""

    dialect: Dialect
    voice_settings: dict[str, Any] | None = None
    voice_config: murf.VoiceConfig | None = None
    api_key: Secret | None = None  # set: the key goes in each opening message (auth in the body)
    generation_config: dict[str, Any] | None = None
    pronunciation_dictionary_locators: list[dict[str, Any]] | None = None
    buffer: murf.BufferSettings | None = None  # Murf: in each text frame, as its own plugin sends it

    def with_settings(self, settings: Settings, *, voice: str | None) -> Wire:
        """This wire carrying `settings` (`voice`: the command line's, for Murf's voice_id)."""
        return replace(
            self,
            voice_settings=settings.voice_settings(),
            generation_config=settings.generation_config(),
            pronunciation_dictionary_locators=settings.locators(),
            voice_config=settings.voice_config(voice),
            buffer=settings.buffer(),
        )

    @property
    def can_flush(self) -> bool:
        return self.dialect is not Dialect.MURF

    @property
    def barge_in_closes_socket(self) -> bool:
        return self.dialect is Dialect.ELEVENLABS_SINGLE

    def open(self, cid: str | None) -> list[str]:
        settings = elevenlabs.ContextSettings(
            voice_settings=self.voice_settings,
            generation_config=self.generation_config,
            pronunciation_dictionary_locators=self.pronunciation_dictionary_locators,
        )
        match self.dialect:
            case Dialect.ELEVENLABS:
                return [
                    elevenlabs.encode_client(elevenlabs.SendText(" ", cid, settings=settings, xi_api_key=self.api_key))
                ]
            case Dialect.ELEVENLABS_SINGLE:
                return [
                    stream_input.encode_client(elevenlabs.SendText(" ", settings=settings, xi_api_key=self.api_key))
                ]
            case _:
                return []  # Murf: the first text frame opens the context, voice_config inside

    def text(self, cid: str | None, text: str, flush: bool) -> list[str]:
        match self.dialect:
            case Dialect.ELEVENLABS:
                return [elevenlabs.encode_client(elevenlabs.SendText(text, cid, flush=flush))]
            case Dialect.ELEVENLABS_SINGLE:
                return [stream_input.encode_client(elevenlabs.SendText(text, flush=flush))]
            case _:
                return [
                    murf.encode_client(murf.SendText(text, cid, voice_config=self.voice_config, buffer=self.buffer))
                ]

    def end_turn(self, cid: str | None, *, unflushed: bool) -> list[str]:
        """The end of a turn; `unflushed` says whether text was sent since the last flush."""
        match self.dialect:
            case Dialect.ELEVENLABS:
                frames = [self.flush(cid)] if unflushed else []
                return frames + [self.close(cid)]
            case Dialect.ELEVENLABS_SINGLE:
                return [stream_input.encode_client(stream_input.EndOfStream())]
            case _:
                return [self.close(cid)]

    def end_flush(self, cid: str | None, *, unflushed: bool) -> list[str]:
        """The flush that ends a turn whose close waits (tui.core.turn_end); Murf has none."""
        return [self.flush(cid)] if unflushed and self.can_flush else []

    def flush(self, cid: str | None) -> str:
        if self.dialect is Dialect.MURF:
            raise ValueError("Murf has no flush: text is generated at sentence ends or buffer limits")
        if self.dialect is Dialect.ELEVENLABS_SINGLE:
            cid = None
        return elevenlabs.encode_client(elevenlabs.Flush(cid))

    def keep_alive(self, cid: str | None) -> str:
        match self.dialect:
            case Dialect.ELEVENLABS:
                return elevenlabs.encode_client(elevenlabs.KeepAlive(cid))
            case Dialect.ELEVENLABS_SINGLE:
                return stream_input.encode_client(elevenlabs.SendText(" "))
            case _:
                # Murf documents no keep-alive; empty text for the context resets the socket's
                # 3-minute inactivity clock and generates nothing.
                return murf.encode_client(murf.SendText("", cid))

    def close(self, cid: str | None) -> str:
        """Close a context by hand: it drains, then the server sends its final."""
        match self.dialect:
            case Dialect.ELEVENLABS:
                return elevenlabs.encode_client(elevenlabs.CloseContext(cid))
            case Dialect.ELEVENLABS_SINGLE:
                return stream_input.encode_client(stream_input.EndOfStream())
            case _:
                return murf.encode_client(murf.End(cid, self.voice_config, self.buffer))

    def barge_in(self, cid: str | None) -> str | None:
        """The frame that abandons a context; None on the single endpoint (close the socket)."""
        match self.dialect:
            case Dialect.ELEVENLABS:
                return elevenlabs.encode_client(elevenlabs.CloseContext(cid))
            case Dialect.MURF:
                return murf.encode_client(murf.Clear(cid))
            case _:
                return None
