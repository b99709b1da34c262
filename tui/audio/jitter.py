"""How long a turn waits after its first chunk before it starts to play (the playout delay).

Audio that arrives at real-time pace with network jitter leaves gaps unless playback starts a
little after the first chunk. A fixed wait long enough for ±30 ms of jitter (about 60 ms) would
cost every turn that much latency even on a link that delivers faster than real time, which is
the usual case for TTS services. So the wait is learnt per speaker, as a jitter buffer does: each
finished turn reports how late its chunks came against a real-time schedule anchored at its first
chunk, and the next turn waits for the worst of the last few turns (plus what the device pulls
ahead of its playhead). A turn's worst lateness swings with how late its own first chunk happened
to be, so one lucky turn must not lower the wait: the peak is held over a window of turns. Before
any turn has been seen, the window holds the cautious initial guess.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field


@dataclass
class PlayoutDelay:
    # Worst lateness assumed before any turn was seen: covers ±30 ms of jitter around the
    # schedule with 20 ms chunks (60 ms less the head start of the second chunk).
    initial: float = 0.06
    # Lateness beyond this is a stall (the text stopped coming), not jitter: waiting that long
    # before every turn would not be worth it, so such turns teach nothing.
    ceiling: float = 0.15
    # Slack for the caller's scheduling noise (asyncio loop, GIL hand-offs).
    margin: float = 0.005
    # How many recent turns the worst lateness is held over.
    window: int = 6
    _seen: deque[float] = field(default_factory=deque, repr=False)

    def __post_init__(self) -> None:
        self._seen = deque([self.initial], maxlen=self.window)

    @property
    def need(self) -> float:
        """Worst lateness the next turn should absorb (seconds; negative when ahead of time)."""
        return max(self._seen)

    def start_delay(self, prefill: float) -> float:
        """Wait after a turn's first chunk before the device may start pulling it.

        `prefill` is how far ahead of its playhead the device pulls (its buffer): audio that is
        late for the pull is late, even if the listener would not have reached it yet.
        """
        return max(0.0, self.need + prefill + self.margin)

    def observe(self, lateness: float | None) -> None:
        """Learn from one turn's worst lateness (None: too few chunks to say anything)."""
        if lateness is None or lateness > self.ceiling:
            return
        self._seen.append(lateness)


def lateness(arrival: float, first_arrival: float, samples_before: int, rate: int) -> float:
    """How late a chunk came against real-time playback started at the first chunk's arrival."""
    return arrival - (first_arrival + samples_before / rate)
