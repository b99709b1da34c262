"""ElevenLabs: accept what production clients and the SDKs send, refuse only what breaks the
schema (issue 9, item 1; PROTOCOL.md §5). Both routes where a rule applies to both.

Real local server on loopback, tone voice (60 ms of audio per character, pcm_22050).
"""

from __future__ import annotations

import pytest

from tui.protocol import elevenlabs as el

from .wire import audio_bytes, client, multi_url, opening, single_url, speaks_up_to, spoken_text, text

ROUTES = pytest.mark.parametrize("url_of", [multi_url, single_url], ids=["multi", "single"])


def cid(url_of) -> str | None:
    return "t1" if url_of is multi_url else None


async def finish(ws, url_of) -> list[dict]:
    """End the turn as each route does and return every frame up to its final."""
    if url_of is multi_url:
        await ws.send({"context_id": "t1", "close_context": True})
        return await ws.until(lambda f: f.get("isFinal") is True)
    await ws.send({"text": ""})
    return await ws.rest()


@ROUTES
async def test_null_voice_settings_fields_are_treated_as_not_given(local_server, url_of):
    nulls = {"stability": None, "similarity_boost": None, "style": None, "use_speaker_boost": None, "speed": None}
    async with client(url_of(local_server, output_format="pcm_22050")) as ws:
        await ws.send(opening(cid(url_of), voice_settings=nulls))
        await ws.send(text(cid(url_of), "Twelve chars", flush=True))
        # The same settings again are no change (null is "not given" both times).
        await ws.send(text(cid(url_of), " ", voice_settings=nulls))
        frames = await finish(ws, url_of)
    assert not [f for f in frames if "error" in f]
    assert spoken_text(frames) == " Twelve chars"
    assert len(audio_bytes(frames)) == 13 * 0.060 * 22050 * 2  # speed not given: 1.0


@ROUTES
async def test_whole_number_floats_in_chunk_length_schedule_are_sizes(local_server, url_of):
    async with client(url_of(local_server)) as ws:
        await ws.send(opening(cid(url_of), generation_config={"chunk_length_schedule": [50.0, 60.0]}))
        await ws.send(text(cid(url_of), "Past fifty characters without any flush at all, done "))
        frames = await ws.until(speaks_up_to("done "))  # the schedule's 50 triggered it, no flush
    assert spoken_text(frames) == " Past fifty characters without any flush at all, done "


@ROUTES
@pytest.mark.parametrize("schedule", [[50.5], ["50"], [True], [40.0]], ids=["fraction", "string", "bool", "range"])
async def test_a_chunk_length_schedule_that_is_not_whole_numbers_in_50_to_500_is_refused(
    local_server, url_of, schedule
):
    async with client(url_of(local_server)) as ws:
        await ws.send(opening(cid(url_of), generation_config={"chunk_length_schedule": schedule}))
        frames = await ws.rest()
    assert frames == [{"message": el.INVALID_INPUT_MESSAGE, "error": "invalid_input_message", "code": 1008}]
    assert ws.close_code == 1008


@ROUTES
async def test_generation_config_later_in_a_context_is_accepted_and_its_schedule_applies(local_server, url_of):
    async with client(url_of(local_server)) as ws:
        await ws.send(opening(cid(url_of), generation_config={"chunk_length_schedule": [500]}))
        await ws.send(
            text(
                cid(url_of),
                "Sixty characters or so, far below five hundred, and done ",
                generation_config={"chunk_length_schedule": [50]},
            )
        )
        frames = await ws.until(speaks_up_to("done "))
    assert not [f for f in frames if "error" in f]
    assert spoken_text(frames) == " Sixty characters or so, far below five hundred, and done "
