"""Shared test configuration. Fixture modules live in tests/fixtures/ and are listed here."""
# Working in parallel: read docs/ENGINEERING.md (commit only your own paths; append fixtures below).

pytest_plugins: list[str] = [
    "tests.fixtures.voices",
    "tests.fixtures.local_server",
    "tests.fixtures.frozen_clock",
    "tests.fixtures.virtual_speaker",
]
