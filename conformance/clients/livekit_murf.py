"""livekit-plugins-murf (written by Murf; Murf stream-input through a socket pool), pointed at the
server by its `base_url` option (the plugin turns http into ws).

Default configuration: only the required api_key (FALCON, "pcm" at 24000 Hz, min_buffer_size 3 and
max_buffer_delay_in_ms 0 inside every text frame and the end frame). Non-default: PCM at 8000 Hz.
"""

from livekit.plugins import murf

from . import livekit_driver


def make_tts(args, session):
    options = {} if args.config == "default" else {"sample_rate": 8000}
    return murf.TTS(api_key=args.key, base_url=args.url.replace("ws://", "http://"), http_session=session, **options)


if __name__ == "__main__":
    livekit_driver.main(make_tts, "livekit-plugins-murf")
