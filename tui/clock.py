"""`Clock`: the type of the clock callable that every layer takes wherever it computes a deadline
or a duration (time is injected: tests freeze or advance it). One alias, so it cannot drift."""
from collections.abc import Callable

Clock = Callable[[], float]   # seconds on a monotonic scale; only differences mean anything
