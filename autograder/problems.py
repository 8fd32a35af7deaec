"""Seeded problem instances: the same numbers for the same seed on every run and machine.

Numbers are drawn once in float64 with numpy's PCG64 generator (platform independent),
then converted to the dtype, library and device a check asks for.
"""
from dataclasses import dataclass

import numpy as np

# The seed tutorial's sizes: batch N, input D_in, hidden H, output D_out.
SEED_SHAPE = (64, 1000, 100, 10)


def devices():
    """The devices to test on: always ``cpu``, plus ``cuda`` when a GPU is present."""
    import torch

    return ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def default_device():
    """``cuda`` when a GPU is present, else ``cpu`` (what notebook 5 teaches)."""
    return devices()[-1]


@dataclass(frozen=True)
class Problem:
    """x: (N, D_in), y: (N, D_out), w1: (D_in, H), w2: (H, D_out), all float64 numpy."""

    x: np.ndarray
    y: np.ndarray
    w1: np.ndarray
    w2: np.ndarray
    seed: int

    @property
    def shape(self):
        """(N, D_in, H, D_out)."""
        return (*self.x.shape, self.w1.shape[1], self.y.shape[1])

    def numpy(self, dtype="float64"):
        """Fresh copies of (x, y, w1, w2) as numpy arrays of ``dtype``."""
        return tuple(a.astype(dtype, copy=True) for a in (self.x, self.y, self.w1, self.w2))

    def torch(self, dtype="float64", device="cpu", requires_grad=False):
        """Fresh copies of (x, y, w1, w2) as torch tensors; ``requires_grad`` applies to w1, w2."""
        import torch

        dt = getattr(torch, str(dtype).replace("torch.", ""))
        x, y, w1, w2 = (torch.tensor(a, dtype=dt, device=device) for a in (self.x, self.y, self.w1, self.w2))
        return x, y, w1.requires_grad_(requires_grad), w2.requires_grad_(requires_grad)


def make_problem(seed=0, shape=SEED_SHAPE, weight_scale=None):
    """A problem of ``shape`` = (N, D_in, H, D_out) drawn from ``seed``.

    Inputs and targets are standard normal, like the tutorial. Weights are scaled by
    1/sqrt(fan_in) unless ``weight_scale`` is given, so that values stay O(1) on every
    shape and float32 comparisons stay meaningful.
    """
    n, d_in, h, d_out = shape
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d_in))
    y = rng.standard_normal((n, d_out))
    s1 = weight_scale if weight_scale is not None else 1 / np.sqrt(d_in)
    s2 = weight_scale if weight_scale is not None else 1 / np.sqrt(h)
    w1 = rng.standard_normal((d_in, h)) * s1
    w2 = rng.standard_normal((h, d_out)) * s2
    return Problem(x, y, w1, w2, seed)
