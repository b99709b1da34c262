"""Audio inside a final frame (issue 12: final_frame_audio_bytes was counted but never shown): it
plays and counts as any audio, and the frame log says so once, where the operator reads notes."""

from __future__ import annotations

from tui.protocol import elevenlabs
from tui.protocol.frames import Audio
from tui.session import FrameReceived

from .test_session_model import EL, audio, final, open_turn, send, session


def final_with_audio(cid: str, n_bytes: int) -> FrameReceived:
    return FrameReceived(elevenlabs.encode_server(Audio(b"\x01" * n_bytes, cid, None, None, True)))


def notes(s) -> list[str]:
    return [e.summary for e in s.log.entries() if e.direction == "note"]


def test_a_final_that_carries_audio_plays_it_counts_it_and_says_so(frozen_clock):
    s = session(frozen_clock)
    cid = open_turn(s)
    send(s, EL.close(cid))
    s.apply(audio(cid, 800))
    changes = s.apply(final_with_audio(cid, 1234))
    slot = s.slot_for(cid)
    assert changes.play is not None and len(changes.play.data) == 1234
    assert slot.metrics.audio_bytes == 800 + 1234 and slot.metrics.final_frame_audio_bytes == 1234
    assert not slot.occupied  # the final still ends the context
    assert notes(s)[-1] == (
        f"final for context {cid} carried 1,234 bytes of audio: played and counted "
        "(a client that drops a final's audio, as pipecat does, loses it)"
    )


def test_a_final_without_audio_adds_no_note(frozen_clock):
    s = session(frozen_clock)
    cid = open_turn(s)
    send(s, EL.close(cid))
    s.apply(audio(cid, 800))
    before = notes(s)
    s.apply(final(cid))
    assert notes(s) == before and s.slot_for(cid).metrics.final_frame_audio_bytes == 0
