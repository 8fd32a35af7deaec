"""The checking library's problems (autograder/problems.py): shapes, dtypes, seeds, devices, and
fresh copies each time."""
import numpy as np
import pytest
import torch

from autograder import problems
from library_helpers import DTYPES, VISIBLE_SHAPE, torch_dtype

SMALL_SHAPES = [(1, 1, 1, 1), (3, 4, 5, 2), VISIBLE_SHAPE, (10, 6, 3, 7), (4, 9, 2, 1)]


def test_default_shape_is_the_seed_tutorials():
    assert problems.SEED_SHAPE == (64, 1000, 100, 10)
    assert problems.make_problem(0).shape == problems.SEED_SHAPE


@pytest.mark.parametrize("shape", [*SMALL_SHAPES, problems.SEED_SHAPE], ids=str)
def test_problem_shapes(shape):
    n, d_in, h, d_out = shape
    p = problems.make_problem(3, shape)
    expected = [(n, d_in), (n, d_out), (d_in, h), (h, d_out)]
    assert p.shape == shape
    assert [a.shape for a in p.numpy()] == expected
    assert [tuple(t.shape) for t in p.torch()] == expected


@pytest.mark.parametrize("shape", [(3, 4, 5, 2), VISIBLE_SHAPE], ids=str)
def test_same_seed_same_numbers_across_calls_and_libraries(shape):
    a, b = problems.make_problem(7, shape), problems.make_problem(7, shape)
    for u, v in zip(a.numpy(), b.numpy()):
        np.testing.assert_array_equal(u, v)
    for u, v in zip(a.numpy("float64"), b.torch("float64")):
        assert v.dtype == torch.float64
        np.testing.assert_array_equal(u, v.numpy())
    for u, v in zip(a.numpy("float32"), b.torch("float32")):
        np.testing.assert_array_equal(u, v.numpy())


def test_numbers_are_pcg64_draws_in_documented_order():
    """Platform independent: exactly default_rng(seed)'s draws, x, y, w1, w2, weights / sqrt(fan_in)."""
    n, d_in, h, d_out = shape = (3, 4, 5, 2)
    rng = np.random.default_rng(5)
    x = rng.standard_normal((n, d_in))
    y = rng.standard_normal((n, d_out))
    w1 = rng.standard_normal((d_in, h)) * (1 / np.sqrt(d_in))
    w2 = rng.standard_normal((h, d_out)) * (1 / np.sqrt(h))
    for got, want in zip(problems.make_problem(5, shape).numpy(), (x, y, w1, w2)):
        np.testing.assert_array_equal(got, want)
    scaled = problems.make_problem(5, shape, weight_scale=2.0)
    rng = np.random.default_rng(5)
    rng.standard_normal((n, d_in)), rng.standard_normal((n, d_out))
    np.testing.assert_array_equal(scaled.w1, rng.standard_normal((d_in, h)) * 2.0)


def test_different_seeds_differ():
    a = problems.make_problem(1, VISIBLE_SHAPE).numpy()
    b = problems.make_problem(2, VISIBLE_SHAPE).numpy()
    for u, v in zip(a, b):
        assert not np.array_equal(u, v)
    assert problems.make_problem(1).seed == 1


@pytest.mark.parametrize("dtype", DTYPES)
def test_problem_dtypes(dtype):
    p = problems.make_problem(4, (3, 4, 5, 2))
    arrays = p.numpy(dtype)
    assert all(a.dtype == np.dtype(dtype) for a in arrays)
    for a, exact in zip(arrays, p.numpy("float64")):
        np.testing.assert_array_equal(a, exact.astype(dtype))
    tensors = p.torch(dtype)
    assert all(t.dtype == torch_dtype(dtype) and t.device.type == "cpu" for t in tensors)
    for t, a in zip(tensors, arrays):
        np.testing.assert_array_equal(t.numpy(), a)
    # A torch dtype object is accepted too.
    assert p.torch(torch_dtype(dtype))[0].dtype == torch_dtype(dtype)


def test_requires_grad_applies_to_weights_only():
    x, y, w1, w2 = problems.make_problem(0, (3, 4, 5, 2)).torch("float32", requires_grad=True)
    assert not x.requires_grad and not y.requires_grad
    assert w1.requires_grad and w2.requires_grad and w1.is_leaf and w2.is_leaf
    assert not any(t.requires_grad for t in problems.make_problem(0, (3, 4, 5, 2)).torch())


def test_copies_are_fresh():
    p = problems.make_problem(9, (3, 4, 5, 2))
    original = [a.copy() for a in (p.x, p.y, p.w1, p.w2)]
    first = p.numpy()
    for a in first:
        a += 1.0
    for a, b, o in zip(p.numpy(), first, original):
        np.testing.assert_array_equal(a, o)
        assert not np.shares_memory(a, b)
    assert not any(np.shares_memory(a, b) for a, b in zip(p.numpy(), (p.x, p.y, p.w1, p.w2)))
    for t in p.torch():
        t.add_(1.0)
    for t in p.torch("float64", requires_grad=True):
        with torch.no_grad():
            t.mul_(-3.0)
    for t, o in zip(p.torch(), original):
        np.testing.assert_array_equal(t.numpy(), o)
    for a, o in zip((p.x, p.y, p.w1, p.w2), original):
        np.testing.assert_array_equal(a, o)


def test_devices():
    assert problems.devices()[0] == "cpu"
    assert ("cuda" in problems.devices()) == torch.cuda.is_available()
    assert problems.default_device() == ("cuda" if torch.cuda.is_available() else "cpu")
