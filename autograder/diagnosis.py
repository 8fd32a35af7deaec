"""Name the common mistakes: a wrong value is tested against the oracle under each mistake.

Each candidate is what a known mistake would have produced on the same inputs, computed
by the oracles (autograd with a changed ReLU gradient or loss reduction) or by simple
arithmetic on the oracle's correct values. A student's value that matches a candidate
gets that mistake's message.
"""
from dataclasses import dataclass

import numpy as np

from . import messages, oracles
from .compare import close_enough, relative_error, tolerance


@dataclass(frozen=True)
class Mistake:
    """A known mistake; its texts are the catalogue's entry "mistake.<key>" (messages.py)."""
    key: str

    @property
    def zh(self):
        return messages.pair(f"mistake.{self.key}")[0]

    @property
    def en(self):
        return messages.pair(f"mistake.{self.key}")[1]

    @property
    def message(self):
        return messages.say("diagnosis.likely_cause", cause=messages.part(f"mistake.{self.key}"))


# Every mistake of the catalogue, in its order.
_CATALOGUE = [Mistake(key.split(".", 1)[1]) for key in messages.keys("mistake.")]
MISTAKES = {m.key: m for m in _CATALOGUE}


def forward_candidates(x, y, w1, w2):
    """{mistake: y_pred that mistake gives} for the forward pass."""
    x, w1, w2 = (oracles.to_numpy64(a) for a in (x, w1, w2))
    h = x @ w1
    return {
        "relu_missing": h @ w2,
        "relu_on_output": np.maximum(np.maximum(h, 0) @ w2, 0),
    }


def loss_candidates(y_pred, y):
    """{mistake: loss that mistake gives}."""
    se = np.square(oracles.to_numpy64(y_pred) - oracles.to_numpy64(y))
    return {
        "mean_instead_of_sum": se.mean(),
        "loss_not_squared": np.sqrt(se.sum()),
        "loss_half": 0.5 * se.sum(),
    }


def gradient_candidates(x, y, w1, w2):
    """{mistake: {"grad_w1": ..., "grad_w2": ...}} for the backward pass, all by autograd."""
    variants = {
        "relu_mask_missing": dict(relu_gradient="identity"),
        "relu_mask_inverted": dict(relu_gradient="inverted"),
        "relu_mask_wrong_array": dict(relu_gradient="from_grad"),
        "factor_2_missing": dict(reduction="half_sum"),
        "mean_instead_of_sum": dict(reduction="mean"),
        "mean_over_batch": dict(reduction="batch_mean"),
    }
    result = {key: oracles.reference(x, y, w1, w2, **kw) for key, kw in variants.items()}
    result["mean_instead_of_sum/batch"] = result.pop("mean_over_batch")
    right = oracles.reference(x, y, w1, w2)
    result["factor_2_doubled"] = {k: 2 * right[k] for k in ("grad_w1", "grad_w2")}
    result["sign_flipped"] = {k: -right[k] for k in ("grad_w1", "grad_w2")}
    return result


def update_candidates(w, grad, learning_rate):
    """{mistake: w after that mistaken update of w with grad}."""
    w, grad = oracles.to_numpy64(w), oracles.to_numpy64(grad)
    return {
        "lr_missing": w - grad,
        "lr_twice": w - learning_rate * learning_rate * grad,
        "update_sign": w + learning_rate * grad,
    }


# A value matches a mistake's candidate within this many times its dtype's tolerance.
SLACK = 10.0


def diagnose(value, candidates, name=None, correct=None):
    """The Mistake whose candidate ``value`` matches, else None.

    ``candidates`` maps a mistake key (optionally "key/variant") to a value, or to a dict of
    values from which ``name`` is taken. A transposed value is also tried against each.
    A candidate that ``value``'s dtype cannot tell from the ``correct`` value names nothing
    (that mistake leaves the answer right on these inputs).
    """
    for key, candidate in candidates.items():
        if isinstance(candidate, dict):
            candidate = candidate[name]
        candidate = oracles.to_numpy64(candidate)
        if correct is not None and relative_error(candidate, correct) <= SLACK * tolerance(value):
            continue
        if close_enough(value, candidate, SLACK) or (np.ndim(candidate) == 2 and close_enough(_transposed(value), candidate, SLACK)):
            return MISTAKES[key.split("/")[0]]
    return None


def _transposed(value):
    return value.T if hasattr(value, "T") and np.ndim(oracles.to_numpy64(value)) == 2 else value
