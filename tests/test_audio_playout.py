"""The speaker's turn model, driven by hand: a fake device pulls, a number stands for the clock."""

from array import array

import pytest

from tui.audio.jitter import PlayoutDelay
from tui.audio.playout import Playout
from tui.protocol.formats import AudioFormat, alaw_encode, to_pcm16, ulaw_encode

PCM = AudioFormat("pcm", 1000)  # 1 kHz keeps the arithmetic readable: 1 sample = 1 ms


def pcm(*samples: int) -> bytes:
    return array("h", samples).tobytes()


def samples(data: bytes) -> list[int]:
    return list(array("h", data))


def no_wait() -> PlayoutDelay:
    return PlayoutDelay(initial=0.0, margin=0.0)


def test_turns_play_in_the_order_they_were_opened_not_the_order_audio_arrived():
    p = Playout(no_wait())
    p.open("a")
    p.open("b")
    p.feed("b", pcm(20, 21), PCM, now=0.0)
    p.feed("a", pcm(10, 11), PCM, now=0.0)
    p.end("a")
    p.end("b")
    assert samples(p.pull(5, 1000, audible_at=0.0, now=0.0)) == [10, 11, 20, 21, 0]


def test_a_turn_that_runs_dry_before_its_final_stays_current_and_counts_the_gap():
    p = Playout(no_wait())
    p.open("a")
    p.open("b")
    p.feed("b", pcm(9), PCM, now=0.0)
    p.end("b")
    p.feed("a", pcm(1, 2), PCM, now=0.0)
    assert samples(p.pull(4, 1000, 0.0, 0.0)) == [1, 2, 0, 0]
    assert samples(p.pull(2, 1000, 0.004, 0.004)) == [0, 0]  # b must wait for a's final
    assert p.underruns("a") == 1  # one dry spell, one gap
    p.feed("a", pcm(3), PCM, now=0.006)
    p.end("a")
    assert samples(p.pull(3, 1000, 0.006, 0.006)) == [3, 9, 0]


def test_heard_samples_follow_the_devices_audible_stamps():
    p = Playout(no_wait())
    p.feed("a", pcm(*range(1, 101)), PCM, now=0.0)
    p.pull(40, 1000, audible_at=0.010, now=0.0)  # heard from 10 ms on, 1 sample per ms
    assert p.heard("a", 0.005) == (0, 1000)
    assert p.heard("a", 0.030) == (20, 1000)
    assert p.heard("a", 0.200) == (40, 1000)  # never more than was handed over


def test_stop_drops_the_queue_ignores_later_audio_and_the_next_turn_follows():
    p = Playout(no_wait())
    p.open("a")
    p.open("b")
    p.feed("a", pcm(*[7] * 50), PCM, now=0.0)
    p.feed("b", pcm(5, 5), PCM, now=0.0)
    p.end("b")
    p.pull(10, 1000, audible_at=0.0, now=0.0)
    assert p.stop("a", now=0.004) is True  # 6 of its samples are still in the device
    p.device_halted(0.004)
    p.feed("a", pcm(7, 7), PCM, now=0.005)
    assert p.heard("a", 1.0) == (4, 1000)
    assert samples(p.pull(3, 1000, 0.005, 0.005)) == [5, 5, 0]


def test_a_finished_id_opened_again_is_a_new_context_and_plays():
    # The server opens a new context for an id whose context finished; replay restarts reuse
    # every id. Late audio of the old, stopped life is still ignored until it is opened again.
    p = Playout(no_wait())
    p.open("a")
    p.feed("a", pcm(1, 2), PCM, now=0.0)
    p.end("a")
    assert samples(p.pull(3, 1000, 0.0, 0.0)) == [1, 2, 0]
    p.progress(1.0)
    p.open("b")
    p.feed("b", pcm(*[7] * 10), PCM, now=1.0)
    p.pull(2, 1000, 1.0, 1.0)
    p.stop("b", now=1.001)
    p.feed("b", pcm(8), PCM, now=1.002)  # late audio of the stopped context
    assert p.heard("b", 2.0) == (1, 1000)
    p.open("a")
    p.open("b")
    p.feed("a", pcm(3, 4), PCM, now=2.0)
    p.feed("b", pcm(5), PCM, now=2.0)
    p.end("a")
    p.end("b")
    assert samples(p.pull(4, 1000, 2.0, 2.0)) == [3, 4, 5, 0]
    assert p.heard("a", 3.0) == (2, 1000) and p.heard("b", 3.0) == (1, 1000)


def test_stopping_a_turn_nothing_of_which_is_in_the_device_needs_no_halt():
    p = Playout(no_wait())
    p.feed("a", pcm(1, 2), PCM, now=0.0)
    p.pull(2, 1000, audible_at=0.0, now=0.0)
    assert p.stop("a", now=0.5) is False
    assert p.stop("never-seen", now=0.5) is False
    p.feed("never-seen", pcm(1), PCM, now=0.6)
    assert p.current_id() is None


def test_a_halt_gives_the_unheard_audio_of_an_unstopped_turn_back_to_its_queue():
    p = Playout(no_wait())
    p.open("a")
    p.open("b")
    p.feed("a", pcm(1, 2), PCM, now=0.0)
    p.end("a")
    p.feed("b", pcm(3, 4, 5, 6), PCM, now=0.0)
    p.pull(4, 1000, audible_at=0.0, now=0.0)  # a drained; a's 2 and b's 3, 4 unheard
    assert p.stop("a", now=0.001) is True
    p.device_halted(0.001)
    assert p.heard("a", 1.0) == (1, 1000)
    assert samples(p.pull(5, 1000, 0.001, 0.001)) == [3, 4, 5, 6, 0]


