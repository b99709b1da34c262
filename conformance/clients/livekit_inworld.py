"""livekit-plugins-inworld (voice:streamBidirectional on pooled sockets), pointed at the server by
its `ws_url` option (the plugin joins the absolute path /tts/v1/voice:streamBidirectional onto it).

Default configuration: only the required api_key (model inworld-tts-1.5-max, voice Ashley, PCM
24000, autoMode, ASYNC timestamps). Non-default: LINEAR16 at 16000 (each chunk a RIFF header,
which the plugin's WAV decoder reads). Version 1.8.9 interrupts with `cancel_context`.
"""

from livekit.plugins import inworld

from . import livekit_driver


def make_tts(args, session):
    options = {} if args.config == "default" else {"encoding": "LINEAR16", "sample_rate": 16000}
    return inworld.TTS(api_key=args.key, ws_url=args.url + "/", http_session=session, **options)


if __name__ == "__main__":
    livekit_driver.main(make_tts, "livekit-plugins-inworld")
