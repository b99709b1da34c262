"""The Text-to-Dialogue route's handshake and options on the real local server: its path, the
models it serves (and the TTS routes still refusing them), every output format the local server
can produce, and each way the service takes a key."""

from __future__ import annotations

import logging

import miniaudio
import numpy as np
import pytest
from websockets.exceptions import InvalidStatus

from tui.protocol.formats import alaw_decode, ulaw_decode

from .dialogue_wire import close, final, flush, say, ttd_url, turn_done, voices
from .test_formats import decode_mp3, rms
from .wire import audio_bytes, client, multi_url, spoken_text

KEY = "sk_local_dialogue_key_987"
TURN = "Tones for every format. "  # 24 chars, 60 ms each


async def one_turn(url: str, first: dict | None = None, **options) -> list[dict]:
    async with client(url, **options) as ws:
        await ws.send(first or voices("t1"))
        await ws.send(say("t1", TURN))
        await ws.send(close("t1"))
        return await ws.until(final)


async def test_the_route_answers_at_the_vendors_path_and_with_a_doubled_slash(local_server):
    for base in (local_server, local_server + "/"):
        frames = await one_turn(ttd_url(base))
        assert spoken_text(frames) == TURN


async def test_an_unknown_path_is_refused_with_a_404_naming_the_dialogue_route(local_server):
    with pytest.raises(InvalidStatus) as refused:
        async with client(local_server + "/v1/text-to-dialogue/stream-input"):
            pass
    assert refused.value.response.status_code == 404
    assert b"/v1/text-to-dialogue/multi-stream-input" in refused.value.response.body


@pytest.mark.parametrize("model", ["eleven_v3", "eleven_v3_conversational", "eleven_v4", "eleven_v4_turbo"])
async def test_the_v3_and_v4_models_are_served_here_and_still_refused_by_the_tts_route(local_server, model):
    assert spoken_text(await one_turn(ttd_url(local_server, model_id=model))) == TURN
    with pytest.raises(InvalidStatus) as refused:
        async with client(multi_url(local_server, model_id=model)):
            pass
    assert refused.value.response.status_code == 403


@pytest.mark.parametrize("model", ["eleven_flash_v2_5", "eleven_multilingual_v2", ""])
async def test_other_models_get_an_error_naming_the_served_ones_then_1008(local_server, model):
    async with client(ttd_url(local_server, model_id=model)) as ws:
        frames = await ws.rest()
        assert ws.close_code == 1008
    assert frames[0]["error"] == "invalid_model_id" and "eleven_v3_conversational" in frames[0]["message"]


@pytest.mark.parametrize("rate", [8000, 16000, 22050, 24000, 32000, 44100, 48000])
async def test_pcm_at_every_rate_lasts_exactly_the_text(local_server, rate):
    pcm = audio_bytes(await one_turn(ttd_url(local_server, output_format=f"pcm_{rate}")))
    assert len(pcm) == round(len(TURN) * 0.060 * rate) * 2


@pytest.mark.parametrize(("name", "decode"), [("ulaw_8000", ulaw_decode), ("alaw_8000", alaw_decode)])
async def test_g711_formats_are_one_byte_a_sample_and_decode_to_the_pcm(local_server, name, decode):
    coded = audio_bytes(await one_turn(ttd_url(local_server, output_format=name)))
    pcm = audio_bytes(await one_turn(ttd_url(local_server, output_format="pcm_8000")))
    assert len(coded) == len(pcm) // 2
    ours = np.frombuffer(decode(coded), "<i2").astype(float)
    assert rms(ours) == pytest.approx(rms(np.frombuffer(pcm, "<i2").astype(float)), rel=0.05)


@pytest.mark.parametrize("name", ["mp3_44100_128", "mp3_22050_32", "mp3_24000_48"])
async def test_mp3_formats_decode_at_their_rate_and_bitrate(local_server, name):
    _, rate, kbps = name.split("_")
    mp3 = audio_bytes(await one_turn(ttd_url(local_server, output_format=name)))
    decoded, data = decode_mp3(mp3)
    assert decoded.sample_rate == int(rate)
    assert len(data) / int(rate) == pytest.approx(len(TURN) * 0.060, abs=0.15)
    assert len(mp3) * 8 / (len(data) / int(rate)) == pytest.approx(int(kbps) * 1000, rel=0.1)


async def test_the_default_format_is_mp3_44100_128_as_on_the_tts_route(local_server):
    mp3 = audio_bytes(await one_turn(ttd_url(local_server, output_format=None)))
    assert miniaudio.mp3_get_info(mp3).sample_rate == 44100


@pytest.mark.parametrize("name", ["opus_48000_48", "wav_44100", "pcm_12345"])
async def test_formats_the_server_cannot_produce_are_refused_with_an_error_then_1008(local_server, name):
    async with client(ttd_url(local_server, output_format=name)) as ws:
        frames = await ws.rest()
        assert ws.close_code == 1008
    assert name in frames[0]["message"] and "pcm_24000" in frames[0]["message"]


# ---- keys -------------------------------------------------------------------------------------


def server_log(caplog) -> str:
    """What the server logged (the test's own client logs its request headers)."""
    return "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("tui"))


@pytest.fixture
async def keyed(start_local_server, caplog):
    caplog.set_level(logging.DEBUG)
    return (await start_local_server(api_key=KEY)).url


@pytest.mark.parametrize(
    ("how", "headers", "query", "body"),
    [
        ("xi-api-key header", {"xi-api-key": KEY}, {}, {}),
        ("Authorization header", {"Authorization": f"Bearer {KEY}"}, {}, {}),
        ("single_use_token query", {}, {"single_use_token": KEY}, {}),
        ("first message xi_api_key", {}, {}, {"xi_api_key": KEY}),
        ("first message authorization", {}, {}, {"authorization": KEY}),
    ],
)
async def test_the_key_is_taken_every_way_the_service_takes_it(keyed, caplog, how, headers, query, body):
    frames = await one_turn(ttd_url(keyed, **query), voices("t1", **body), additional_headers=headers)
    assert spoken_text(frames) == TURN, how
    assert KEY not in server_log(caplog)


async def test_a_wrong_key_and_a_missing_key_get_an_error_then_1008_and_never_show_the_key(keyed, caplog):
    async with client(ttd_url(keyed), additional_headers={"xi-api-key": "wrong-key-123"}) as ws:
        frames = await ws.rest()
        assert ws.close_code == 1008
    assert frames[0]["error"] == "invalid_api_key"
    async with client(ttd_url(keyed)) as ws:
        await ws.send(voices("t1"))
        frames = await ws.rest()
        assert ws.close_code == 1008
    assert frames[0]["error"] == "authentication_required"
    assert KEY not in server_log(caplog) and "wrong-key-123" not in server_log(caplog)


async def test_a_key_resent_on_a_later_message_is_a_first_message_field_resent(keyed):
    async with client(ttd_url(keyed), additional_headers={"xi-api-key": KEY}) as ws:
        await ws.send(voices("t1"))
        await ws.send({**flush("t1"), "xi_api_key": KEY})
        frames = await ws.rest()
        assert ws.close_code == 1008
    assert frames[-1]["message"] == "voices can only be set in the first message"
    assert not [f for f in frames if turn_done(f)]
