"""Checking library for the two-layer ReLU network course.

One module, one job:

- ``problems``  seeded instances (x, y, w1, w2) as numpy arrays or torch tensors
- ``oracles``   reference values: torch autograd in float64 and numpy finite differences
- ``compare``   shape/dtype/device/NaN checks and relative error, as bilingual messages
- ``diagnosis`` recognises the common mistakes by testing them against the oracle
- ``guards``    runs student code with torch, autograd or the oracles out of reach
- ``checks``    the checks the notebooks' test cells call, one per step
"""

__all__ = ["problems", "oracles", "compare", "diagnosis", "guards", "checks"]
