"""The checks of notebooks 3–5: correct code passes, each common mistake is named."""
import pytest
import torch

from corpus import student_code_nn as s
from autograder import checks, nn_checks, probes
from autograder.compare import CheckFailed
from autograder.diagnosis import MISTAKES


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_correct_code_passes(dtype, capsys):
    nn_checks.sequential_model(s.build_model)
    nn_checks.mse_loss(s.build_loss, dtype=dtype)
    nn_checks.sgd_train_step(s.sgd_step, dtype=dtype)
    nn_checks.adam_optimizer(s.build_opt)
    nn_checks.adam_train_step(s.adam_step, dtype=dtype)
    nn_checks.module_class(s.TwoLayerNet, dtype=dtype)
    nn_checks.train_loop(s.train)
    nn_checks.custom_relu(s.MyReLU)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 8 and all(line.startswith("✓") for line in lines)


def _message(check, *args, **kwargs):
    with pytest.raises(CheckFailed) as info:
        check(*args, **kwargs)
    return str(info.value)


@pytest.mark.parametrize("check,code,key", [
    (nn_checks.sequential_model, s.build_model_bias, "bias_true"),
    (nn_checks.sequential_model, s.build_model_noinit, "init_not_normal"),
    (nn_checks.mse_loss, s.build_loss_mean, "mean_instead_of_sum"),
    (nn_checks.mse_loss, s.build_loss_l1, "loss_abs"),
    (nn_checks.sequential_model, s.build_model_norelu, "relu_missing"),
    (nn_checks.sgd_train_step, s.sgd_step_zero_first, "grad_none"),
    (nn_checks.sgd_train_step, s.sgd_step_lr_constant, "lr_hardcoded"),
    (nn_checks.adam_train_step, s.adam_step_zero_between, "zeroed_before_update"),
    (nn_checks.adam_train_step, s.adam_step_loss_after, "loss_after_update"),
    (nn_checks.adam_optimizer, s.build_opt_sgd, "optimizer_not_adam"),
    (nn_checks.module_class, s.NoRelu, "relu_missing"),
    (nn_checks.module_class, s.NoInit, "module_init_missing"),
    (nn_checks.module_class, s.MaxRelu, "max_returns_tuple"),
    (nn_checks.train_loop, s.train_sgd, "optimizer_not_adam"),
    (nn_checks.train_loop, s.train_mean, "mean_instead_of_sum"),
    (nn_checks.train_loop, s.train_nozero, "not_zeroed"),
    (nn_checks.sgd_train_step, s.sgd_step_nozero, "not_zeroed"),
    (nn_checks.sgd_train_step, s.sgd_step_outside, "update_outside_no_grad"),
    (nn_checks.adam_train_step, s.adam_step_nozero, "not_zeroed"),
    (nn_checks.adam_train_step, s.adam_step_early, "step_before_backward"),
    (nn_checks.adam_train_step, s.adam_step_manual, "changed_outside_optimizer"),
    (nn_checks.adam_train_step, s.adam_step_manual_only, "changed_outside_optimizer"),  # moved by hand, not unmoved
    (nn_checks.train_loop, s.train_bad, "device_mismatch"),
    (nn_checks.train_loop, s.train_model_stays, "model_not_on_device"),
])
def test_each_mistake_is_named(check, code, key):
    message = _message(check, code)
    assert MISTAKES[key].en in message and MISTAKES[key].zh in message
    others = [k for k, m in MISTAKES.items() if k != key and m.en in message]
    assert not others


@pytest.mark.parametrize("check,code", [(nn_checks.sgd_train_step, s.sgd_step_tensor),
                                        (nn_checks.train_loop, s.train_tensors)])
def test_a_tensor_where_a_number_is_asked_passes_with_a_note(check, code, capsys):
    check(code)
    out = capsys.readouterr().out
    assert out.startswith("✓") and MISTAKES["tensor_not_number"].en in out and MISTAKES["tensor_not_number"].zh in out


def test_other_wrong_answers_say_what_is_wrong():
    assert "nn.MSELoss(reduction='sum') (note the parentheses)" in _message(nn_checks.mse_loss, s.build_loss_class)
    assert "should return a torch.optim.Adam, got SGD" in _message(nn_checks.adam_optimizer, s.build_opt_sgd)
    assert "all of the model's parameters" in _message(nn_checks.adam_optimizer, s.build_opt_first_layer)
    assert "must subclass nn.Module" in _message(nn_checks.module_class, s.NoModule)
    assert "model(x) has wrong values" in _message(nn_checks.module_class, s.NoRelu)
    assert "gradcheck" in _message(nn_checks.custom_relu, s.BadReLU)


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU: torch.cuda.is_available() is False")
def test_device_checks_on_cuda(capsys):
    nn_checks.train_loop(s.train, device="cuda")
    nn_checks.module_class(s.TwoLayerNet, device="cuda")
    nn_checks.adam_train_step(s.adam_step, device="cuda")
    with pytest.raises(CheckFailed, match="different devices"):
        nn_checks.train_loop(s.train_bad, device="cuda")


