"""ALSA, as the speaker needs it: kept quiet, and asked whether its default output opens.

libasound prints configuration and underrun messages straight to file descriptor 2, which is
the terminal Textual draws on (Textual writes its frames to stderr). Installing a no-op error
handler in libasound silences them for every user of the library in this process: PortAudio
(sounddevice), simpleaudio and miniaudio's ALSA backend all share the one loaded libasound.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

# void (*snd_lib_error_handler_t)(const char *file, int line, const char *function, int err,
#                                 const char *fmt, ...)
# The handler ignores its arguments, so declaring the fixed ones is enough for the variadic call.
_HANDLER_TYPE = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p)


def _ignore(_file, _line, _function, _err, _fmt) -> None:
    return None


def silence_alsa() -> bool:
    """Install the silent handler (once per process); False where libasound is absent."""
    return _install() is not None


@functools.cache
def _install() -> tuple[ctypes.CDLL, object] | None:
    # The C side keeps only a pointer: the cache keeps the ctypes objects alive for good.
    try:
        lib = ctypes.CDLL(ctypes.util.find_library("asound") or "libasound.so.2")
        handler = _HANDLER_TYPE(_ignore)
        lib.snd_lib_error_set_handler(handler)
    except (OSError, AttributeError):
        return None
    return lib, handler


_SND_PCM_STREAM_PLAYBACK = 0
_SND_PCM_NONBLOCK = 1


def default_output_problem() -> str | None:
    """None if ALSA's `default` playback device opens (without playing); else why not."""
    installed = _install()
    if installed is None:
        return "libasound is not available"
    lib = installed[0]
    pcm = ctypes.c_void_p()
    err = lib.snd_pcm_open(ctypes.byref(pcm), b"default", _SND_PCM_STREAM_PLAYBACK, _SND_PCM_NONBLOCK)
    if err < 0:
        # ALSA reads its configuration once per process, and the pulse plugin's hook looks for a
        # running server only then: a server that came up since is seen after a reload.
        lib.snd_config_update_free_global()
        err = lib.snd_pcm_open(ctypes.byref(pcm), b"default", _SND_PCM_STREAM_PLAYBACK, _SND_PCM_NONBLOCK)
    if err < 0:
        lib.snd_strerror.restype = ctypes.c_char_p
        why = lib.snd_strerror(err).decode(errors="replace")
        return f"no audio output device (ALSA default: {why})"
    lib.snd_pcm_close(pcm)
    return None
