"""Shared by the tests of the checking library (test_problems, test_oracles, test_compare,
test_diagnosis, test_guards, test_checks): the dtypes tried, and what a bilingual message is."""
import re

import torch

from autograder import checks, oracles

DTYPES = ("float32", "float64")
VISIBLE_SHAPE = checks.VISIBLE_SHAPE
CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")


def torch_dtype(dtype):
    return getattr(torch, dtype)


def assert_bilingual(message, english):
    """One say() message: a Chinese line, then an English line that contains ``english``."""
    zh, en = message.split("\n")
    assert CJK.search(zh), message
    assert not CJK.search(en), message
    assert ENGLISH_WORD.search(en), message
    assert english in en, message


def cast(value, backend, dtype):
    """An oracle's float64 value as the exercise's ``backend`` and ``dtype`` would have it."""
    if backend == "numpy":
        return oracles.to_numpy64(value).astype(dtype)
    return value.to(torch_dtype(dtype))
