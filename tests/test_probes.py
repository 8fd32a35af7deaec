"""autograder/probes.py: the student's code called on a check's inputs, reported as values only."""
import numpy as np
import pytest
import torch

from autograder import guards, probes, wire
from autograder.problems import make_problem


def test_a_call_reports_what_came_back_and_the_arguments_it_changed():
    def update(w, g):
        w -= g
        return "done"

    values = probes.run(update, "call", args=[np.ones(3), np.ones(3)], guard="no_oracles", after=[0])
    assert values["out"] == "done" and np.array_equal(values["after"][0], np.zeros(3))


def test_the_students_exception_arrives_as_the_judge_would_see_it():
    def forward(x, w1, w2):
        return x @ w1 @ w3  # noqa: F821  (a name the student never defined)

    x, _, w1, w2 = make_problem(0, (2, 3, 4, 1)).numpy()
    with pytest.raises(wire.StudentError, match="w3") as raised:
        probes.run(forward, "call", args=[x, w1, w2], guard="by_hand")
    assert raised.value.type_name == "NameError"
    assert any("forward" in line for line in raised.value.lines)
    assert not any("/autograder/" in line for line in raised.value.lines)  # the library's frames stay hidden


def test_a_broken_rule_is_raised_as_a_guard_violation():
    def forward(x, w1, w2):
        import torch

        return torch.relu(torch.as_tensor(x @ w1)) @ w2

    x, _, w1, w2 = make_problem(0, (2, 3, 4, 1)).numpy()
    with pytest.raises(guards.GuardViolation) as raised:
        probes.run(forward, "call", args=[x, w1, w2], guard="by_hand")
    assert raised.value.rule == "torch"


def test_adam_iterations_count_the_optimizer_steps_and_see_changes_made_outside_them():
    x, y, w1, w2 = make_problem(1, (4, 5, 3, 2)).torch("float32")

    def steps_twice(model, x, y, loss_fn, optimizer):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        optimizer.step()
        with torch.no_grad():
            model[0].weight.add_(1.0)
        return loss.item()

    entry, = probes.run(steps_twice, "adam_iterations", w1=w1, w2=w2, b1=None, b2=None, x=x, y=y,
                        learning_rate=1e-2, iterations=1)["iterations"]
    assert entry["calls"] == 2 and entry["other_steps"] == 0 and entry["loss_reached"] is True
    assert not all(torch.equal(a, b) for a, b in zip(entry["now"], entry["after_step"]))


def test_adam_iterations_see_another_optimizer_step_and_a_loss_backward_never_reached():
    x, y, w1, w2 = make_problem(1, (4, 5, 3, 2)).torch("float32")

    def own_optimizer(model, x, y, loss_fn, optimizer):
        optimizer = torch.optim.SGD(model.parameters(), lr=1e-2)
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    def loss_rebuilt(model, x, y, loss_fn, optimizer):
        optimizer.zero_grad()
        loss = torch.tensor(loss_fn(model(x), y).item(), requires_grad=True)
        loss.backward()
        optimizer.step()
        return loss.item()

    entry, = probes.run(own_optimizer, "adam_iterations", w1=w1, w2=w2, b1=None, b2=None, x=x, y=y,
                        learning_rate=1e-2, iterations=1)["iterations"]
    assert entry["calls"] == 0 and entry["other_steps"] == 1
    entry, = probes.run(loss_rebuilt, "adam_iterations", w1=w1, w2=w2, b1=None, b2=None, x=x, y=y,
                        learning_rate=1e-2, iterations=1)["iterations"]
    assert entry["calls"] == 1 and entry["loss_reached"] is False and entry["gradients_none"]


def test_build_optimizer_steps_on_the_judges_gradients_and_reports_the_parameters_after_each():
    _, _, w1, w2 = make_problem(1, (4, 5, 3, 2)).torch("float64")
    gradients = [[torch.ones_like(w1.T), torch.ones_like(w2.T)]] * 2

    def sgd(model, learning_rate):
        return torch.optim.SGD(model.parameters(), lr=learning_rate)

    values = probes.run(sgd, "build_optimizer", w1=w1, w2=w2, b1=None, b2=None, learning_rate=0.5, gradients=gradients)
    assert values["type"] == "SGD" and not values["adam"]
    assert [torch.allclose(after[0], w1.T - 0.5 * k) for k, after in enumerate(values["iterations"], start=1)] == [True, True]
    nothing = probes.run(lambda model, learning_rate: None, "build_optimizer", w1=w1, w2=w2, b1=None, b2=None,
                         learning_rate=0.5, gradients=gradients)
    assert nothing["iterations"] == [] and nothing["step_error"].type_name == "AttributeError"


def test_every_probe_is_reachable_by_name():
    assert set(probes.PROBES) == {"call", "sgd_iterations", "adam_iterations", "build_model", "build_loss", "build_optimizer",
                                  "module", "train", "train_on_meta"}
    assert all(probes.PROBES[name].__name__ == name for name in probes.PROBES)
