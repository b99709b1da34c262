"""The local multi-context TTS server (`switchboard serve`): ElevenLabs and Murf dialects, offline voice.

- `LocalServer(voice, host=, port=, api_key=, clock=, workers=)`: start/close or `async with`;
  `.url` is the base (`ws://127.0.0.1:PORT`) to which clients append the endpoint paths.
- `ManualClock`: a clock tests move by hand; every server deadline follows it.
- `cli.add_serve_arguments` / `cli.run_serve`: the command line (also `python -m tui.server`).

The protocol rules live in sans-IO models (`contexts`, `single_stream`, `murf_turns`), the
runtime (`connection`, `synthesis`, `pool`) only carries out what they decide. Where the vendors
leave room, the module named says what the server does and why; in short:

- close_context / close_socket / inactivity finish flushed audio, drop unflushed text (contexts);
  the single-context end `{"text": ""}` generates what is left (single_stream).
- A bare `{"text": ""}` without an id keeps the socket alive and opens nothing; any other frame
  naming an unknown id opens a phantom context; close_context for an unknown id is ignored.
- An idle ElevenLabs socket with no context left gets `input_timeout_exceeded`, close 1008.
- ElevenLabs refuses a missing/wrong key with an error frame + 1008, Murf with HTTP 401/403 (auth).
- Murf `clear` always ends with a `final`; a bad Murf frame gets an error and the socket stays
  open; 180 s without a frame closes it with 1000 (murf_turns).
- Formats it cannot produce (MP3, Opus, WAV, ...) are refused with an error frame, never silence;
  default output is pcm_22050 (ElevenLabs) and PCM (Murf) (options).
"""
from .clock import ManualClock, real_clock
from .server import LocalServer, match_route

__all__ = ["LocalServer", "ManualClock", "match_route", "real_clock"]
