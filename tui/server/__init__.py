"""The local multi-context TTS server (`switchboard serve`): ElevenLabs and Murf dialects, offline voice.

- `LocalServer(voice, host=, port=, api_key=, clock=, workers=, flush_done=)`: start/close or `async with`;
  `.url` is the base (`ws://127.0.0.1:PORT`) to which clients append the endpoint paths.
- `ManualClock`: a clock tests move by hand; every server deadline follows it.
- ElevenLabs Text-to-Dialogue (`dialogue_contexts`): voices per context, each voice id a speaker
  of its own (`synth/voice_bank.py`), one `is_final_audio_for_turn` per flush, every protocol error
  an error frame then 1008; its choices where the service is unverified are in that module.
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
- Formats (options, encoding): ElevenLabs pcm_*, ulaw_8000, alaw_8000, the service's six mp3_*
  and five opus_48000_* (Ogg Opus), MP3 mp3_44100_128 being the default when no output_format is
  given, as on the service; Murf WAV (the default, as on the service), MP3, FLAC, PCM, ULAW, ALAW,
  MONO or STEREO (the mono voice twice), at 8000/16000/24000/44100/48000 Hz. Encoded per turn as
  the audio comes (one LAME or libsndfile encoder per context); its tail goes out before the
  context's final and, ElevenLabs, at the end of a flushed generation. Murf OGG (its codec is not
  published) and formats the service does not list get an error frame naming the formats offered,
  then close 1008; never silence.
- Murf WAV (unverified: Murf does not say how a streamed WAV is cut): one 44-byte RIFF header per
  context, at the start of its first audio, sizes 0xFFFFFFFF (length unknown while streaming), then
  plain PCM. Why: the reference calls the format WAV for the whole stream, a header per message
  would put clicks into a player that concatenates, and clients strip one 44-byte header; a
  context's bytes decode whole with any WAV reader.

Limits under abuse (issue 11), each far beyond what a real client reaches, each answered in the
dialect's own error shape; none of them closes a well-behaved conversation:
- Contexts: ElevenLabs 5 per socket (`max_active_conversations`, 1008, as the service); Murf
  `murf.MAX_ACTIVE_CONTEXTS` (15) active turns, "Exceeded Active context limit" with the id, the
  socket stays open. A Murf voice_config for an id with no turn counts against the same limit and
  applies to the next turn that id opens (it is not kept for later turns of a reused id).
- Unspoken text per connection (buffered plus handed to the voice and not yet all sent):
  `actions.MAX_UNSPOKEN_CHARS` (2 Mi chars); past it a text frame is refused with an error for its
  context (ElevenLabs `text_buffer_exceeded`, Murf "Exceeded text buffer limit", unverified texts).
- Text no voice can speak (NUL, a lone surrogate): an error for that context only (ElevenLabs
  `invalid_text`, Murf "Invalid message: ..."), the frame ignored, no close (text_buffer.unspeakable).
  A lone surrogate the server echoes (a context id) goes out as its JSON escape.
- Synthesis units: at most 240 chars, a run of letters cut every 40 (synth/units.py), so one 20 kB
  word costs the voice what a sentence does; splitting is linear and lazy.
- Queued audio: a turn is synthesized at most 60 s ahead of its playback (synthesis.MAX_LEAD_SECONDS);
  64 KiB wait in a socket's write buffer (server.WRITE_LIMIT_BYTES); each lane holds one unit and
  the next. A client frame is at most 1 MiB (1009 past it).
- A client that reads nothing: no frame out for 20 s while one waits → close 1008 "client not
  reading" (policy violation, the code the services use for a client breaking the rules; 1011
  would blame the server), queued behind its unread audio; not completed 10 s later → TCP abort
  (connection.py). Both on the server's clock.
- A socket that ends (abnormally or not) takes everything with it: its watcher stops even if a
  cancel is lost, queued steps and units stop within one unit, and freed memory is given back to
  the system when the last connection ends or every 10 s at a close (server.py, glibc malloc_trim).

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
