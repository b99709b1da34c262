"""pipecat's ElevenLabsDialogueTTSService (Text-to-Dialogue multi-stream-input), pointed at the
server by its `url` option.

Default configuration: only the required api_key and a voice (the service has no default voice
and registers none without one); its default model (eleven_v4_turbo in pipecat 1.14.0) and the
pipeline's output rate (pcm_24000). It opens the `pipecat-keepalive` context at connect, a
uuid context per turn (voices, then inputs by sentence), flushes at the turn's end and closes
the context; an interruption closes the context and drops the audio still coming for it by id.
Non-default: a 16 kHz pipeline, so pcm_16000.
"""

import asyncio

from pipecat.pipeline.worker import PipelineParams
from pipecat.services.elevenlabs.dialogue.tts import ElevenLabsDialogueTTSService

from .pipecat_driver import drive
from .script import VOICE_ID, arguments, emit, versions


def main() -> None:
    args = arguments()
    emit("versions", **versions("pipecat-ai"))
    service = ElevenLabsDialogueTTSService(
        api_key=args.key, url=args.url, settings=ElevenLabsDialogueTTSService.Settings(voice=VOICE_ID)
    )
    params = PipelineParams() if args.config == "default" else PipelineParams(audio_out_sample_rate=16000)
    asyncio.run(drive(service, params))


if __name__ == "__main__":
    main()
