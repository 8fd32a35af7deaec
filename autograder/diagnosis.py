"""Name the common mistakes: a wrong value is tested against the oracle under each mistake.

Each candidate is what a known mistake (or two made together) would have produced on the same
inputs, computed by the oracles (autograd with a changed ReLU gradient or loss reduction) or by
simple arithmetic on the oracle's correct values. A student's value that matches a candidate gets
that mistake's message. When none matches, ``observations`` says what is measurably true of the
wrong value (a constant ratio, a transpose …), and ``explain`` names the known cause of an
exception the student's code raised.
"""
import re
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
        return messages.Message("diagnosis.likely_cause", cause=messages.Message(f"mistake.{self.key}"))


@dataclass(frozen=True)
class Together:
    """Two known mistakes made at once: the value matches neither alone, only both."""
    mistakes: tuple

    @property
    def message(self):
        first, second = (messages.Message(f"mistake.{m.key}") for m in self.mistakes)
        return messages.Message("diagnosis.two_causes", first=first, second=second)


# Every mistake of the catalogue, in its order.
_CATALOGUE = [Mistake(key.split(".", 1)[1]) for key in messages.keys("mistake.")]
MISTAKES = {m.key: m for m in _CATALOGUE}


RELU_MISTAKES = {"relu_mask_missing": "identity", "relu_mask_inverted": "inverted", "relu_mask_wrong_array": "from_grad"}
REDUCTION_MISTAKES = {"factor_2_missing": "half_sum", "mean_instead_of_sum": "mean", "mean_over_batch": "batch_mean"}


def forward_candidates(x, y, w1, w2):
    """{mistake: y_pred that mistake gives} for the forward pass."""
    x, w1, w2 = (oracles.to_numpy64(a) for a in (x, w1, w2))
    h = x @ w1
    return {
        "relu_missing": h @ w2,
        "relu_on_output": np.maximum(np.maximum(h, 0) @ w2, 0),
    }


def loss_candidates(y_pred, y):
    """{mistake, or (mistake, mistake) made together: loss that gives}."""
    error = oracles.to_numpy64(y_pred) - oracles.to_numpy64(y)
    squares, absolute, n = np.square(error), np.abs(error), max(1, error.shape[0] if error.ndim else 1)
    return {
        "mean_instead_of_sum": squares.mean(),
        "mean_over_batch": squares.sum() / n,
        "loss_not_squared": np.sqrt(squares.sum()),
        "loss_half": 0.5 * squares.sum(),
        "loss_abs": absolute.sum(),
        ("loss_half", "mean_instead_of_sum"): 0.5 * squares.mean(),
        ("loss_half", "mean_over_batch"): 0.5 * squares.sum() / n,
        ("loss_not_squared", "mean_instead_of_sum"): np.sqrt(squares.mean()),
        ("loss_abs", "mean_instead_of_sum"): absolute.mean(),
        ("loss_abs", "mean_over_batch"): absolute.sum() / n,
    }


def gradient_candidates(x, y, w1, w2):
    """{mistake, or (mistake, mistake) made together: {"grad_w1": ..., "grad_w2": ...}} for the
    backward pass, all by autograd."""
    right = oracles.reference(x, y, w1, w2)
    result = {}
    for relu, gradient in (*RELU_MISTAKES.items(), (None, "mask")):
        for reduction_key, reduction in (*REDUCTION_MISTAKES.items(), (None, "sum")):
            keys = tuple(k for k in (relu, reduction_key) if k)
            if keys:
                result[keys[0] if len(keys) == 1 else keys] = oracles.reference(x, y, w1, w2, relu_gradient=gradient,
                                                                                reduction=reduction)
    grads = ("grad_w1", "grad_w2")
    result["factor_2_doubled"] = {k: 2 * right[k] for k in grads}
    result["sign_flipped"] = {k: -right[k] for k in grads}
    for relu in RELU_MISTAKES:
        result[(relu, "factor_2_doubled")] = {k: 2 * result[relu][k] for k in grads}
        result[(relu, "sign_flipped")] = {k: -result[relu][k] for k in grads}
    result[("factor_2_missing", "sign_flipped")] = {k: -0.5 * right[k] for k in grads}
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
    """The Mistake (or the Together of two) whose candidate ``value`` matches, else None.

    ``candidates`` maps a mistake key, or a tuple of two for mistakes made together, to a value or
    to a dict of values from which ``name`` is taken; single mistakes are tried before pairs. A
    transposed value is also tried against each. A candidate that ``value``'s dtype cannot tell from
    the ``correct`` value names nothing (that mistake leaves the answer right on these inputs).
    """
    for key, candidate in sorted(candidates.items(), key=lambda item: not isinstance(item[0], str)):
        if isinstance(candidate, dict):
            candidate = candidate[name]
        candidate = oracles.to_numpy64(candidate)
        if correct is not None and relative_error(candidate, correct) <= SLACK * tolerance(value):
            continue
        if close_enough(value, candidate, SLACK) or (np.ndim(candidate) == 2 and close_enough(_transposed(value), candidate, SLACK)):
            return MISTAKES[key] if isinstance(key, str) else Together(tuple(MISTAKES[k] for k in key))
    return None


