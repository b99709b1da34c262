"""The local multi-context TTS server (`switchboard serve`): ElevenLabs and Murf dialects, offline voice.

- `LocalServer(voice, host=, port=, api_key=, clock=, workers=, flush_done=)`: start/close or `async with`;
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
  Keys are taken in every spelling clients send: ElevenLabs header `xi-api-key` or `Authorization`,
  query `authorization` (bare or `Bearer <key>`: which the service wants is unverified, both are
  taken), or in the first message as `xi_api_key`, `xi-api-key` or `authorization`; Murf header
  `api-key` or `api_key`, or either as query. Single-use tokens are not modelled (unverified).
- Lenient about values, strict about structure (issue 9). A frame that is not a JSON object, or a
  field of the wrong type, is refused; values the services clamp are accepted:
  ElevenLabs `null` inside `voice_settings` is "not given"; `chunk_length_schedule` takes whole-
  number floats (`50.0`); `generation_config` later in a context is accepted and its schedule
  applies from then on (unverified: the vendor's guide and its AsyncAPI disagree) (contexts).
  Murf `min_buffer_size` / `max_buffer_delay_in_ms` are clamped into 40..160 / 0..1000 (LiveKit's
  Murf plugin sends 3 and 0) and `rate` / `pitch` into -50..50, floats rounded, never refusing the
  frame; buffer settings apply, for the whole socket, from any frame that carries them (a text
  frame, `end`, a voice_config frame) (tui/protocol/murf.py, murf_turns).
- Only the services' own frames: no `flush_done` unless `flush_done=True` / `serve --flush-done`
  (ElevenLabs publishes none; shape `{"type": "flush_done", "context_id", "flush_done": true}`,
  unverified). Without `sync_alignment=true` (the default) each synthesis unit's timing is sent
  once, on its first audio frame, relative to that frame's start, and the unit's later frames have
  `alignment: null` (the service promises timing on every chunk only with it; what it sends
  without is partly verified: our choice keeps every char timed exactly once). Murf errors carry
  human text in `error` and the context id when the frame named one, no machine id. eleven_v3 /
  v4 get HTTP 403 at the handshake on both ElevenLabs routes (the service's status; its body is
  not published, ours names the model). Malformed JSON gets the service's quoted
  `input_message_json_decode_fail` text; JSON outside the schema `invalid_input_message` with the
  reference's (unverified) text; both then 1008. `inactivity_timeout` above 180 is refused with an
  error frame and 1008 rather than clamped (unverified either way).
- Murf `clear` always ends with a `final`; a bad Murf frame gets an error and the socket stays
  open; 180 s without a frame closes it with 1000 (murf_turns).
- Formats (options, encoding): ElevenLabs pcm_*, ulaw_8000, alaw_8000 and the service's six mp3_*,
  MP3 mp3_44100_128 being the default when no output_format is given, as on the service; Murf WAV
  (the default, as on the service), MP3, PCM, ULAW, ALAW, MONO or STEREO (the mono voice twice), at
  8000/16000/24000/44100/48000 Hz. Encoded per turn as the audio comes (one LAME encoder per
  context); its tail goes out before the context's final and, ElevenLabs, at the end of a flushed
  generation. opus_48000_* (no Opus encoder here) and Murf FLAC/OGG get an error frame naming the
  formats offered, then close 1008; never silence.
- Murf WAV (unverified: Murf does not say how a streamed WAV is cut): one 44-byte RIFF header per
  context, at the start of its first audio, sizes 0xFFFFFFFF (length unknown while streaming), then
  plain PCM. Why: the reference calls the format WAV for the whole stream, a header per message
  would put clicks into a player that concatenates, and clients strip one 44-byte header; a
  context's bytes decode whole with any WAV reader.

Fault rehearsal (`LocalServer(faults=FaultPlan(parse_faults(SPEC), seed))`, `serve --faults SPEC`):
the services' known failures on demand, seeded per connection and fault so a run repeats: the
flush→close race (an `isFinal` with no audio, or none), an exhausted quota (an `isFinal` at once, no
audio, no error), first-audio delay and jitter on the server's clock, a dropped TCP connection
(1006), a lower Murf context limit. The grammar is in `faults`, how each is carried out in
`fault_plan` (a wrapper around the dialect model, and the pacing of each turn's audio); the models
themselves stay faithful. Each fault is logged when it fires (logger `tui.server.faults`).
"""
from .clock import ManualClock, real_clock
from .server import LocalServer, match_route

__all__ = ["LocalServer", "ManualClock", "match_route", "real_clock"]
