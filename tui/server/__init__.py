"""The local multi-context TTS server (`switchboard serve`): ElevenLabs and Murf dialects, offline voice.

- `LocalServer(voice, host=, port=, api_key=, clock=)`: start/close or `async with`; `.url`.
- `ManualClock`: a clock tests move by hand; every server deadline follows it.
- `cli.add_serve_arguments` / `cli.run_serve`: the command line.

The protocol rules live in sans-IO models (`contexts`, `single_stream`, `murf_turns`); the
runtime (`connection`, `synthesis`) only carries out what they decide.
"""
from .clock import ManualClock, real_clock
from .server import LocalServer, match_route

__all__ = ["LocalServer", "ManualClock", "match_route", "real_clock"]
