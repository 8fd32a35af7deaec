"""Checking library for the two-layer ReLU network course.

One module, one job:

- ``problems``  seeded instances (x, y, w1, w2) as numpy arrays or torch tensors
- ``oracles``   reference values: torch autograd in float64 and numpy finite differences
- ``compare``   shape/dtype/device/NaN checks and relative error, as bilingual messages
- ``diagnosis`` recognises the common mistakes by testing them against the oracle
- ``guards``    runs student code with torch, autograd or the oracles out of reach
- ``probes``    runs the student's functions on a check's inputs and reports values (in the kernel, or a probe process)
- ``wire``      those values as plain data: JSON and raw array bytes, never code
- ``checks``    the checks the notebooks' test cells call, one per step (``nn_checks`` for notebooks 3-5)
- ``judge``     decides each graded step in the grading process, against a probe process
"""

__all__ = ["problems", "oracles", "compare", "diagnosis", "guards", "probes", "wire", "checks", "nn_checks", "plots",
           "judge"]