class Witness:
    """The judge's handle on a student process that lies: it runs the real probe on ``fn`` (on nothing
    without one) and sends back ``edit(values, inputs)`` instead, as a replaced probe function would."""

    def __init__(self, edit, fn=None):
        self.edit, self.fn = edit, fn

    def remote_probe(self, probe, inputs):
        values = probes.run(self.fn, probe, **inputs) if self.fn is not None else {}
        return self.edit(values, inputs)


def _as_sent(values, inputs):
    return values


ADAM_CLAIMS = {"type": "Adam", "adam": True, "rates": [nn_checks.OPTIMIZER_RATE], "all_parameters": True}


def test_an_optimizer_that_says_it_is_adam_earns_nothing_unless_it_steps_as_adam(capsys):
    nn_checks.adam_optimizer(Witness(_as_sent, s.build_opt))  # the honest reference, through the judge's handle
    assert capsys.readouterr().out.startswith("✓")
    returns_none = Witness(lambda values, inputs: dict(ADAM_CLAIMS))  # issue 21's forged report
    assert "after 3 steps on the same gradients" in _message(nn_checks.adam_optimizer, returns_none)
    sgd_says_adam = Witness(lambda values, inputs: {**values, **ADAM_CLAIMS}, s.build_opt_sgd)
    _message(nn_checks.adam_optimizer, sgd_says_adam)


def test_a_model_with_bias_is_told_by_its_values_whatever_it_says_of_its_layers(capsys):
    def says_no_bias(values, inputs):
        for layer in values["layers"]:
            layer["bias"] = False
        return values

    nn_checks.sequential_model(Witness(_as_sent, s.build_model))
    assert capsys.readouterr().out.startswith("✓")
    assert MISTAKES["bias_true"].en in _message(nn_checks.sequential_model, Witness(says_no_bias, s.build_model_bias))
    hides_its_bias = Witness(lambda values, inputs: {**says_no_bias(values, inputs), "at_zero": 0 * values["at_zero"]},
                             s.build_model_bias)
    assert "model(x) has wrong values" in _message(nn_checks.sequential_model, hides_its_bias)


def test_an_adam_step_passes_on_its_values_and_what_the_probe_saw_only_explains(capsys):
    def says_two_calls(values, inputs):
        for entry in values["iterations"]:
            entry["calls"] = 2
        return values

    def says_one_clean_step(values, inputs):
        for entry in values["iterations"]:
            entry.update(calls=1, before_step=entry["start"], after_step=entry["now"])
        return values

    nn_checks.adam_train_step(Witness(says_two_calls, s.adam_step))  # right values: a claim cannot cost them
    assert capsys.readouterr().out.startswith("✓")
    assert "torch.optim.Adam" in _message(nn_checks.adam_train_step, Witness(says_one_clean_step, s.adam_step_manual_only))
    _message(nn_checks.adam_train_step, Witness(lambda values, inputs: {"iterations": []}))  # no iteration run passes nothing


@pytest.mark.parametrize("check", [nn_checks.sgd_train_step, checks.autograd_step])
def test_an_sgd_step_never_run_passes_nothing(check):
    assert "could not work with the values" in _message(check, Witness(lambda values, inputs: {"iterations": []}))


def test_a_weight_left_out_of_the_record_is_not_a_weight_right():
    def only_w1_updated(model, x, y, loss_fn, learning_rate):
        loss = loss_fn(model(x), y)
        loss.backward()
        with torch.no_grad():
            model[0].weight -= learning_rate * model[0].weight.grad
        model.zero_grad()
        return loss.item()

    def leaves_w2_out(values, inputs):
        for entry in values["iterations"]:
            del entry["weights"]["w2"]
        return values

    assert "could not work with the values" in _message(nn_checks.sgd_train_step, Witness(leaves_w2_out, only_w1_updated))


def test_a_module_is_measured_by_its_own_parameters_not_by_what_it_says_of_its_layers(capsys):
    def smaller_than_it_says(values, inputs):
        x = inputs["x"]
        w1, w2 = torch.ones(1, x.shape[1], dtype=x.dtype), torch.ones(1, 1, dtype=x.dtype)
        values["parameters"] = {"weight1": w1, "bias1": None, "weight2": w2, "bias2": None}
        values["output"] = torch.relu(x @ w1.T) @ w2.T
        return values

    nn_checks.module_class(Witness(_as_sent, s.TwoLayerNet))
    assert capsys.readouterr().out.startswith("✓")
    assert "self.linear1 should be nn.Linear" in _message(nn_checks.module_class, Witness(smaller_than_it_says, s.TwoLayerNet))
