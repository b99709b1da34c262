"""pipecat's CartesiaTTSService (/tts/websocket), pointed at the server by its `url` option.

Default configuration: the required api_key and a voice (pipecat 1.14 has no default voice and
would send `"id": null`, which the service refuses), else pipecat's own: the model and API
version it pins, PCM s16le at the pipeline's rate, language en, word timestamps, sentence
aggregation, so `max_buffer_delay_ms: 0`. Non-default: a 16 kHz pipeline, so pcm_s16le at 16000. The key goes
as `X-API-Key` and the version as `Cartesia-Version`, headers, as pipecat sends them; the
interruption is `{"context_id": C, "cancel": true}`.
"""

import asyncio

from pipecat.pipeline.worker import PipelineParams
from pipecat.services.cartesia.tts import CartesiaTTSService

from .pipecat_driver import drive
from .script import arguments, emit, versions

VOICE = "a0e99841-438c-4a64-b679-ae501e7d6091"  # the voice of Cartesia's own examples


def main() -> None:
    args = arguments()
    emit("versions", **versions("pipecat-ai"))
    service = CartesiaTTSService(
        api_key=args.key, url=args.url + "/tts/websocket", settings=CartesiaTTSService.Settings(voice=VOICE)
    )
    params = PipelineParams() if args.config == "default" else PipelineParams(audio_out_sample_rate=16000)
    asyncio.run(drive(service, params))


if __name__ == "__main__":
    main()
