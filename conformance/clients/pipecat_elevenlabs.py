"""pipecat's ElevenLabsTTSService (multi-stream-input), pointed at the server by its `url` option.

Default configuration: only the required api_key and voice; the output format follows the
pipeline's output rate (pipecat asks pcm_<rate>; the pipeline default is 24000). Non-default:
a 16 kHz pipeline, so pcm_16000.
"""

import asyncio

from pipecat.pipeline.worker import PipelineParams
from pipecat.services.elevenlabs.tts import ElevenLabsTTSService

from .pipecat_driver import drive
from .script import VOICE_ID, arguments, emit, versions


def main() -> None:
    args = arguments()
    emit("versions", **versions("pipecat-ai"))
    service = ElevenLabsTTSService(
        api_key=args.key, url=args.url, settings=ElevenLabsTTSService.Settings(voice=VOICE_ID)
    )
    params = PipelineParams() if args.config == "default" else PipelineParams(audio_out_sample_rate=16000)
    asyncio.run(drive(service, params))


if __name__ == "__main__":
    main()
