"""pipecat's InworldTTSService (voice:streamBidirectional), pointed at the server by its `url` option.

Default configuration: only the required api_key (model inworld-tts-2, voice Ashley, PCM at the
pipeline's rate, autoMode on, WORD timestamps sent ASYNC). Non-default: a 16 kHz pipeline, so PCM
16000. The key goes as `Authorization: Basic <key>`, verbatim, as pipecat sends the portal's.
"""

import asyncio

from pipecat.pipeline.worker import PipelineParams
from pipecat.services.inworld.tts import InworldTTSService

from .pipecat_driver import drive
from .script import arguments, emit, versions


def main() -> None:
    args = arguments()
    emit("versions", **versions("pipecat-ai"))
    service = InworldTTSService(api_key=args.key, url=args.url + "/tts/v1/voice:streamBidirectional")
    params = PipelineParams() if args.config == "default" else PipelineParams(audio_out_sample_rate=16000)
    asyncio.run(drive(service, params))


if __name__ == "__main__":
    main()
