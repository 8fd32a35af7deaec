"""The checking library of the two-layer ReLU network course: what the notebooks import.

It runs in the student's kernel (the visible checks) and, when grading, in the judge. The
instructor's side is the subpackage ``autograder.grading``; notebooks never import it.

- ``checks``      the checks of notebooks 1–2 (the hand-written net), one per step
- ``nn_checks``   the checks of notebooks 3–5 (nn, optim, nn.Module on a device)
- ``_steps``      what both share: a seeded case, pass or fail, the SGD steps, ``on_every_device``
- ``problems``    seeded instances (x, y, w1, w2) as numpy arrays or torch tensors
- ``oracles``     reference values: torch autograd in float64 and numpy finite differences
- ``compare``     shape/dtype/device/NaN checks and relative error
- ``diagnosis``   recognises the common mistakes by testing them against the oracle
- ``messages``    every sentence a student reads, 中文 and English side by side
- ``rules``       the exercises' rules, read from the student's code as text (what decides when graded)
- ``guards``      runs student code with torch, autograd or the oracles out of reach (a teaching aid in JupyterLab)
- ``probes``      runs the student's functions on a check's inputs and reports values
- ``wire``        those values as plain data: JSON and raw array bytes, never code
- ``plots``       the network picture and the loss curves
"""

__all__ = ["checks", "nn_checks", "problems", "oracles", "compare", "diagnosis", "messages", "rules", "guards", "probes",
           "wire", "plots"]
