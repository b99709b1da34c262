"""What the connection runtime (connection.py) asks of a model, and what the fault plan
(fault_plan.py) asks of a dialect model it wraps. A module of its own so that both can name
them (connection.py imports fault_plan.py).

The dialect models: MultiContextConnection, SingleStreamConnection, MurfConnection,
InworldConnection. A FaultyModel wrapping one of them is a `Model` too.
"""

from __future__ import annotations

from typing import Protocol

from .actions import Action, Generate, Turn


class Model(Protocol):
    done: bool

    def receive(self, frame: object) -> list[Action]: ...
    def generation_finished(self, generate: Generate) -> list[Action]: ...
    def expire(self) -> list[Action]: ...
    def next_deadline(self) -> float | None: ...


class DialectModel(Model, Protocol):
    last_frame: float  # when the last client frame came: the idle timeout counts from it

    def forget(self, turn: Turn) -> None:
        """Stop counting `turn`: a fault abandoned it (fault_plan.py) and the runtime drops what
        it still had to send. A newer turn under the same id is left alone."""
        ...
