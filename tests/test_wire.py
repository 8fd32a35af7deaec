"""autograder/wire.py: values as plain data, and everything else refused or reduced to a type name."""
import io
import json

import numpy as np
import pytest
import torch

from autograder import wire


@pytest.mark.parametrize("value", [
    None, True, 3, 2.5, float("nan"), float("-inf"), "text", (1, [2.0, "x"]), {"a": (None, 1)},
    np.arange(6, dtype="float32").reshape(2, 3), np.float64(1.5), np.array(7, dtype="int64"),
    torch.arange(4, dtype=torch.float64), torch.zeros(2, 2, dtype=torch.float16), torch.ones(3).requires_grad_(True),
])
def test_values_cross_the_wire_unchanged(value):
    back = wire.roundtrip(value)
    assert type(back) is type(value)
    if isinstance(value, (np.ndarray, np.generic)):
        assert back.dtype == value.dtype and back.shape == value.shape and np.array_equal(back, value)
    elif isinstance(value, torch.Tensor):
        assert back.dtype == value.dtype and back.shape == value.shape and torch.equal(back.detach(), value.detach())
        assert back.requires_grad == value.requires_grad
    elif isinstance(value, float) and value != value:
        assert back != back
    else:
        assert back == value


def test_anything_else_arrives_as_its_type_name_only():
    class Model:
        pass

    back = wire.roundtrip({"m": Model(), "f": print})
    assert type(back["m"]).__name__ == "Model" and isinstance(back["m"], wire.Opaque)
    assert type(back["f"]).__name__ == "builtin_function_or_method"
    meta = wire.roundtrip(torch.empty(3, 4, device="meta"))
    assert meta.device.type == "meta" and meta.shape == (3, 4)


def test_an_exception_arrives_with_its_type_message_and_the_students_frames():
    def students(x):
        return x / 0

    try:
        students(1)
    except ZeroDivisionError as error:
        back = wire.decode(json.loads(wire.dumps(wire.exception_record(error))))
    assert isinstance(back, wire.StudentError) and back.type_name == "ZeroDivisionError"
    assert "division by zero" in str(back) and any("students" in line for line in back.lines)


EIGHT_BYTES = [bytes(8)]


@pytest.mark.parametrize("data", [
    [1, 2],                                                                   # a bare list
    {"$": "pickle", "data": "gASVAAAAAAAAAAA="},                               # an unknown kind
    {"$": "ndarray", "dtype": "object", "shape": [1], "blob": 0},              # a dtype that could carry objects
    {"$": "ndarray", "dtype": "datetime64[s]", "shape": [1], "blob": 0},       # one not on the list
    {"$": "ndarray", "dtype": "float64", "shape": [3], "blob": 0},             # bytes that do not fit the shape
    {"$": "ndarray", "dtype": "float64", "shape": [-1], "blob": 0},            # a negative shape
    {"$": "ndarray", "dtype": "float64", "shape": [1], "blob": 1},             # a blob that is not there
    {"$": "ndarray", "dtype": "float64", "shape": [1], "blob": "0"},           # a blob named by anything but its number
    {"$": "ndarray", "dtype": "float64", "shape": [1], "data": "AAAAAAAAAAA="},  # bytes as text
    {"$": "tensor", "dtype": "float32", "device": "tpu", "shape": [2], "blob": 0},
    {"$": "tuple", "items": "abc"},
    {"$": "float", "value": "__import__('os')"},
])
def test_malformed_values_are_refused(data):
    with pytest.raises(wire.Garbled):
        wire.decode(data, EIGHT_BYTES)


def test_a_message_is_a_line_of_json_then_its_arrays_bytes():
    blobs = []
    data = wire.encode({"w": np.arange(3, dtype="int64"), "t": torch.ones(2)}, blobs)
    frame = wire.dumps({"values": data}, blobs)
    line, rest = frame.split(b"\n", 1)
    assert json.loads(line)["blobs"] == [24, 8]
    assert rest == np.arange(3, dtype="int64").tobytes() + torch.ones(2).numpy().tobytes()
    message, got = wire.read(io.BytesIO(frame + b"the next message"), max_bytes=len(frame))
    back = wire.decode(message["values"], got)
    assert np.array_equal(back["w"], np.arange(3)) and torch.equal(back["t"], torch.ones(2))
    assert wire.dumps({"cells": []}) == b'{"cells":[]}\n'  # without arrays: one line, as before


@pytest.mark.parametrize("frame,error", [
    (b'{"values": 1}', EOFError),                                   # the line cut short
    (b'{"values": 1, "blobs": [8]}\n' + bytes(4), EOFError),        # its arrays cut short
    (b'{"values": 1, "blobs": [100]}\n', wire.TooBig),              # more than the reader takes
    (b"[" + b"1," * 40 + b"1]\n", wire.TooBig),                     # a line longer than that
    (b'{"values": 1, "blobs": [-8]}\n', wire.Garbled),
    (b'{"values": 1, "blobs": 8}\n', wire.Garbled),
    (b"[1, 2]\n", wire.Garbled),
    (b"not json\n", ValueError),
], ids=["line_cut", "blobs_cut", "blobs_too_big", "line_too_big", "negative_size", "sizes_not_a_list", "not_a_dict",
        "not_json"])
def test_a_message_that_is_not_one_is_refused_with_what_is_wrong(frame, error):
    with pytest.raises(error):
        wire.read(io.BytesIO(frame), max_bytes=64)


def test_nesting_has_a_limit():
    data = 1
    for _ in range(wire.MAX_DEPTH + 3):
        data = {"$": "list", "items": [data]}
    with pytest.raises(wire.Garbled):
        wire.decode(data)


def test_a_students_traceback_ends_at_their_own_code():
    """The frames of the library the student's line called into (here json's) are left out, and the checking library's."""
    namespace = {}
    exec(compile("import json\ndef forward(x):\n    return json.loads(x)\n", "<cell forward>", "exec"), namespace)
    try:
        namespace["forward"]("{")
    except ValueError as error:
        lines = wire.decode(json.loads(wire.dumps(wire.exception_record(error)))).lines
    assert lines and '"<cell forward>", line 3, in forward' in lines[-1]
    assert not any("json/" in line or "/autograder/" in line for line in lines)
