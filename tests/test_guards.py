"""The guards (autograder/guards.py): the rules by hand / no autograd / no oracles are in force during
the student's call only, a violation is reported even inside the student's own try, and
everything is put back afterwards."""
import sys

import numpy as np
import pytest
import torch

from corpus import student_code as sc
from autograder import guards, oracles, problems
from autograder.compare import CheckFailed
from library_helpers import VISIBLE_SHAPE, assert_bilingual

# _snapshot and the probes read this module's globals(): torch, oracles and np are imported here on purpose.

AUTOGRAD_ENTRIES = [(torch.Tensor, "backward"), (torch.autograd, "backward"), (torch.autograd, "grad"),
                    *[(torch.autograd.functional, n) for n in ("vjp", "jvp", "jacobian", "hessian", "vhp", "hvp")],
                    *[(torch.func, n) for n in ("grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd")]]


def _snapshot():
    return dict(modules=dict(sys.modules), student=dict(vars(sc)), tests=dict(globals()),
                entries={(o, a): vars(o)[a] for o, a in AUTOGRAD_ENTRIES}, grad=torch.is_grad_enabled())


def _assert_restored(before):
    assert sys.modules["torch"] is torch
    assert sys.modules["autograder.oracles"] is oracles
    for name, module in before["modules"].items():
        assert sys.modules.get(name) is module, name
    assert not [n for n, m in list(sys.modules.items()) if isinstance(m, guards._Tripwire)]
    for saved, namespace in ((before["student"], vars(sc)), (before["tests"], globals())):
        assert namespace.keys() == saved.keys()
        assert [k for k in saved if namespace[k] is not saved[k]] == []
    for (owner, attr), original in before["entries"].items():
        assert vars(owner)[attr] is original, (owner, attr)
    assert torch.is_grad_enabled() == before["grad"]


def _numpy_backward_args():
    x, y, w1, w2 = problems.make_problem(0, VISIBLE_SHAPE).numpy()
    return (x, y, w2, *sc.forward_np(x, w1, w2))


def _torch_backward_args():
    x, y, w1, w2 = problems.make_problem(0, VISIBLE_SHAPE).torch()
    return (x, y, w2, *sc.forward_torch(x, w1, w2))


def _step_args():
    return (*problems.make_problem(0, VISIBLE_SHAPE).torch("float32", requires_grad=True), 1e-2)


def _forward_args():
    x, y, w1, w2 = problems.make_problem(0, VISIBLE_SHAPE).numpy()
    return x, w1, w2


def _student_bug(x, w1, w2):
    raise ValueError("a plain bug in the student's code")


GUARD_CASES = [
    ("by_hand-passes", guards.by_hand, sc.backward_np, _numpy_backward_args, None),
    ("by_hand-import-torch", guards.by_hand, sc.backward_np_imports_torch, _numpy_backward_args, guards.GuardViolation),
    ("by_hand-module-torch", guards.by_hand, sc.backward_np_uses_module_torch, _numpy_backward_args,
     guards.GuardViolation),
    ("by_hand-oracle", guards.by_hand, sc.forward_np_calls_oracle, _forward_args, guards.GuardViolation),
    ("by_hand-student-bug", guards.by_hand, _student_bug, _forward_args, ValueError),
    ("no_autograd-passes", guards.no_autograd, sc.backward_torch, _torch_backward_args, None),
    ("no_autograd-backward", guards.no_autograd, sc.backward_torch_uses_backward, _torch_backward_args,
     guards.GuardViolation),
    ("no_autograd-autograd-grad", guards.no_autograd, sc.backward_torch_uses_autograd_grad, _torch_backward_args,
     guards.GuardViolation),
    ("no_oracles-passes", guards.no_oracles, sc.autograd_step, _step_args, None),
    ("no_oracles-oracle", guards.no_oracles, sc.autograd_step_calls_oracle, _step_args, guards.GuardViolation),
]


@pytest.mark.parametrize("case, guard, fn, make_args, raises", GUARD_CASES, ids=[c[0] for c in GUARD_CASES])
def test_guard_restores_everything(case, guard, fn, make_args, raises):
    args = make_args()
    before = _snapshot()
    if raises is None:
        guard(fn, *args)
    else:
        with pytest.raises(raises) as info:
            guard(fn, *args)
        assert type(info.value) is raises  # a student's own error comes back as it was
    _assert_restored(before)
    # And nothing is left behind for the next call: the same guard passes a rule-abiding function.
    passing = {guards.by_hand: (sc.forward_np, _forward_args), guards.no_autograd: (sc.backward_torch, _torch_backward_args),
               guards.no_oracles: (sc.autograd_step, _step_args)}[guard]
    guard(passing[0], *passing[1]())
    _assert_restored(before)


def _probe_by_hand():
    g = globals()
    return (type(sys.modules["torch"]).__name__, type(sys.modules["autograder.oracles"]).__name__,
            type(g["torch"]).__name__, type(g["oracles"]).__name__, type(g["np"]).__name__)


def _probe_no_autograd():
    g = globals()
    return (torch.is_grad_enabled(), type(vars(torch.Tensor)["backward"]).__name__,
            type(vars(torch.autograd)["grad"]).__name__, type(g["oracles"]).__name__, sys.modules["torch"] is torch)


def test_guards_are_in_force_during_the_call_only():
    before = _snapshot()
    assert guards.by_hand(_probe_by_hand) == ("_Tripwire", "_Tripwire", "_Tripwire", "_Tripwire", "module")
    _assert_restored(before)
    assert guards.no_autograd(_probe_no_autograd) == (False, "_Tripwire", "_Tripwire", "_Tripwire", True)
    _assert_restored(before)
    assert _probe_by_hand()[0] == "module" and _probe_no_autograd()[:2] == (True, "function")


@pytest.mark.parametrize("guard, fn, make_args, used", [
    (guards.by_hand, sc.backward_np_torch_in_try, _numpy_backward_args, "import torch"),
    (guards.no_autograd, sc.backward_torch_autograd_in_try, _torch_backward_args, "Tensor.backward"),
], ids=["numpy-torch", "torch-autograd"])
def test_violation_inside_students_try_is_still_reported(guard, fn, make_args, used):
    fn(*make_args())  # unguarded, the function runs and returns normally
    before = _snapshot()
    with pytest.raises(guards.GuardViolation) as info:
        guard(fn, *make_args())
    assert f"(used {used}" in str(info.value)
    assert_bilingual(str(info.value), "✗ Rule:")
    _assert_restored(before)


def test_numpy_only_code_passes_by_hand():
    x, y, w1, w2 = problems.make_problem(0, VISIBLE_SHAPE).numpy()
    out = guards.by_hand(sc.forward_np, x, w1, w2)
    for a, b in zip(out, sc.forward_np(x, w1, w2)):
        np.testing.assert_array_equal(a, b)
    grads = guards.by_hand(sc.backward_np, x, y, w2, *out)
    for a, b in zip(grads, sc.backward_np(x, y, w2, *out)):
        np.testing.assert_array_equal(a, b)
    w1_before = w1.copy()
    assert guards.by_hand(sc.sgd_update_np, w1, w2, grads[0], grads[1], learning_rate=0.5) is None
    np.testing.assert_array_equal(w1, w1_before - 0.5 * grads[0])
    assert guards.by_hand(sc.loss_np, out[2], y=y) == sc.loss_np(out[2], y)


def test_guard_violation_is_a_check_failure():
    assert issubclass(guards.GuardViolation, CheckFailed)
    with pytest.raises(AssertionError):
        guards.by_hand(sc.backward_np_imports_torch, *_numpy_backward_args())
