"""The context limit is the dialect's (issue 8, defect 9): the console's slots, its guard and the
local server all follow it, and nothing typed is lost silently when a context has no slot.

Against the REAL local server on loopback (tone voice) with the real client.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.test_core_console import console_on, shutdown_after, wait_for  # noqa: F401 (a fixture)
from tui.core import Console
from tui.protocol import elevenlabs, murf
from tui.protocol.dialect import Dialect
from tui.protocol.frames import Audio
from tui.session import Session
from tui.session.events import FrameReceived, FrameSent


async def murf_console(url: str, tmp_path, keep, **options) -> Console:
    return await console_on(url, tmp_path, keep, dialect="murf", **{"rate": 50, "record": False, **options})


def test_each_dialect_states_its_own_context_limit_once_in_the_protocol_layer():
    assert Dialect.ELEVENLABS.max_contexts == elevenlabs.MAX_CONTEXTS == 5
    assert Dialect.ELEVENLABS_SINGLE.max_contexts == 1
    assert Dialect.MURF.max_contexts == murf.MAX_ACTIVE_CONTEXTS
    assert murf.MAX_ACTIVE_CONTEXTS > 5  # Murf has no cap of five (issue 8, defect 9)


@pytest.mark.parametrize("dialect", list(Dialect))
def test_the_session_has_one_slot_per_context_the_dialect_allows(dialect):
    session = Session(dialect)
    assert len(session.slots) == dialect.slot_count
    if dialect.max_contexts is None:  # no per-socket cap (Cartesia): it starts with five and grows
        assert dialect.has_contexts and dialect.slot_count == 5
    elif dialect.has_contexts:
        assert dialect.slot_count == dialect.max_contexts
    else:  # one stream per socket; its recent turns keep their slots
        assert dialect.max_contexts == 1 and dialect.slot_count == 5


async def test_murf_with_the_guard_off_every_one_of_seven_turns_is_in_the_transcript_and_plays(
    local_server, tmp_path, shutdown_after
):
    console = await murf_console(local_server, tmp_path, shutdown_after, guard=False)
    session = console.session
    texts = [f"Turn number {n} speaks." for n in range(1, 8)]
    for text in texts:
        assert console.submit_turn(text).ok
        await asyncio.sleep(0.05)
    ids = [f"turn_{n}" for n in range(1, 8)]

    def settled(cid: str) -> bool:
        slot = session.slot_for(cid)
        return slot is not None and not slot.occupied

    await wait_for(lambda: all(settled(cid) for cid in ids), 20)
    for cid, text in zip(ids, texts):
        turn = session.transcript.turn(cid)
        assert turn is not None and turn.text.strip() == text, cid
        slot = session.slot_for(cid)
        played = slot.metrics.audio_seconds > 0 and turn.audio_seconds > 0
        refused = slot.error is not None and session.banner is not None and cid in session.banner.text
        assert played or refused, (cid, slot.state, slot.metrics.audio_seconds, slot.error)
    assert session.status.stray_frames == 0
    assert not [e for e in session.log.entries() if "which no slot holds" in e.summary]


def test_text_and_audio_of_a_context_beyond_the_slots_reach_the_transcript_and_a_banner():
    """Guard off, more contexts than slots (a server more lenient than the dialect): the
    overflow context's text and audio still reach the transcript, and a banner says it has no
    slot (its audio is not played: the console shows no slot for it)."""
    session = Session(Dialect.ELEVENLABS, guard=False)
    for n in range(1, 7):
        cid = f"turn_{n}"
        session.adopt_turn(cid)
        session.apply(FrameSent(elevenlabs.encode_client(elevenlabs.SendText(f"Hello from {cid}. ", cid))))
    session.apply(FrameSent(elevenlabs.encode_client(elevenlabs.SendText("And more. ", "turn_6"))))
    sixth = session.transcript.turn("turn_6")
    assert sixth is not None and sixth.text.split() == ["Hello", "from", "turn_6.", "And", "more."]
    assert session.banner is not None and "turn_6" in session.banner.text
    changes = session.apply(FrameReceived(elevenlabs.encode_server(Audio(b"\0\0" * 2205, "turn_6", None, None, False))))
    assert sixth.audio_seconds == pytest.approx(0.1)
    assert changes.play is None and changes.transcript
    assert session.status.stray_frames == 0


async def test_murf_turn_past_the_limit_is_refused_visibly_once_and_the_next_turn_still_plays(
    local_server, tmp_path, shutdown_after
):
    """Guard off, one turn more than Murf allows, all open at once (slow pace): the server refuses
    the extra one by name; its text stays in the transcript, a banner names it, its words stop
    (one refusal, not one per word), and a turn typed afterwards plays."""
    limit = murf.MAX_ACTIVE_CONTEXTS
    console = await murf_console(local_server, tmp_path, shutdown_after, guard=False, rate=4)
    session = console.session
    for n in range(1, limit + 2):
        assert console.submit_turn(f"Turn {n} is still being typed.").ok
    extra = f"turn_{limit + 1}"
    await wait_for(lambda: session.banner is not None and murf.CONTEXT_LIMIT_MESSAGE in session.banner.text, 10)
    assert extra in session.banner.text
    sent = session.transcript.turn(extra).text.strip()  # the words sent before the refusal
    assert sent and f"Turn {limit + 1} is still being typed.".startswith(sent)
    await wait_for(
        lambda: all((s := session.slot_for(f"turn_{n}")) is not None and not s.occupied for n in range(1, limit + 1)),
        30,
    )
    refusals = [
        e
        for e in session.log.entries()
        if e.direction == "received" and e.context_id == extra and "Exceeded" in e.summary
    ]
    assert len(refusals) == 1, [e.summary for e in refusals]
    assert console.submit_turn("After the refusal.").ok
    after = f"turn_{limit + 2}"
    await wait_for(lambda: (s := session.slot_for(after)) is not None and not s.occupied, 10)
    assert session.slot_for(after).metrics.audio_seconds > 0