def diagnose_all(values, candidates, correct):
    """The Mistake (or Together) whose candidate matches every one of ``values`` ({name: value}) at once,
    else None: a mistake upstream of several values (the factor 2 is in both gradients) is named only
    when all of them show it. ``candidates`` as for ``diagnose``, each a dict of values by name;
    ``correct``: {name: the right value}."""
    for key, candidate in sorted(candidates.items(), key=lambda item: not isinstance(item[0], str)):
        expected = {n: oracles.to_numpy64(candidate[n]) for n in values}
        if all(relative_error(expected[n], correct[n]) <= SLACK * tolerance(values[n]) for n in values):
            continue  # this mistake leaves every value right on these inputs
        if all(close_enough(v, expected[n], SLACK) or (np.ndim(expected[n]) == 2 and close_enough(_transposed(v), expected[n], SLACK))
               for n, v in values.items()):
            return MISTAKES[key] if isinstance(key, str) else Together(tuple(MISTAKES[k] for k in key))
    return None


def _transposed(value):
    return value.T if hasattr(value, "T") and np.ndim(oracles.to_numpy64(value)) == 2 else value


def fitted_rate(before, after, grad):
    """The learning rate c for which ``after`` = ``before`` − c·``grad`` (within tolerance), else None."""
    change, grad = oracles.to_numpy64(before) - oracles.to_numpy64(after), oracles.to_numpy64(grad)
    scale = float(np.sum(grad * grad))
    if scale == 0:
        return None
    rate = float(np.sum(change * grad)) / scale
    return rate if rate and close_enough(oracles.to_numpy64(after), oracles.to_numpy64(before) - rate * grad, SLACK) else None


# ---------------------------------------------------------------- when no known mistake fits

def observations(name, value, correct, rows=None, h=None):
    """What is measurably true of a wrong ``value`` against the ``correct`` one, as catalogue facts:
    a constant ratio (1/N when ``rows`` = N), a transpose, or (given the forward ``h``) right exactly
    where h > 0. Empty when nothing simple is true."""
    v, r = oracles.to_numpy64(value), oracles.to_numpy64(correct)
    if v.shape != r.shape or not np.all(np.isfinite(v)):
        return []
    facts = []
    norm = float(np.sum(r * r))
    k = float(np.sum(v * r)) / norm if norm else 0.0
    if k and abs(k - 1) > 1e-3 and close_enough(value, k * r, SLACK):
        facts.append(messages.Message("observed.ratio", name=name, k=_ratio(k), hint=_ratio_hint(k, rows, r.size)))
    elif v.ndim == 2 and v.shape[0] == v.shape[1] and close_enough(_transposed(value), r, SLACK):
        facts.append(messages.Message("observed.transposed", name=name))
    elif h is not None and v.shape == np.shape(h):
        positive = oracles.to_numpy64(h) > 0
        if close_enough(v[positive], r[positive], SLACK) and not close_enough(v[~positive], r[~positive], SLACK):
            facts.append(messages.Message("observed.masked", name=name))
    return [messages.Message("diagnosis.observed", fact=fact) for fact in facts]


def _ratio(k):
    if abs(k + 1) < 1e-6:
        return "−1"
    inverse = 1 / k
    if abs(inverse - round(inverse)) < 1e-6 * abs(inverse) and abs(round(inverse)) > 1:
        return f"1/{round(inverse)}"
    return f"{k:.4g}"


def _ratio_hint(k, rows, entries):
    inverse = round(1 / k) if k else 0
    if rows and rows > 1 and inverse == rows:
        return messages.Message("observed.per_row", n=rows)
    if entries > 1 and inverse == entries:
        return messages.Message("observed.per_entry", n=entries)
    return ""


# ---------------------------------------------------------------- exceptions with a known cause

