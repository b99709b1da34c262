"""livekit-plugins-cartesia (/tts/websocket on pooled sockets, one per active stream), pointed
at the server by its `base_url` option (the plugin turns http into ws and appends
/tts/websocket?cartesia_version=2025-04-16).

Default configuration: only the required api_key (sonic-3, pcm_s16le at 24000, language en, word
timestamps, `max_buffer_delay_ms: 0` with each sentence). Non-default: pcm_s16le at 16000. The
interruption drops the stream's socket from the pool (no `cancel` on the wire).
"""

from livekit.plugins import cartesia

from . import livekit_driver


def make_tts(args, session):
    options = {} if args.config == "default" else {"sample_rate": 16000}
    return cartesia.TTS(
        api_key=args.key, base_url=args.url.replace("ws://", "http://"), http_session=session, **options
    )


if __name__ == "__main__":
    livekit_driver.main(make_tts, "livekit-plugins-cartesia")
