"""End-of-turn patterns (tui.core.turn_end): the real Console against the real local server (tone
voice), each pattern's frames read back from the session recording in the order they crossed
the socket; and under the flush→close race (`race_empty=1`, PROTOCOL.md §5) the default
pattern loses the turn's audio while closing after the last audio does not."""

from __future__ import annotations

import json

import pytest

from tests.test_core_console import console_on, shutdown_after, wait_for  # noqa: F401 (a fixture)
from tui.cli import build_parser, config_from_args
from tui.core import ConfigError, Console, resolve_config
from tui.core.turn_end import QUIET_AFTER_AUDIO, AudioSeen, CloseWatch, TurnEnd, next_turn_end, parse_turn_end
from tui.recording import read_recording
from tui.server.fault_plan import FaultPlan
from tui.server.faults import parse_faults
from tui.session import SlotState

ONE_SENTENCE = "Hello there, how are you today?"


def story(console: Console, cid: str | None = "turn_1") -> list[str]:
    """The context's frames in wire order: open, text, flush, close, end (Murf; `{"text": ""}` on
    the single-context endpoint, whose frames have no id: cid None), audio, final."""
    console.recorder.close()
    out = []
    for entry in read_recording(console.recorder.path).entries:
        data = getattr(entry, "data", None)
        if not isinstance(data, str):
            continue
        obj = json.loads(data)
        if obj.get("context_id", obj.get("contextId")) != cid:
            continue
        if entry.direction == "received":
            out.append("final" if obj.get("isFinal") or obj.get("final") else "audio")
        elif obj.get("close_context"):
            out.append("close")
        elif obj.get("end") or obj == {"text": ""}:
            out.append("end")
        elif obj.get("flush"):
            out.append("flush")
        else:
            out.append("open" if obj.get("text") == " " and "voice_settings" in obj else "text")
    return out


def squeeze(labels: list[str]) -> list[str]:
    """Runs of the same label as one (so a story does not depend on how many frames a chunk took)."""
    return [label for i, label in enumerate(labels) if i == 0 or labels[i - 1] != label]


async def turn_to_final(console: Console, text: str = ONE_SENTENCE, timeout: float = 10.0):
    assert console.submit_turn(text).ok
    # its final came (a context the server timed out is shown as timed out, not final)
    await wait_for(lambda: console.session.slot_for("turn_1").metrics.final_at is not None, timeout)
    assert await console.frames_written()
    return console.session.slot_for("turn_1")


# ---- the choice itself ------------------------------------------------------------------------


def test_the_patterns_are_named_as_on_the_command_line_and_a_bad_one_is_one_line():
    assert parse_turn_end("Close-After-Last-Audio") is TurnEnd.CLOSE_AFTER_LAST_AUDIO
    with pytest.raises(ValueError, match="flush-close, close-after-first-audio, close-after-last-audio, flush-only"):
        parse_turn_end("close-later")
    with pytest.raises(ConfigError, match="--turn-end"):
        resolve_config(provider="local", turn_end="close-later")


def test_the_command_line_takes_turn_end_and_refuses_a_bad_one_in_one_line():
    config = config_from_args(build_parser().parse_args(["--turn-end", "flush-only"]), {})
    assert config.turn_end.value == "flush-only"
    with pytest.raises(ConfigError, match="^--turn-end: the end-of-turn pattern must be one of"):
        config_from_args(build_parser().parse_args(["--turn-end", "never"]), {})


def test_cycling_the_pattern_visits_all_four_and_comes_back():
    seen = [TurnEnd.FLUSH_CLOSE]
    for _ in range(4):
        seen.append(next_turn_end(seen[-1]))
    assert seen[1:4] == [TurnEnd.CLOSE_AFTER_FIRST_AUDIO, TurnEnd.CLOSE_AFTER_LAST_AUDIO, TurnEnd.FLUSH_ONLY]
    assert seen[4] is TurnEnd.FLUSH_CLOSE


def test_with_no_alignment_the_last_audio_is_the_one_followed_by_a_quiet_period():
    watch = CloseWatch(TurnEnd.CLOSE_AFTER_LAST_AUDIO, ended_at=10.0, seen=AudioSeen(0, None))
    assert watch.due(AudioSeen(0, None), 11.0) is None  # no audio yet: wait
    assert watch.due(AudioSeen(3, None), 12.0) == 12.0 + QUIET_AFTER_AUDIO  # audio came: quiet from now
    assert watch.due(AudioSeen(3, None), 12.5) == 12.0 + QUIET_AFTER_AUDIO
    assert watch.due(AudioSeen(3, False), 12.5) is None  # aligned, not to the end
    assert watch.due(AudioSeen(4, True), 12.6) == 0.0


