"""Replay: a transport that plays a recording back as if the session were live.

No server, no network: the recorded entries come out at their recorded offsets, scaled by the
speed, and the console drives its session model with them exactly as it would with a live
connection. Sent frames are not re-sent anywhere; they come out too (as `ReplayItem`s), so the
session model opens and closes slots as it did. Frames the console tries to send while replaying
are dropped and counted.

Controls, all safe to call between awaits on the event loop:
- `pause()` / `resume()`: the recording's clock stops and restarts where it was;
- `step()`: release everything up to and including the next received frame, now;
- `seek_next_barge_in()`: fast-forward to the next barge-in; what is skipped comes out marked
  `fast_forward=True` (apply it to the model, do not play its audio);
- `set_speed(x)`: from now on the recording runs x times as fast.

The timing lives in `ReplayScheduler` (pure, clock injected, no asyncio), so it is tested with a
frozen clock; `ReplayTransport` only waits for the scheduler's next deadline. `drive()` feeds a
whole recording into a sink; `tui.core.replay` makes the console one, as `switchboard replay` does.
"""

from .driver import TICK_SECONDS, ReplaySink, drive, session_options
from .scheduler import EPSILON_MS, MAX_SPEED, MIN_SPEED, ReplayItem, ReplayScheduler, check_speed
from .transport import ReplayTransport

__all__ = [
    "EPSILON_MS",
    "MAX_SPEED",
    "MIN_SPEED",
    "TICK_SECONDS",
    "ReplayItem",
    "ReplayScheduler",
    "ReplaySink",
    "ReplayTransport",
    "check_speed",
    "drive",
    "session_options",
]
