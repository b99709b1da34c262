"""livekit-plugins-elevenlabs (multi-stream-input on one shared socket), pointed at the server by
its `base_url` option (the plugin turns http:// into ws://).

Default configuration: only the required api_key (the plugin's default voice and model,
mp3_22050_32, auto_mode, sync_alignment=true, inactivity_timeout=180). Non-default: pcm_24000.
"""

from livekit.plugins import elevenlabs

from . import livekit_driver


def make_tts(args, session):
    options = {} if args.config == "default" else {"encoding": "pcm_24000"}
    return elevenlabs.TTS(
        api_key=args.key, base_url=args.url.replace("ws://", "http://") + "/v1", http_session=session, **options
    )


if __name__ == "__main__":
    livekit_driver.main(make_tts, "livekit-plugins-elevenlabs")
