"""Resampling for the voices, and exposing a model's phoneme durations (no Piper model needed)."""

import numpy as np
import onnxruntime
import pytest

from tui.server.synth.alignment_output import with_alignment_output
from tui.server.synth.resample import resample, to_s16le


def sine(frequency: float, rate: int, seconds: float = 0.5) -> np.ndarray:
    return (0.5 * np.sin(2 * np.pi * frequency * np.arange(int(rate * seconds)) / rate)).astype(np.float32)


def peak_frequency(audio: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(audio * np.hanning(audio.size)))
    return float(np.fft.rfftfreq(audio.size, 1 / rate)[np.argmax(spectrum)])


def rms(audio: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.asarray(audio, dtype=np.float64) ** 2)))


@pytest.mark.parametrize("out_rate", [8000, 16000, 24000, 44100, 48000])
@pytest.mark.parametrize("n", [1, 1000, 12345])
def test_resampled_length_is_the_rounded_ratio(n, out_rate):
    assert resample(np.zeros(n, np.float32), 22050, out_rate).size == round(n * out_rate / 22050)


@pytest.mark.parametrize("out_rate", [8000, 48000])
def test_a_tone_keeps_its_frequency_and_level_through_resampling(out_rate):
    out = resample(sine(1000, 22050), 22050, out_rate)
    middle = out[out.size // 10 : -out.size // 10]  # away from the edges
    assert abs(peak_frequency(middle, out_rate) - 1000) < 5
    assert abs(rms(middle) - 0.5 / np.sqrt(2)) < 0.01


def test_content_above_the_new_nyquist_is_filtered_out_not_folded_back():
    # 5 kHz cannot exist at 8 kHz. Dropping samples or interpolating between them folds it to a
    # loud 3 kHz alias; a band-limited resampler removes it.
    out = resample(sine(5000, 22050), 22050, 8000)
    assert rms(out[400:-400]) < 0.01
    naive = sine(5000, 22050)[np.round(np.arange(4000) * 22050 / 8000).astype(int)]
    assert rms(naive) > 0.2  # what the test would catch


def test_s16le_conversion_scales_and_clips():
    pcm = to_s16le(np.array([0.0, 0.5, -1.0, 1.7, -3.0], dtype=np.float32))
    assert np.frombuffer(pcm, "<i2").tolist() == [0, 16384, -32767, 32767, -32767]


# ---- exposing the Ceil tensor of a model -----------------------------------------------------


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        out.append((n & 0x7F) | (0x80 if n > 0x7F else 0))
        n >>= 7
        if not n:
            return bytes(out)


def field(number: int, value: bytes | int) -> bytes:
    if isinstance(value, int):
        return varint(number << 3) + varint(value)
    return varint(number << 3 | 2) + varint(len(value)) + value


def tiny_model(ceil_nodes: int = 1) -> bytes:
    """y = -ceil(x) over float[3], written straight in ONNX's protobuf encoding."""
    float3 = field(1, field(1, 1) + field(2, field(1, field(1, 3))))  # TypeProto tensor float[3]
    nodes = [
        field(1, field(1, b"x") + field(2, b"c") + field(4, b"Ceil")),
        field(1, field(1, b"c") + field(2, b"y") + field(4, b"Neg")),
    ]
    nodes += [field(1, field(1, b"x") + field(2, f"c{i}".encode()) + field(4, b"Ceil")) for i in range(1, ceil_nodes)]
    graph = (
        b"".join(nodes)
        + field(2, b"g")
        + field(11, field(1, b"x") + field(2, float3))
        + field(12, field(1, b"y") + field(2, float3))
    )
    return field(1, 8) + field(8, field(2, 13)) + field(7, graph)


def run(model: bytes) -> list[np.ndarray]:
    session = onnxruntime.InferenceSession(model, providers=["CPUExecutionProvider"])
    return session.run(None, {"x": np.array([0.2, 1.5, -2.5], dtype=np.float32)})


def test_the_ceil_tensor_becomes_a_second_output_and_the_first_is_unchanged():
    original = tiny_model()
    assert len(run(original)) == 1
    patched, name = with_alignment_output(original)
    assert name == "c"
    y, c = run(patched)
    assert y.tolist() == [-1.0, -2.0, 2.0] and c.tolist() == [1.0, 2.0, -2.0]


def test_a_model_already_patched_comes_back_unchanged():
    patched, _ = with_alignment_output(tiny_model())
    assert with_alignment_output(patched) == (patched, "c")


@pytest.mark.parametrize(
    "model, reason",
    [
        (tiny_model(ceil_nodes=2), "expected one Ceil tensor"),
        (b"\x07garbage", "wire type|truncated|not an ONNX model"),
        (b"", "not an ONNX model"),
    ],
)
def test_models_it_cannot_patch_give_a_value_error(model, reason):
    with pytest.raises(ValueError, match=reason):
        with_alignment_output(model)
