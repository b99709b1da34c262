"""pipecat-murf-tts's MurfTTSService (Murf stream-input), pointed at the server by its `url` option.

Default configuration: only the required api_key (PCM at 24000 Hz, model falcon-2, buffer
settings 40/300 in a settings frame and in every text frame). Non-default: PCM at 8000 Hz.
"""

import asyncio

from pipecat.pipeline.worker import PipelineParams
from pipecat_murf_tts import MurfTTSService

from .pipecat_driver import drive
from .script import arguments, emit, versions


def main() -> None:
    args = arguments()
    emit("versions", **versions("pipecat-ai", "pipecat-murf-tts"))
    url = args.url + "/v1/speech/stream-input"
    if args.config == "default":
        service = MurfTTSService(api_key=args.key, url=url)
    else:
        service = MurfTTSService(api_key=args.key, url=url, params=MurfTTSService.InputParams(sample_rate=8000))
    rate = 24000 if args.config == "default" else 8000
    asyncio.run(drive(service, PipelineParams(audio_out_sample_rate=rate)))


if __name__ == "__main__":
    main()
