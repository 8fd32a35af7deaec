"""Values, and only values, between a student process and the judge: JSON with arrays as raw bytes.

What a student's function returns or raises is turned into plain data here, and back on the
other side: numbers, strings, numpy arrays and torch tensors (dtype, shape, device and bytes),
tuples, lists, dicts, exceptions (type, message, traceback text), and for anything else only
its type's name. No pickle and nothing that names code to run, so a message can carry a wrong
value but never an object that acts: the worst a probe can send is a value that fails its check.

A message is one line of JSON, then the raw bytes of its arrays ("blobs": their sizes, in the line);
an array in the JSON names its blob by number. Encoding the arrays as text instead (base64 inside the
JSON) took about half of a probe call's time on the numpy notebook's arrays.

Decoding checks every field (dtypes from a fixed list, shapes that match their bytes, sizes
within bounds) and raises ``Garbled`` for anything else.
"""
import io
import itertools
import json
import math
import traceback
from pathlib import Path

import numpy as np

DTYPES = ("float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool", "complex64",
          "complex128")
TORCH_ONLY = ("bfloat16",)  # sent as float32 bytes, with the dtype to restore
MAX_ITEMS = 10_000  # entries of one list, tuple or dict
MAX_TEXT = 4_000    # characters of a string, an exception message or a type name
MAX_TRACEBACK = 60  # lines of a student's traceback
MAX_DEPTH = 12


class Garbled(ValueError):
    """A message that is not what the protocol allows."""


class TooBig(ValueError):
    """A message longer than its reader allows."""


class StudentError(Exception):
    """An exception raised by the student's code, on either side: its type name, message and traceback."""

    def __init__(self, type_name, message, lines=()):
        super().__init__(message)
        self.type_name, self.message, self.lines = type_name, message, list(lines)

    def __str__(self):
        return f"{self.type_name}: {self.message}" if self.message else self.type_name

    def _render_traceback_(self):  # IPython shows the student's own traceback, not the checks' frames
        return [*self.lines, str(self)] if self.lines else [str(self)]


class Opaque:
    """Stands for a value of a type the wire does not carry; ``type(value).__name__`` is its type's name."""

    def __repr__(self):
        return f"<{type(self).__name__}>"


def _opaque(name):
    name = "".join(ch for ch in str(name)[:80] if ch.isalnum() or ch in "_.") or "object"
    return type(name, (Opaque,), {})()


def _is_tensor(value):
    return type(value).__module__.startswith("torch") and hasattr(value, "detach") and hasattr(value, "dtype")


def _text(value):
    return str(value)[:MAX_TEXT]


# The checking library's own files: their frames are never part of a student's traceback.
LIBRARY = str(Path(__file__).resolve().parent)


def exception_record(error, hide=(LIBRARY,)):
    """{type, message, traceback} of ``error``: the student's traceback, without the frames of files under
    ``hide`` and cut to the student's own code (from the first to the last frame of a notebook cell: "<cell …>"
    in a probe, a file under /tmp/ipykernel_… in JupyterLab; library frames around them, torch's, are left out)."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if not any(f.filename.startswith(h) for h in hide)]
    own = [i for i, f in enumerate(frames) if f.filename.startswith("<") or "/ipykernel_" in f.filename]
    frames = frames[own[0]:own[-1] + 1] if own else frames  # from the student's first frame to their last
    lines = traceback.format_list(frames)[-MAX_TRACEBACK:]
    record = {"$": "exception", "type": _text(type(error).__name__), "message": _text(error), "traceback": lines}
    for field in ("rule", "what"):  # a broken rule of the exercise (guards.GuardViolation)
        if hasattr(error, field):
            record[field] = _text(getattr(error, field))
    return record


def encode(value, blobs, depth=0):
    """``value`` as JSON-able data; its arrays' bytes appended to ``blobs``, which the data names by number."""
    if depth > MAX_DEPTH:
        return {"$": "object", "type": "nested_too_deep"}
    if value is None or type(value) in (bool, int):
        return value
    if isinstance(value, str):
        return value[:MAX_TEXT]
    if type(value) is float:
        return value if math.isfinite(value) else {"$": "float", "value": repr(value)}
    if isinstance(value, np.ndarray) or isinstance(value, np.generic):
        array = np.asarray(value)
        if str(array.dtype) not in DTYPES:
            return {"$": "object", "type": f"ndarray of {_text(array.dtype)}"}
        return {"$": "ndarray" if isinstance(value, np.ndarray) else "npscalar", "dtype": str(array.dtype),
                "shape": list(array.shape), "blob": _blob(blobs, array)}
    if _is_tensor(value):
        return _encode_tensor(value, blobs)
    if isinstance(value, (tuple, list)):
        return {"$": type(value).__name__ if type(value) in (tuple, list) else "list",
                "items": [encode(v, blobs, depth + 1) for v in list(value)[:MAX_ITEMS]]}
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"$": "dict", "items": {k[:MAX_TEXT]: encode(v, blobs, depth + 1)
                                       for k, v in list(value.items())[:MAX_ITEMS]}}
    if isinstance(value, BaseException):
        return exception_record(value)
    return {"$": "object", "type": _text(type(value).__name__)}


def _blob(blobs, array):
    """Append ``array``'s bytes to ``blobs``; return their place there, which the JSON names ("blob")."""
    blobs.append(np.ascontiguousarray(array).tobytes())
    return len(blobs) - 1


