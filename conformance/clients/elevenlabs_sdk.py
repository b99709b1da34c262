"""The ElevenLabs Python SDK's realtime helper, `text_to_speech.convert_realtime` (stream-input,
one context per socket, synchronous websockets), pointed at the server by `ElevenLabs(base_url=...)`.

The helper forces the scheme to wss:// whatever the base URL says (realtime_tts.py:
`urlparse(base_url)._replace(scheme="wss")`), so it cannot reach a plain ws:// server: the harness
gives it a TLS front (the recording proxy with a self-signed certificate, trusted through
SSL_CERT_FILE). Default configuration: only api_key and base_url (mp3_44100_128, the helper's
first frame with `voice_settings: null` and `generation_config`). Non-default: pcm_24000.

The interruption is the SDK's own path: the application stops iterating and closes the generator,
whose `with connect(...)` closes the socket.
"""

import concurrent.futures
import io
import os
import time

from elevenlabs.client import ElevenLabs

from .script import LATE_AUDIO_WINDOW, TURN_TIMEOUT, TURNS, VOICE_ID, arguments, emit, versions


def _audio(client, name: str, output_format):
    options = {} if output_format is None else {"output_format": output_format}
    return client.text_to_speech.convert_realtime(VOICE_ID, text=iter(TURNS[name]), **options)


def decoded_seconds(data: bytes) -> tuple[float, str]:
    """Seconds of sound in an MP3 stream, by a real decoder (PyAV, which LiveKit brings along)."""
    import av

    try:
        with av.open(io.BytesIO(data), format="mp3") as container:
            samples = sum(frame.samples for frame in container.decode(audio=0))
            return samples / container.streams.audio[0].rate, ""
    except (av.error.FFmpegError, IndexError, ValueError) as error:
        return 0.0, str(error)[:200]


def spoken_turn(client, name: str, output_format) -> None:
    emit("turn", turn=name)
    data, first = bytearray(), True
    for chunk in _audio(client, name, output_format):
        data += chunk
        if first:
            emit("audio", turn=name, head=chunk[:4].hex())
            first = False
    extra = {}
    if output_format is None:  # the default, MP3: what the application receives must decode
        seconds, error = decoded_seconds(bytes(data))
        extra = {"decoded_seconds": round(seconds, 3), "decode_error": error}
    emit("turn_end", turn=name, bytes=len(data), ended=True, **extra)


def interrupted_turn(client, output_format) -> None:
    emit("turn", turn="interrupted")
    chunks = _audio(client, "interrupted", output_format)
    first = next(chunks)
    emit("audio", turn="interrupted", head=first[:4].hex())
    chunks.close()  # the listener barged in: stop iterating; the helper closes its socket
    emit("interrupted", turn="interrupted")
    time.sleep(LATE_AUDIO_WINDOW)
    emit("turn_end", turn="interrupted", bytes=len(first), ended=True)


def main() -> None:
    args = arguments()
    emit("versions", **versions("elevenlabs"))
    client = ElevenLabs(api_key=args.key, base_url=args.url.replace("wss://", "https://"))
    output_format = None if args.config == "default" else "pcm_24000"
    # The helper's final read has no timeout of its own: bound each turn from outside.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        for step in (
            lambda: spoken_turn(client, "turn1", output_format),
            lambda: interrupted_turn(client, output_format),
            lambda: spoken_turn(client, "final", output_format),
        ):
            try:
                pool.submit(step).result(TURN_TIMEOUT)
            except concurrent.futures.TimeoutError:
                emit(
                    "error",
                    where="turn",
                    message=f"the turn did not end within {TURN_TIMEOUT:.0f} s "
                    "(the helper waits for the server to close the socket)",
                )
                emit("done")
                os._exit(1)  # the stuck thread would hold the executor's exit forever
            except Exception as error:  # the SDK's ApiError, a handshake refusal: report and go on
                emit("error", where="turn", message=f"{type(error).__name__}: {error}"[:300])
    emit("done")


if __name__ == "__main__":
    main()
