"""A turn's frames in each dialect's words (PROTOCOL.md §1.2, §1.5, §2.2 and §4).

- ElevenLabs multi-stream-input: the opening message `{"text": " ", voice_settings}`, one frame
  per word (`flush` on a sentence's last word), and at the end flush (if anything is unflushed)
  then `close_context`; keep-alive is empty text; barge-in is `close_context`.
- Murf: `voice_config` rides in every text frame (as production clients send it), the end is
  `{"text": "", "end": true}`, barge-in is `clear`. Murf has no flush.
- ElevenLabs single-context stream-input: no context ids; `{"text": ""}` ends the stream and
  the socket; a single space keeps it alive; barge-in means closing the socket.
- Inworld: `create` opens a context (voice, model, the console's format, word timestamps ASYNC,
  autoMode off: the console flushes at sentence ends itself, `send_text` with `flush_context`
  riding along); the end is `flush_context` (if anything is unflushed) then `close_context`, as
  pipecat and LiveKit end theirs; keep-alive is empty `send_text`; barge-in is `close_context`
  (Inworld cannot cancel: what it still synthesizes arrives under the old id and is dropped).
- Cartesia: no opening frame (the first request creates the context); every request carries
  the model, voice, language, the console's format and `add_timestamps` (the transcript's heard
  words follow them), as pipecat sends them; text is `continue: true` with `flush` riding on a
  sentence's last word (a `flush_done` each); the end is an empty transcript with `continue:
  false`; barge-in is `cancel`. Cartesia has no keep-alive: an empty continuing input, which
  generates nothing, is the nearest.
- ElevenLabs Text-to-Dialogue: the opening message registers the voices (`voices`, the
  `--voice` list; stability only from the voice settings); text goes in `inputs`, one input per
  word naming its speaker (the operator's `A:` / `B:` labels, tui.session.dialogue_speakers),
  `new_turn` on each speaker's first; a sentence's last word is followed by a `flush` of its own
  (the service's SDK sends flush alone); the end is flush (if anything is unflushed) then
  `close_context`; keep-alive is `keep_alive` for the context; barge-in is `close_context` (it
  still flushes: what comes after is dropped by id). No context-less keep-alive exists.

Per-context settings (tui.session.settings): `with_settings` gives a wire whose opening message
carries them (ElevenLabs) or whose every text and end frame does (Murf voice_config, buffer).

`api_key` set (`--auth body`): the key rides in each context's opening message as `xi_api_key`
(the Python SDK's spelling), on both ElevenLabs endpoints. Murf takes its key only at the
handshake, so a Murf wire never carries one.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from tui.protocol import cartesia, dialogue, elevenlabs, inworld, murf, stream_input
from tui.protocol.dialect import Dialect
from tui.protocol.formats import AudioFormat
from tui.protocol.secret import Secret

from .dialogue_speakers import Speaking, label_of, voice_list

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
    audio_format: AudioFormat | None = None  # Inworld: each context's `create` names the format
    model: str | None = None  # Inworld `create.modelId`
    voice: str | None = None  # Inworld `create.voiceId`; Text-to-Dialogue: the comma-separated voices
    # Text-to-Dialogue: each context's current speaker (state: a turn's labels come word by word)
    speaking: dict[str | None, Speaking] = field(default_factory=dict, compare=False, repr=False)

    def with_settings(self, settings: Settings, *, voice: str | None) -> Wire:
        """This wire carrying `settings` (`voice`: the command line's, for Murf's voice_id)."""
        return replace(
            self,
            voice_settings=settings.voice_settings(),
            generation_config=settings.generation_config(),
            pronunciation_dictionary_locators=settings.locators(),
            voice_config=settings.voice_config(voice),
            buffer=settings.buffer(),
            voice=voice if voice is not None else self.voice,
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
            case Dialect.INWORLD:
                return [inworld.encode_client(inworld.Create(self.inworld_config(), cid))]
            case Dialect.ELEVENLABS_DIALOGUE:
                return [self.dialogue_open(cid)]
            case _:
                return []  # Murf: the first text frame opens the context, voice_config inside

    def text(self, cid: str | None, text: str, flush: bool) -> list[str]:
        match self.dialect:
            case Dialect.ELEVENLABS:
                return [elevenlabs.encode_client(elevenlabs.SendText(text, cid, flush=flush))]
            case Dialect.ELEVENLABS_SINGLE:
                return [stream_input.encode_client(elevenlabs.SendText(text, flush=flush))]
            case Dialect.INWORLD:
                return [inworld.encode_client(inworld.SendText(text, cid, flush))]
            case Dialect.CARTESIA:
                return [self.cartesia_request(cid, text, flush=flush)]
            case Dialect.ELEVENLABS_DIALOGUE:
                return self.dialogue_text(cid, text, flush)
            case _:
                return [
                    murf.encode_client(murf.SendText(text, cid, voice_config=self.voice_config, buffer=self.buffer))
                ]

    def end_turn(self, cid: str | None, *, unflushed: bool) -> list[str]:
        """The end of a turn; `unflushed` says whether text was sent since the last flush."""
        match self.dialect:
            case Dialect.ELEVENLABS | Dialect.INWORLD | Dialect.ELEVENLABS_DIALOGUE:
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
        if self.dialect is Dialect.INWORLD:
            return inworld.encode_client(inworld.FlushContext(cid))
        if self.dialect is Dialect.CARTESIA:
            return self.cartesia_request(cid, "", flush=True)
        if self.dialect is Dialect.ELEVENLABS_DIALOGUE:
            return dialogue.encode_client(dialogue.Flush(cid or ""))
        if self.dialect is Dialect.ELEVENLABS_SINGLE:
            cid = None
        return elevenlabs.encode_client(elevenlabs.Flush(cid))

    def keep_alive(self, cid: str | None) -> str:
        match self.dialect:
            case Dialect.ELEVENLABS:
                return elevenlabs.encode_client(elevenlabs.KeepAlive(cid))
            case Dialect.ELEVENLABS_SINGLE:
                return stream_input.encode_client(elevenlabs.SendText(" "))
            case Dialect.INWORLD:  # pipecat's: empty text, with or without a context
                return inworld.encode_client(inworld.KeepAlive(cid))
            case Dialect.CARTESIA:  # no keep-alive op: an empty continuing input generates nothing
                return self.cartesia_request(cid, "")
            case Dialect.ELEVENLABS_DIALOGUE:  # names an open context; there is no socket-level one
                return dialogue.encode_client(dialogue.KeepAlive(cid or ""))
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
            case Dialect.INWORLD:
                return inworld.encode_client(inworld.CloseContext(cid))
            case Dialect.CARTESIA:  # no more inputs: what is buffered is generated, then `done`
                return self.cartesia_request(cid, "", more=False)
            case Dialect.ELEVENLABS_DIALOGUE:
                self.speaking.pop(cid, None)
                return dialogue.encode_client(dialogue.CloseContext(cid or ""))
            case _:
                return murf.encode_client(murf.End(cid, self.voice_config, self.buffer))

    def barge_in(self, cid: str | None) -> str | None:
        """The frame that abandons a context; None on the single endpoint (close the socket)."""
        match self.dialect:
            case Dialect.ELEVENLABS:
                return elevenlabs.encode_client(elevenlabs.CloseContext(cid))
            case Dialect.MURF:
                return murf.encode_client(murf.Clear(cid))
            case Dialect.INWORLD:  # still synthesizes what it has: that audio is dropped by id
                return inworld.encode_client(inworld.CloseContext(cid))
            case Dialect.CARTESIA:
                return cartesia.encode_client(cartesia.Cancel(cid or ""))
            case Dialect.ELEVENLABS_DIALOGUE:  # no cancel: it still flushes, and that audio is dropped by id
                self.speaking.pop(cid, None)
                return dialogue.encode_client(dialogue.CloseContext(cid or ""))
            case _:
                return None

    def cartesia_request(self, cid: str | None, transcript: str, *, more: bool = True, flush: bool = False) -> str:
        """A Cartesia generation request with every field, as pipecat sends each one."""
        fmt = self.audio_format or AudioFormat("pcm", 24000)
        return cartesia.encode_client(
            cartesia.Generation(
                cid or "",
                transcript,
                self.model or cartesia.DEFAULT_MODEL,
                cartesia.voice_by_id(self.voice or cartesia.DEFAULT_VOICE),
                cartesia.output_format_of(fmt),
                continue_=more,
                flush=flush,
                language=cartesia.DEFAULT_LANGUAGE,
                add_timestamps=True,
            )
        )

    def dialogue_voices(self) -> tuple[str, ...]:
        """The voices each context registers: the `--voice` list (one for the conversational model)."""
        voices = voice_list(self.voice)
        return voices[:1] if self.model == "eleven_v3_conversational" else voices

    def dialogue_open(self, cid: str | None) -> str:
        voices = self.dialogue_voices()
        self.speaking[cid] = Speaking(voices[0])
        stability = (self.voice_settings or {}).get("stability")
        setup = dialogue.ContextSetup(
            voices,
            {"stability": stability} if stability is not None else None,
            self.pronunciation_dictionary_locators,
            self.api_key,
        )
        return dialogue.encode_client(dialogue.OpenContext(cid or "", setup))

    def dialogue_text(self, cid: str | None, text: str, flush: bool) -> list[str]:
        """One word for the context's current speaker; a label word changes the speaker and is
        not sent (tui.session.dialogue_speakers)."""
        voices = self.dialogue_voices()
        speaking = self.speaking.setdefault(cid, Speaking(voices[0]))
        frames = []
        named = label_of(text, voice_list(self.voice))
        if named is not None:
            speaking.voice_id = named if named in voices else voices[0]
            speaking.new_turn = True
        elif text:
            item = dialogue.DialogueInput(text, speaking.voice_id, speaking.new_turn)
            speaking.new_turn = False
            frames.append(dialogue.encode_client(dialogue.SendInputs(cid or "", (item,))))
        if flush:
            frames.append(self.flush(cid))
        return frames

    def inworld_config(self) -> inworld.ContextConfig:
        """What each Inworld context's `create` asks for: the console's format, voice and model."""
        fmt = self.audio_format or AudioFormat("pcm", 24000)
        encoding = INWORLD_ENCODINGS.get(fmt.encoding, "PCM")
        bitrate = fmt.bitrate * 1000 if fmt.bitrate else None
        return inworld.ContextConfig(
            voice_id=self.voice or inworld.DEFAULT_VOICE,
            model_id=self.model or inworld.DEFAULT_MODEL,
            audio=inworld.AudioConfig(encoding, fmt.sample_rate, bitrate),
            auto_mode=False,  # the console flushes at sentence ends itself
            timestamp_type="WORD",  # the transcript's heard words follow them
            timestamp_transport="ASYNC",
        )


# The console's format spelling (tui.protocol.formats) → Inworld's audioEncoding. WAV is LINEAR16:
# a RIFF header on every chunk, which the Inworld decoder strips (tui/protocol/inworld.py).
INWORLD_ENCODINGS = {"pcm": "PCM", "wav": "LINEAR16", "mp3": "MP3", "ulaw": "MULAW", "alaw": "ALAW"}
