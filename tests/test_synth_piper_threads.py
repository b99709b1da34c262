"""Piper's onnxruntime threads: a run alone gets all of them, overlapping runs one each, so two
synthesis workers never put more model threads to work than the machine has cores."""

import threading

from tests.fixtures.voices import assert_chunks_cover
from tui.server.synth import load_voice


def test_a_run_alone_takes_every_thread_and_an_overlapping_run_takes_one(piper_voice):
    if piper_voice._narrow is piper_voice._piper:  # a one-core machine: one session of one thread
        assert piper_voice._session.get_session_options().intra_op_num_threads == 1
        return
    with piper_voice._model() as first, piper_voice._model() as second:
        assert first is piper_voice._piper and second is piper_voice._narrow
        assert second.session.get_session_options().intra_op_num_threads == 1
    with piper_voice._model() as again:
        assert again is piper_voice._piper  # alone again: all threads


def test_one_thread_voices_keep_a_single_session():
    voice = load_voice("piper", warm=False, threads=1)
    assert voice._narrow is voice._piper


def test_overlapping_syntheses_each_speak_their_whole_text(piper_voice):
    texts = ["The next train leaves at nine, from platform four.", "Your total comes to forty two dollars."]
    chunks: dict[int, list] = {}

    def speak(n: int) -> None:
        chunks[n] = list(piper_voice.synthesize(texts[n], 16000))

    threads = [threading.Thread(target=speak, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    for n, text in enumerate(texts):
        assert_chunks_cover(chunks[n], text)
        assert sum(c.duration_ms for c in chunks[n]) > 1000