# (mistake, the exception's type, text in its message): what the student's code raised, and why.
EXCEPTIONS = [
    ("module_init_missing", "AttributeError", "before Module.__init__() call"),
    ("max_returns_tuple", None, "torch.return_types.m"),
    ("update_outside_no_grad", "RuntimeError", "leaf Variable that requires grad"),
    ("update_outside_no_grad", "RuntimeError", "requires grad is being used in an in-place"),
    ("backward_without_graph", "RuntimeError", "does not require grad and does not have a grad_fn"),
    ("backward_twice", "RuntimeError", "Trying to backward through the graph a second time"),
    ("class_not_instance", "TypeError", "is not a Module subclass"),  # a class, when FACTS says so
    ("module_built_not_applied", "TypeError", "must be Tensor, not ReLU"),
    ("backward_on_number", "AttributeError", "'float' object has no attribute 'backward'"),
    ("optimizer_given_model", "TypeError", "but one of the params is torch.nn.modules"),
]
# Where a .grad is None is the likely reason for an error about None (the steps that update parameters).
GRAD_NONE = [("grad_none", "TypeError", "'NoneType'"), ("grad_none", "AttributeError", "'NoneType' object has no attribute")]


def explain(error, updates=False):
    """The Mistake that explains ``error`` (a wire.StudentError: type_name, message), or None.
    ``updates``: the step updates parameters from their .grad, where an error about None is a .grad."""
    name, text = getattr(error, "type_name", type(error).__name__), str(getattr(error, "message", error))
    for key, kind, fragment in EXCEPTIONS + (GRAD_NONE if updates else []):
        if (kind is None or name == kind) and fragment in text:
            return MISTAKES[key]
    return None


# ---------------------------------------------------------------- causes named only on their facts

# What must have been measured for a cause to be named, as a test on the facts a check measured
# ({fact: plain value}). A cause whose facts do not hold is not named: the check says what it
# observed instead. tests/test_mutations.py checks every named cause of the corpus against these.
FACTS = {
    # the given optimizer's step ran twice or more, or never while the parameters stayed where they were
    "step_not_called": lambda f: f["calls"] >= 2 or (f["calls"] == 0 and not f["moved"]),
    # the given optimizer's step never ran, the parameters moved, and another optimizer stepped
    "other_optimizer": lambda f: f["calls"] == 0 and f["moved"] and f["other_steps"] > 0,
    # the parameters changed outside the given optimizer's step, and no other optimizer stepped
    "changed_outside_optimizer": lambda f: f["moved_outside_step"] and f["other_steps"] == 0,
    # backward() ran, not through the loss function's result, and the parameters were left without gradients
    "loss_detached": lambda f: f["backward_calls"] > 0 and f["loss_reached"] is False and f["gradients_none"],
    # h came back wrong, equal to the right h_relu, and h_relu right
    "h_overwritten": lambda f: not f["h_right"] and f["h_is_h_relu"] and f["h_relu_right"],
    # an argument the function must leave alone came back changed, the result right
    "argument_changed": lambda f: bool(f["changed"]) and f["result_right"],
    # as many losses as iterations, all equal and equal to a loss of the right run, where the right run's are
    # not all equal, and the parameters trained (not a loop whose every loss is the same because nothing moved)
    "losses_repeated": lambda f: (f["count"] == f["iterations"] and f["all_equal"] and f["a_loss_of_the_run"]
                                  and not f["right_all_equal"] and f["moved"]),
    # one loss fewer than iterations
    "losses_one_short": lambda f: f["count"] == f["iterations"] - 1,
    # what was given is a class, not an instance of it: a class seen, or torch naming one of its module classes
    "class_not_instance": lambda f: bool(f.get("is_class") or re.search(r"torch\.nn\.modules\.[\w.]+ is not a Module subclass",
                                                                       f.get("raised", ""))),
}


def because(key, **facts):
    """"Likely cause: …" for the mistake ``key`` when its defining facts (FACTS) hold of ``facts``, else
    None (a fact not measured is a fact that does not hold). The facts travel with the message (not shown),
    so that a verdict record says why it was named."""
    if not _hold(key, facts):
        return None
    return messages.Message("diagnosis.likely_cause", cause=messages.Message(f"mistake.{key}"),
                            facts=tuple(sorted(facts.items())))


def noted(key, **facts):
    """"Note: …" for the mistake ``key`` (it costs no points) when its defining facts hold, else None."""
    if not _hold(key, facts):
        return None
    return messages.Message("diagnosis.note", cause=messages.Message(f"mistake.{key}"), facts=tuple(sorted(facts.items())))


def _hold(key, facts):
    try:
        return bool(FACTS[key](facts))
    except (KeyError, TypeError):  # a fact not measured
        return False


def facts_of(message):
    """{fact: value} a named cause's message carries (``because``), or None for a cause named on its value."""
    facts = message.values.get("facts") if isinstance(message, messages.Message) else None
    return dict(facts) if facts is not None else None