def test_a_pcm_sample_split_across_two_frames_is_put_back_together():
    p = Playout(no_wait())
    whole = pcm(1000, -2000, 3000)
    p.feed("a", whole[:3], PCM, now=0.0)
    p.feed("a", whole[3:], PCM, now=0.0)
    p.end("a")
    assert samples(p.pull(3, 1000, 0.0, 0.0)) == [1000, -2000, 3000]


@pytest.mark.parametrize("encoding, encode", [("ulaw", ulaw_encode), ("alaw", alaw_encode)])
def test_g711_turns_play_the_reference_decoding(encoding, encode):
    fmt = AudioFormat(encoding, 8000)
    wire = encode(pcm(*range(-8000, 8000, 160)))
    p = Playout(no_wait())
    p.feed("a", wire, fmt, now=0.0)
    p.end("a")
    assert p.pull(len(wire), 8000, 0.0, 0.0) == to_pcm16(fmt, wire)


@pytest.mark.parametrize("rate", [8000, 16000, 22050, 24000, 44100, 48000])
def test_pcm_plays_at_its_own_rate_and_not_at_another(rate):
    p = Playout(no_wait())
    p.feed("a", pcm(1, 2), AudioFormat("pcm", rate), now=0.0)
    assert samples(p.pull(2, 16000 if rate != 16000 else 8000, 0.0, 0.0)) == [0, 0]
    assert samples(p.pull(2, rate, 0.0, 0.0)) == [1, 2]


def test_bad_audio_is_refused_with_a_reason_and_never_raises():
    p = Playout(no_wait())
    assert "Opus" in p.feed("a", b"\x4f\x67", AudioFormat("opus", 48000, 64), now=0.0)
    p.feed("a", pcm(1), AudioFormat("pcm", 24000), now=0.0)
    reason = p.feed("a", pcm(1), AudioFormat("pcm", 16000), now=0.0)
    assert "24000" in reason and "16000" in reason


def test_a_turn_waits_its_playout_delay_unless_its_final_already_came():
    p = Playout(PlayoutDelay(initial=0.05, margin=0.0), prefill=0.01)
    p.feed("a", pcm(1, 2), PCM, now=1.0)
    assert samples(p.pull(2, 1000, 1.0, now=1.0)) == [0, 0]
    assert p.want(1.0).start_at == pytest.approx(1.06)
    assert samples(p.pull(2, 1000, 1.06, now=1.06)) == [1, 2]
    p.end("a")
    p.feed("b", pcm(3), PCM, now=2.0)
    p.end("b")
    assert samples(p.pull(1, 1000, 2.0, now=2.0)) == [3]


def test_the_playout_delay_holds_the_worst_recent_lateness_and_forgets_the_initial_guess():
    delay = PlayoutDelay(initial=0.06, margin=0.0, window=3)
    delay.observe(-0.004)  # chunks came ahead of real time
    delay.observe(-0.003)
    assert delay.need == pytest.approx(0.06)  # the guess holds until the window is full
    delay.observe(-0.005)
    assert delay.need == pytest.approx(-0.003)
    delay.observe(0.045)  # a jittery turn raises it at once
    delay.observe(-0.004)
    delay.observe(-0.004)
    assert delay.need == pytest.approx(0.045)  # one lucky turn does not lower it
    delay.observe(3.0)  # a stall teaches nothing
    assert delay.need == pytest.approx(0.045)
    assert delay.start_delay(prefill=0.01) == pytest.approx(0.055)
    delay.observe(-0.004)
    assert delay.start_delay(prefill=0.0) == 0.0  # never negative


def test_a_turns_lateness_is_measured_against_real_time_from_its_first_chunk():
    delay = PlayoutDelay(initial=0.0, margin=0.0)
    p = Playout(delay)
    p.feed("a", pcm(*[1] * 20), PCM, now=0.0)  # 20 ms of audio
    p.feed("a", pcm(*[1] * 20), PCM, now=0.035)  # due at 20 ms, came at 35 ms: 15 ms late
    p.end("a")
    p.pull(40, 1000, 0.04, 0.04)
    assert delay.need == pytest.approx(0.015)


def test_progress_reports_changes_once_and_finishes_when_the_last_sample_is_heard():
    p = Playout(no_wait())
    p.feed("a", pcm(*[1] * 10), PCM, now=0.0)
    p.end("a")
    p.pull(10, 1000, audible_at=0.0, now=0.0)
    updates, active = p.progress(0.004)
    assert [(u.context_id, u.heard_samples, u.finished) for u in updates] == [("a", 4, False)]
    assert active
    assert p.progress(0.004) == ([], True)
    updates, active = p.progress(0.020)
    assert [(u.heard_samples, u.finished, u.heard_seconds) for u in updates] == [(10, True, 0.01)]
    assert not active


def test_only_a_turns_first_audio_wakes_the_devices_owner():
    woken = []
    p = Playout(no_wait(), on_first_audio=lambda: woken.append(p.want(0.0)))
    p.feed("a", pcm(1)[:1], PCM, now=0.0)  # half a sample: nothing queued yet
    assert woken == []
    p.feed("a", pcm(1)[1:] + pcm(2), PCM, now=0.0)
    p.feed("a", pcm(3, 4), PCM, now=0.01)
    p.feed("b", pcm(5), PCM, now=0.02)
    assert [w.rate for w in woken] == [1000, 1000]  # once per turn, its audio already queued
