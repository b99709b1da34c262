"""The G.711 tables are built on first use (issue 12: they cost ~70 ms of every start), bit-exact as before."""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
from pathlib import Path

from tui.protocol.formats import alaw_decode, alaw_encode, ulaw_decode, ulaw_encode

ROOT = Path(__file__).resolve().parent.parent

# SHA-256 of each codec over its whole domain, taken from the import-time tables this change replaced
# (commit 90e27ee): every one of the 65,536 samples and 256 bytes must map exactly as it did.
BEFORE = {
    "ulaw_encode": "81d633c9e6972a18c74a58720b96cb8ca0bdd096d4060b646dd708c3b846019a",
    "alaw_encode": "38488f6fd710f4686360edc4d38639f96c491595ef93f8eb8d62d5e07ca6ce7b",
    "ulaw_decode": "3dab54339e520bb2c924826e3b72a917a2b612e9fd12fc867500f1d983a75827",
    "alaw_decode": "e04788d110e58ff8c70c93b8480190d973e3b67876b6119abbaec766cc75c174",
}


def test_every_sample_and_byte_maps_exactly_as_the_import_time_tables_did():
    pcm = b"".join(s.to_bytes(2, "little", signed=True) for s in range(-32768, 32768))
    every_byte = bytes(range(256))
    got = {
        "ulaw_encode": ulaw_encode(pcm),
        "alaw_encode": alaw_encode(pcm),
        "ulaw_decode": ulaw_decode(every_byte),
        "alaw_decode": alaw_decode(every_byte),
    }
    assert {name: hashlib.sha256(out).hexdigest() for name, out in got.items()} == BEFORE


def test_starting_the_cli_builds_no_table_and_the_first_use_builds_one_once():
    # A fresh interpreter: this test process may have built them already.
    probe = (
        "import tui.cli, tui.protocol.formats as f\n"
        "tables = (f._ulaw_decode_table, f._alaw_decode_table, f._ulaw_encode_table, f._alaw_encode_table)\n"
        "print([t.cache_info().currsize for t in tables])\n"
        "f.ulaw_encode(b'\\x00\\x01' * 4); f.ulaw_encode(b'\\x02\\x03')\n"
        "print([t.cache_info().misses for t in tables])\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[:2] == ["[0, 0, 0, 0]", "[0, 0, 1, 0]"]


def test_a_server_builds_them_all_before_it_listens(monkeypatch):
    import tui.protocol.formats as f
    import tui.server.cli as serve_cli

    tables = (f._ulaw_decode_table, f._alaw_decode_table, f._ulaw_encode_table, f._alaw_encode_table)
    for table in tables:
        table.cache_clear()
    built_when_serving: list[int] = []

    async def serve(args, voice) -> int:  # where the server would start listening
        built_when_serving.extend(t.cache_info().currsize for t in tables)
        return 0

    monkeypatch.setattr(serve_cli, "_serve", serve)
    parser = argparse.ArgumentParser()
    serve_cli.add_serve_arguments(parser)
    assert serve_cli.run_serve(parser.parse_args(["--voice", "tone", "--port", "0"])) == 0
    assert built_when_serving == [1, 1, 1, 1]
