"""The checks of notebooks 3–5: correct code passes, each common mistake is named."""
import pytest
import torch

import student_code_nn as s
from autograder import nn_checks
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
    (nn_checks.adam_train_step, s.adam_step_manual_only, "step_not_called"),
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
