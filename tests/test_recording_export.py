"""WAV export: one file per context, and an "as heard" mix that honours barge-ins."""

import wave
from array import array

import pytest

from tui.core.export import export_wav as export_with_the_speakers_decoder
from tui.protocol import elevenlabs, murf
from tui.protocol.formats import ulaw_decode, ulaw_encode
from tui.protocol.frames import Audio, Final
from tui.recording import BARGE_IN, RECEIVED, SENT, TURN, Recorder, RecordingHeader, read_recording
from tui.recording.export import ExportError, export_wav
from tui.recording.timeline import as_heard, build_timeline

from .fixtures.frozen_clock import FrozenClock


def tone(value: int, ms: int, rate: int = 16000) -> bytes:
    """A block of one sample value: which chunk a stretch of output came from is then visible."""
    return array("h", [value] * (rate * ms // 1000)).tobytes()


def wav_frames(path) -> tuple[int, bytes]:
    with wave.open(str(path), "rb") as w:
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2)
        return w.getframerate(), w.readframes(w.getnframes())


class Script:
    """Writes a recording whose entries land at exact millisecond offsets."""

    def __init__(self, tmp_path, dialect="elevenlabs", output_format="pcm_16000"):
        self.clock = FrozenClock(0.0)
        self.rec = Recorder.create(
            tmp_path / "rec", RecordingHeader("local", dialect, "ws://127.0.0.1/", output_format), clock=self.clock
        )

    def at(self, ms: float) -> Recorder:
        self.clock.now = ms / 1000
        return self.rec

    def done(self):
        self.rec.close()
        return read_recording(self.rec.path)


def el_open(cid):
    return elevenlabs.encode_client(elevenlabs.SendText(" ", cid))


def el_audio(cid, pcm):
    return elevenlabs.encode_server(Audio(pcm, cid))


def test_the_mix_holds_what_played_until_the_barge_in_and_then_the_next_turn(tmp_path):
    s = Script(tmp_path)
    c = {n: tone(n * 1000, 100) for n in range(1, 7)}
    s.at(0).action(TURN, text="Sure, when would you like to travel?", context_id="turn_1")
    s.at(0).frame(SENT, el_open("turn_1"))
    s.at(100).frame(RECEIVED, el_audio("turn_1", c[1]))  # plays 100-200
    s.at(150).frame(RECEIVED, el_audio("turn_1", c[2]))  # plays 200-300
    s.at(200).frame(RECEIVED, el_audio("turn_1", c[3]))  # plays 300-350, then cut
    s.at(250).frame(SENT, el_open("turn_2"))
    s.at(260).frame(RECEIVED, el_audio("turn_2", c[4]))  # waits for turn_1: plays 350-450
    s.at(270).frame(RECEIVED, el_audio("turn_2", c[5]))  # plays 450-550
    s.at(350).action(BARGE_IN, context_id="turn_1")
    s.at(350).frame(SENT, elevenlabs.encode_client(elevenlabs.CloseContext("turn_1")))
    s.at(360).frame(RECEIVED, el_audio("turn_1", c[6]))  # late audio of a cut context
    s.at(380).frame(RECEIVED, elevenlabs.encode_server(Final("turn_1")))
    s.at(400).frame(RECEIVED, elevenlabs.encode_server(Final("turn_2")))
    result = export_wav(s.done(), tmp_path / "wav")

    names = sorted(p.name for p in result.files)
    assert names == ["as-heard.wav", "context-turn_1.wav", "context-turn_2.wav"]
    assert wav_frames(tmp_path / "wav/context-turn_1.wav") == (16000, c[1] + c[2] + c[3] + c[6])
    assert wav_frames(tmp_path / "wav/context-turn_2.wav") == (16000, c[4] + c[5])
    rate, heard = wav_frames(tmp_path / "wav/as-heard.wav")
    assert heard == c[1] + c[2] + c[3][: len(c[3]) // 2] + c[4] + c[5]
    assert result.heard_seconds == pytest.approx(0.45)
    assert result.problem is None


def test_a_close_context_at_the_end_of_a_turn_cuts_nothing(tmp_path):
    s = Script(tmp_path)
    s.at(0).frame(SENT, el_open("a"))
    s.at(5).frame(SENT, elevenlabs.encode_client(elevenlabs.CloseContext("a")))
    s.at(50).frame(RECEIVED, el_audio("a", tone(7, 300)))
    s.at(60).frame(RECEIVED, elevenlabs.encode_server(Final("a")))
    timeline = build_timeline(s.done())
    assert b"".join(span.pcm for span in as_heard(timeline)) == tone(7, 300)


def test_an_unnamed_barge_in_cuts_whatever_plays_and_spares_the_next_turn(tmp_path):
    s = Script(tmp_path)
    s.at(0).frame(SENT, el_open("a"))
    s.at(0).frame(RECEIVED, el_audio("a", tone(1, 200)))  # plays 0-200, cut at 50
    s.at(10).frame(SENT, el_open("b"))
    s.at(20).frame(RECEIVED, el_audio("b", tone(2, 100)))
    s.at(50).action(BARGE_IN)
    s.at(400).action(BARGE_IN)  # nothing playing: cuts nothing
    s.at(500).frame(SENT, el_open("c"))
    s.at(500).frame(RECEIVED, el_audio("c", tone(3, 100)))
    spans = as_heard(build_timeline(s.done()))
    assert [(sp.context.context_id, sp.start_ms, len(sp.pcm) // 32) for sp in spans] == [
        ("a", 0.0, 50),
        ("b", 50.0, 100),
        ("c", 500.0, 100),
    ]


def test_murf_clear_drops_the_rest_and_a_reused_id_is_a_new_context_in_ulaw(tmp_path):
    s = Script(tmp_path, dialect="murf", output_format="ulaw_8000")
    law = {n: ulaw_encode(tone(n * 3000, 100, 8000)) for n in range(1, 5)}

    def audio(cid, data):
        return murf.encode_server(Audio(data, cid))

    s.at(0).frame(SENT, murf.encode_client(murf.SendText("Got it.", "turn_2")))
    s.at(10).frame(RECEIVED, audio("turn_2", law[1]))  # plays 10-60, cleared at 60
    s.at(20).frame(RECEIVED, audio("turn_2", law[2]))  # never heard
    s.at(60).frame(SENT, murf.encode_client(murf.Clear("turn_2")))
    s.at(70).frame(RECEIVED, murf.encode_server(Final("turn_2")))
    s.at(80).frame(SENT, murf.encode_client(murf.SendText("Saturday works.", "turn_2")))
    s.at(90).frame(RECEIVED, audio("turn_2", law[3]))
    s.at(95).frame(RECEIVED, "not json at all")
    result = export_wav(s.done(), tmp_path / "wav")
    assert sorted(p.name for p in result.files) == ["as-heard.wav", "context-turn_2-2.wav", "context-turn_2.wav"]
    assert wav_frames(tmp_path / "wav/context-turn_2.wav") == (8000, ulaw_decode(law[1] + law[2]))
    assert wav_frames(tmp_path / "wav/context-turn_2-2.wav") == (8000, ulaw_decode(law[3]))
    _, heard = wav_frames(tmp_path / "wav/as-heard.wav")
    assert heard == ulaw_decode(law[1])[: 50 * 8 * 2] + ulaw_decode(law[3])
    assert result.skipped_frames == 1


def test_a_truncated_recording_exports_what_it_holds_and_says_where_it_stops(tmp_path):
    s = Script(tmp_path)
    s.at(0).frame(SENT, el_open("a"))
    s.at(1).frame(RECEIVED, el_audio("a", tone(5, 100)))
    s.at(2).frame(RECEIVED, el_audio("a", tone(6, 100)))
    s.done()
    data = s.rec.path.read_bytes()
    s.rec.path.write_bytes(data[:-40])
    result = export_wav(s.rec.path, tmp_path / "wav")
    assert "line 4" in result.problem and "incomplete" in result.problem
    assert wav_frames(tmp_path / "wav/as-heard.wav")[1] == tone(5, 100)


@pytest.mark.parametrize(
    "fmt, dialect, why",
    [
        ("mp3_44100_128", "elevenlabs", "needs the speaker's decoder"),  # tui.core.export has it
        ("pcm_12345", "elevenlabs", "unknown output_format"),
        ("pcm_16000", "klingon", "unknown dialect"),
    ],
)
def test_audio_that_cannot_be_exported_is_a_clear_error(tmp_path, fmt, dialect, why):
    s = Script(tmp_path, dialect=dialect, output_format=fmt)
    with pytest.raises(ExportError, match=why):
        export_wav(s.done(), tmp_path / "wav")


def test_opus_is_a_clear_error_even_with_the_speakers_decoder(tmp_path):
    s = Script(tmp_path, output_format="opus_48000_64")
    with pytest.raises(ExportError, match="Opus is not decoded here"):
        export_with_the_speakers_decoder(s.done(), tmp_path / "wav")


def test_garbage_is_not_exported(tmp_path):
    path = tmp_path / "junk.jsonl"
    path.write_bytes(b"\x89PNG\r\n\x1a\n")
    with pytest.raises(ExportError, match="junk.jsonl: .*line 1"):
        export_wav(path, tmp_path / "wav")


def test_a_barge_in_on_the_single_context_endpoint_cuts_its_one_stream(tmp_path):
    s = Script(tmp_path, dialect="elevenlabs-single")
    s.at(0).frame(SENT, '{"text":" "}')
    s.at(10).frame(RECEIVED, elevenlabs.encode_server(Audio(tone(4, 200)), with_context=False))
    s.at(110).action(BARGE_IN, context_id="(default)")
    result = export_wav(s.done(), tmp_path / "wav")
    assert [p.name for p in result.files] == ["context-default.wav", "as-heard.wav"]
    assert wav_frames(tmp_path / "wav/as-heard.wav")[1] == tone(4, 100)
