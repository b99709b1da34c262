"""`--api-key`: each dialect refuses a missing or wrong key the way its service does (auth.py)."""

from __future__ import annotations

import logging

import pytest
from websockets.exceptions import InvalidStatus

from .wire import client, multi_url, murf_endpoint, opening, single_url, speaks_up_to, spoken_text, text

KEY = "sk_local_test_key_1234"


@pytest.fixture
async def keyed_server(start_local_server, caplog):
    caplog.set_level(logging.DEBUG)
    return (await start_local_server(api_key=KEY)).url


async def speaks(ws, first: dict, context_id: str | None = "t1") -> str:
    await ws.send(first)
    await ws.send(text(context_id, "Let me in. ", flush=True))
    return spoken_text(await ws.until(speaks_up_to("Let me in. ")))


async def test_elevenlabs_accepts_the_key_as_header_query_or_first_message(keyed_server):
    async with client(multi_url(keyed_server), additional_headers={"xi-api-key": KEY}) as ws:
        assert await speaks(ws, opening("t1")) == " Let me in. "
    async with client(multi_url(keyed_server, authorization=f"Bearer {KEY}")) as ws:
        assert await speaks(ws, opening("t1")) == " Let me in. "
    async with client(multi_url(keyed_server)) as ws:
        assert await speaks(ws, opening("t1", xi_api_key=KEY)) == " Let me in. "


@pytest.mark.parametrize("url_of", [multi_url, single_url], ids=["multi", "single"])
@pytest.mark.parametrize("spelling", ["xi_api_key", "xi-api-key", "authorization"])
async def test_elevenlabs_takes_the_key_in_the_first_message_in_every_spelling_clients_send(
    keyed_server, url_of, spelling
):
    context_id = "t1" if url_of is multi_url else None
    value = f"Bearer {KEY}" if spelling == "authorization" else KEY
    async with client(url_of(keyed_server)) as ws:
        assert await speaks(ws, opening(context_id, **{spelling: value}), context_id) == " Let me in. "


@pytest.mark.parametrize("url_of", [multi_url, single_url], ids=["multi", "single"])
@pytest.mark.parametrize("header", [KEY, f"Bearer {KEY}"], ids=["bare", "bearer"])
async def test_elevenlabs_takes_the_key_in_an_authorization_header_bare_or_bearer(keyed_server, url_of, header):
    context_id = "t1" if url_of is multi_url else None
    url = url_of(keyed_server, output_format="pcm_22050")
    async with client(url, additional_headers={"Authorization": header}) as ws:
        assert await speaks(ws, opening(context_id), context_id) == " Let me in. "


async def test_elevenlabs_refuses_a_wrong_key_in_an_authorization_header_at_once(keyed_server):
    async with client(multi_url(keyed_server), additional_headers={"Authorization": "Bearer sk_wrong"}) as ws:
        frames = await ws.rest()
    assert frames == [{"message": "Invalid API key", "error": "invalid_api_key", "code": 1008}]


async def test_murf_takes_the_key_in_the_api_key_header_as_its_reference_spells_it(keyed_server):
    async with client(murf_endpoint(keyed_server), additional_headers={"api_key": KEY}) as ws:
        await ws.send({"text": "In.", "context_id": "t", "end": True})
        assert (await ws.until(lambda f: f.get("final") is True))[-1] == {"final": True, "context_id": "t"}


@pytest.mark.parametrize("url_of", [multi_url, single_url], ids=["multi", "single"])
async def test_elevenlabs_without_a_key_gets_needs_authorization_and_1008(keyed_server, url_of):
    async with client(url_of(keyed_server)) as ws:
        await ws.send(opening(voice_settings={"speed": 1.0}))
        frames = await ws.rest()
    assert frames == [
        {
            "message": "Neither authorization header nor xi-api-key received, please provide one.",
            "error": "needs_authorization",
            "code": 1008,
        }
    ]
    assert ws.close_code == 1008


async def test_elevenlabs_with_a_wrong_key_gets_invalid_api_key_and_1008_at_once(keyed_server):
    async with client(multi_url(keyed_server), additional_headers={"xi-api-key": "sk_wrong"}) as ws:
        frames = await ws.rest()
    assert frames == [{"message": "Invalid API key", "error": "invalid_api_key", "code": 1008}]
    assert ws.close_code == 1008


async def test_elevenlabs_with_a_wrong_key_in_the_first_message_gets_invalid_api_key(keyed_server):
    async with client(multi_url(keyed_server)) as ws:
        await ws.send(opening("t1", xi_api_key="sk_wrong"))
        frames = await ws.rest()
    assert frames[0]["error"] == "invalid_api_key"


async def test_murf_accepts_the_key_as_header_or_query(keyed_server):
    for url, headers in (
        (murf_endpoint(keyed_server), {"api-key": KEY}),
        (murf_endpoint(keyed_server, **{"api-key": KEY}), {}),
        (murf_endpoint(keyed_server, api_key=KEY), {}),
    ):
        async with client(url, additional_headers=headers) as ws:
            await ws.send({"text": "In.", "context_id": "t", "end": True})
            assert (await ws.until(lambda f: f.get("final") is True))[-1] == {"final": True, "context_id": "t"}


@pytest.mark.parametrize("headers, status", [({}, 401), ({"api-key": "wrong"}, 403)], ids=["missing", "wrong"])
async def test_murf_refuses_a_missing_or_wrong_key_at_the_handshake(keyed_server, headers, status):
    with pytest.raises(InvalidStatus) as refused:
        async with client(murf_endpoint(keyed_server), additional_headers=headers):
            pass
    assert refused.value.response.status_code == status
    assert KEY not in refused.value.response.body.decode()


async def test_the_key_never_appears_in_a_log_line_or_an_error(keyed_server, caplog):
    async with client(multi_url(keyed_server, authorization=KEY)) as ws:
        await ws.send("{broken")
        frames = await ws.rest()
    async with client(multi_url(keyed_server, output_format="opus_48000_48", authorization=KEY)) as ws:
        frames += await ws.rest()
    async with client(murf_endpoint(keyed_server, api_key=KEY, format="OGG")) as ws:
        frames += await ws.rest()
    assert len(frames) == 3
    assert KEY not in repr(frames)
    server_records = [r for r in caplog.records if r.name.startswith("tui.")]
    assert len(server_records) > 10, "the server logs connections, and websockets logs its frames at debug"
    assert all(KEY not in record.getMessage() for record in server_records)


async def test_unknown_path_gets_http_404_at_the_handshake(local_server):
    for path in (
        "/v1/text-to-speech/voice/other",
        "/",
        "/v1/speech/stream-input/extra",
        "/v1/text-to-speech//multi-stream-input",
    ):
        with pytest.raises(InvalidStatus) as refused:
            async with client(local_server + path):
                pass
        assert refused.value.response.status_code == 404