# ---- each pattern on the wire ------------------------------------------------------------------


async def test_flush_close_sends_the_close_right_after_the_flush_before_any_audio(
    local_server, tmp_path, shutdown_after
):  # noqa: F811
    console = await console_on(local_server, tmp_path, shutdown_after, turn_end="flush-close")
    await turn_to_final(console)
    assert squeeze(story(console)) == ["open", "text", "flush", "close", "audio", "final"]


async def test_close_after_first_audio_waits_for_the_contexts_first_audio(local_server, tmp_path, shutdown_after):  # noqa: F811
    console = await console_on(local_server, tmp_path, shutdown_after, turn_end="close-after-first-audio")
    slot = await turn_to_final(console)
    labels = story(console)
    assert squeeze(labels)[:5] == ["open", "text", "flush", "audio", "close"]
    assert labels[-1] == "final" and labels.count("close") == 1
    assert slot.turn_end == "close-after-first-audio"


async def test_close_after_last_audio_closes_once_the_alignment_reaches_the_last_word(
    local_server, tmp_path, shutdown_after
):  # noqa: F811
    console = await console_on(local_server, tmp_path, shutdown_after, turn_end="close-after-last-audio")
    await turn_to_final(console)
    assert squeeze(story(console)) == ["open", "text", "flush", "audio", "close", "final"]
    assert console.session.transcript.turn("turn_1").words[-1].start is not None


async def test_flush_only_never_closes_and_the_servers_inactivity_timeout_sends_the_final(
    local_server, tmp_path, shutdown_after
):  # noqa: F811
    console = await console_on(local_server, tmp_path, shutdown_after, turn_end="flush-only", inactivity_timeout=1)
    slot = await turn_to_final(console)
    assert squeeze(story(console)) == ["open", "text", "flush", "audio", "final"]
    assert slot.state is SlotState.TIMED_OUT


async def test_murf_close_after_last_audio_sends_end_after_a_quiet_period_following_its_audio(
    local_server, tmp_path, shutdown_after
):  # noqa: F811
    console = await console_on(
        local_server, tmp_path, shutdown_after, dialect="murf", turn_end="close-after-last-audio"
    )
    await turn_to_final(console)
    assert squeeze(story(console)) == ["text", "audio", "end", "final"]


async def test_single_context_close_after_last_audio_flushes_then_ends_the_stream_after_its_audio(
    local_server, tmp_path, shutdown_after
):  # noqa: F811
    console = await console_on(
        local_server, tmp_path, shutdown_after, dialect="elevenlabs-single", turn_end="close-after-last-audio"
    )
    await turn_to_final(console)
    assert squeeze(story(console, None)) == ["open", "text", "flush", "audio", "end", "final"]


async def test_the_pattern_changes_live_for_the_next_turn_and_each_turn_shows_its_own(
    local_server, tmp_path, shutdown_after
):  # noqa: F811
    console = await console_on(local_server, tmp_path, shutdown_after)
    assert console.turn_end is TurnEnd.FLUSH_CLOSE
    assert console.cycle_turn_end().ok and console.session.status.turn_end == "close-after-first-audio"
    await turn_to_final(console)
    assert console.session.slot_for("turn_1").turn_end == "close-after-first-audio"
    assert "close-after-first-audio" in console.session.transcript.turn("turn_1").summary
    console.recorder.close()
    turns = [e.fields for e in read_recording(console.recorder.path).entries if getattr(e, "kind", "") == "turn"]
    assert turns[0]["turn_end"] == "close-after-first-audio"


# ---- under the race --------------------------------------------------------------------------


@pytest.mark.parametrize("pattern, loses_audio", [("flush-close", True), ("close-after-last-audio", False)])
async def test_under_the_race_flush_close_loses_the_audio_and_close_after_last_audio_does_not(
    start_local_server, tmp_path, shutdown_after, pattern, loses_audio
):  # noqa: F811
    server = await start_local_server("tone", faults=FaultPlan(parse_faults("race_empty=1")))
    console = await console_on(server.url, tmp_path, shutdown_after, turn_end=pattern)
    slot = await turn_to_final(console)
    assert (slot.metrics.audio_bytes == 0) is loses_audio
    if not loses_audio:
        assert squeeze(story(console)) == ["open", "text", "flush", "audio", "close", "final"]