def _encode_tensor(t, blobs):
    dtype = str(t.dtype).replace("torch.", "")
    out = {"$": "tensor", "dtype": dtype, "shape": list(t.shape), "device": str(t.device),
           "requires_grad": bool(t.requires_grad), "is_leaf": bool(t.is_leaf)}
    if t.device.type == "meta" or (dtype not in DTYPES and dtype not in TORCH_ONLY):
        return out if t.device.type == "meta" else {"$": "object", "type": f"Tensor of {dtype}"}
    data = t.detach().to("cpu")
    data = data.float() if dtype in TORCH_ONLY else data
    out["blob"] = _blob(blobs, data.numpy())
    return out


def decode(data, blobs=(), depth=0):
    """The value that ``encode`` made ``data`` and ``blobs`` from (tensors on the same device, which must exist
    here)."""
    if depth > MAX_DEPTH:
        raise Garbled("nested too deep")
    if data is None or isinstance(data, (bool, int, float)):
        return data
    if isinstance(data, str):
        return data[:MAX_TEXT]
    if isinstance(data, list):
        raise Garbled("a bare list")
    if not isinstance(data, dict) or not isinstance(data.get("$"), str):
        raise Garbled(f"an unknown value {type(data).__name__}")
    kind = data["$"]
    if kind == "float":
        if data.get("value") not in ("nan", "inf", "-inf"):
            raise Garbled("a float")
        return float(data["value"])
    if kind in ("ndarray", "npscalar"):
        array = _array(data, blobs, DTYPES)
        return array if kind == "ndarray" else array.reshape(()).copy()[()]
    if kind == "tensor":
        return _decode_tensor(data, blobs)
    if kind in ("tuple", "list"):
        items = _sized(data.get("items"), list)
        return (tuple if kind == "tuple" else list)(decode(v, blobs, depth + 1) for v in items)
    if kind == "dict":
        items = _sized(data.get("items"), dict)
        return {str(k)[:MAX_TEXT]: decode(v, blobs, depth + 1) for k, v in items.items()}
    if kind == "exception":
        lines = _sized(data.get("traceback", []), list)
        error = StudentError(_text(data.get("type", "Exception")), _text(data.get("message", "")),
                             [_text(line) for line in lines[-MAX_TRACEBACK:]])
        for field in ("rule", "what"):
            if field in data:
                setattr(error, field, _text(data[field]))
        return error
    if kind == "object":
        return _opaque(data.get("type", "object"))
    raise Garbled(f"an unknown kind {kind[:40]!r}")


def _sized(items, kind):
    if not isinstance(items, kind) or len(items) > MAX_ITEMS:
        raise Garbled(f"a malformed {kind.__name__}")
    return items


def _array(data, blobs, allowed):
    dtype, shape, blob = data.get("dtype"), data.get("shape"), data.get("blob")
    if dtype not in allowed or not isinstance(shape, list) or not all(isinstance(n, int) and n >= 0 for n in shape):
        raise Garbled("an array's dtype or shape")
    if type(blob) is not int or not 0 <= blob < len(blobs):
        raise Garbled("an array's bytes")
    raw = blobs[blob]
    count = math.prod(shape)
    if len(raw) != count * np.dtype(dtype).itemsize:
        raise Garbled("an array whose bytes do not match its shape")
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


def _decode_tensor(data, blobs):
    import torch

    dtype, device = data.get("dtype"), data.get("device")
    if dtype not in DTYPES + TORCH_ONLY or not isinstance(device, str) or len(device) > 20:
        raise Garbled("a tensor's dtype or device")
    try:
        device = torch.device(device)
    except RuntimeError as error:
        raise Garbled("a tensor's device") from error
    if device.type == "meta":
        shape = data.get("shape")
        if not isinstance(shape, list) or not all(isinstance(n, int) and 0 <= n < 2**31 for n in shape):
            raise Garbled("a tensor's shape")
        t = torch.empty(shape, dtype=getattr(torch, dtype), device="meta")
    else:
        array = _array({**data, "dtype": "float32" if dtype in TORCH_ONLY else dtype}, blobs, DTYPES)
        t = torch.from_numpy(array).to(device=device, dtype=getattr(torch, dtype))
    if data.get("requires_grad") is True and t.is_floating_point():
        t.requires_grad_(True)
    return t


def dumps(message, blobs=()):
    """``message`` (a dict, its values already encoded) as one line of JSON, then ``blobs``, its arrays' bytes."""
    if blobs:
        message = {**message, "blobs": [len(b) for b in blobs]}
    return b"".join([json.dumps(message, separators=(",", ":"), allow_nan=False).encode(), b"\n", *blobs])


def read(reader, max_bytes):
    """One message from the binary stream ``reader``: (the line's dict, [its blobs]). Raises TooBig for more
    than ``max_bytes`` in all, EOFError when the stream ends before the message does, ValueError (Garbled
    among them) for anything that is not a message."""
    line = reader.readline(max_bytes + 1)
    if len(line) > max_bytes:
        raise TooBig(max_bytes)
    if not line.endswith(b"\n"):
        raise EOFError
    message = json.loads(line)
    if not isinstance(message, dict):
        raise Garbled("not a message")
    sizes = message.get("blobs", [])
    if not isinstance(sizes, list) or not all(type(n) is int and n >= 0 for n in sizes):
        raise Garbled("the arrays' sizes")
    if len(line) + sum(sizes) > max_bytes:
        raise TooBig(max_bytes)
    data = memoryview(reader.read(sum(sizes)))
    if len(data) < sum(sizes):
        raise EOFError
    starts = [0, *itertools.accumulate(sizes)]
    return message, [data[a:b] for a, b in zip(starts, starts[1:])]


def roundtrip(value):
    """``value`` as the judge would receive it from a probe: what a visible check in JupyterLab
    compares, so that it says exactly what the judge says."""
    blobs = []
    message, blobs = read(io.BytesIO(dumps({"value": encode(value, blobs)}, blobs)), 2**40)
    return decode(message["value"], blobs)
