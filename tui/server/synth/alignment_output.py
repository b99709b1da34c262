"""Expose a Piper model's phoneme durations as a second output, in memory.

A Piper (VITS) model computes how many spectrogram frames each phoneme id lasts (the output
of its only `Ceil` node) but does not return it. piper-tts reads it when that tensor is a
graph output, which `piper.patch_voice_with_alignment` arranges with the `onnx` package.
This module does the same edit on the serialized model without `onnx` (and its protobuf
runtime): it walks the protobuf wire format just far enough to find the graph, its nodes and
its outputs, and appends one `ValueInfoProto{name}` to `GraphProto.output`. The model file is
never written: the patched bytes go straight to onnxruntime, and the installed voice stays
as shipped.

Field numbers are from onnx.proto: ModelProto.graph = 7; GraphProto.node = 1,
GraphProto.output = 12; NodeProto.output = 2, NodeProto.op_type = 4; ValueInfoProto.name = 1.
"""

from __future__ import annotations

from collections.abc import Iterator

_MODEL_GRAPH = 7
_GRAPH_NODE, _GRAPH_OUTPUT = 1, 12
_NODE_OUTPUT, _NODE_OP_TYPE = 2, 4
_VALUE_INFO_NAME = 1
_LENGTH_DELIMITED = 2


def with_alignment_output(model: bytes) -> tuple[bytes, str]:
    """The model with its `Ceil` output exposed, and that tensor's name.

    A model whose `Ceil` tensor is already an output (a voice patched offline) comes back
    unchanged. Raises ValueError when the bytes are not a model with exactly one `Ceil` node.
    """
    view = memoryview(model)
    graphs = [f for f in _fields(view, 0, len(view)) if f[0] == _MODEL_GRAPH and f[1] == _LENGTH_DELIMITED]
    if len(graphs) != 1:
        raise ValueError("not an ONNX model with one graph")
    _, _, key_start, body_start, body_end = graphs[0]
    ceil_outputs: list[str] = []
    graph_outputs: set[str] = set()
    for number, wire, _, start, end in _fields(view, body_start, body_end):
        if wire != _LENGTH_DELIMITED:
            continue
        if number == _GRAPH_NODE:
            op_type, outputs = None, []
            for n, w, _, s, e in _fields(view, start, end):
                if n == _NODE_OP_TYPE and w == _LENGTH_DELIMITED:
                    op_type = bytes(view[s:e]).decode("utf-8")
                elif n == _NODE_OUTPUT and w == _LENGTH_DELIMITED:
                    outputs.append(bytes(view[s:e]).decode("utf-8"))
            if op_type == "Ceil":
                ceil_outputs.extend(outputs)
        elif number == _GRAPH_OUTPUT:
            graph_outputs.update(
                bytes(view[s:e]).decode("utf-8")
                for n, w, _, s, e in _fields(view, start, end)
                if n == _VALUE_INFO_NAME and w == _LENGTH_DELIMITED
            )
    if len(ceil_outputs) != 1:
        raise ValueError(f"expected one Ceil tensor (the phoneme durations), found {len(ceil_outputs)}")
    name = ceil_outputs[0]
    if name in graph_outputs:
        return model, name
    encoded = name.encode("utf-8")
    value_info = _key(_VALUE_INFO_NAME) + _varint(len(encoded)) + encoded
    extra = _key(_GRAPH_OUTPUT) + _varint(len(value_info)) + value_info
    graph_length = body_end - body_start + len(extra)
    patched = b"".join(
        (
            view[:key_start],
            _key(_MODEL_GRAPH),
            _varint(graph_length),
            view[body_start:body_end],
            extra,
            view[body_end:],
        )
    )
    return patched, name


def _fields(buf: memoryview, start: int, end: int) -> Iterator[tuple[int, int, int, int, int]]:
    """(field number, wire type, key offset, value start, value end) of each field in buf[start:end]."""
    i = start
    while i < end:
        key_start = i
        key, i = _read_varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            _, j = _read_varint(buf, i)
            value_start, i = i, j
        elif wire == _LENGTH_DELIMITED:
            length, value_start = _read_varint(buf, i)
            i = value_start + length
        elif wire in (1, 5):
            value_start, i = i, i + (8 if wire == 1 else 4)
        else:
            raise ValueError(f"unexpected protobuf wire type {wire}")
        if i > end:
            raise ValueError("truncated protobuf field")
        yield number, wire, key_start, value_start, i


def _read_varint(buf: memoryview, i: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if i >= len(buf) or shift > 63:
            raise ValueError("truncated protobuf varint")
        byte = buf[i]
        i += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, i
        shift += 7


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        if value:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def _key(number: int) -> bytes:
    return _varint(number << 3 | _LENGTH_DELIMITED)
