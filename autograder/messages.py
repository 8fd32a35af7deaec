"""Every message a student reads, 中文 and English side by side: the one file to edit or translate.

Each entry is ``key: (中文, English)``, grouped by where a student meets it. ``{name}`` marks a value
filled in when the message is made (str.format, so ``{error:.2g}`` works too); both texts of an entry
have the same placeholders. An entry whose bilingual form is not simply the two texts joined (a
short note on one line, written once) gives that form third: ``(中文, English, both)``.

The language is chosen by the environment variable AUTOGRADER_LANGUAGE, read each time a message is
made: ``zh`` (中文 only), ``en`` (English only) or ``both`` (the default: 中文, then English). Set it
for students' kernels (on a JupyterHub, in the spawner's environment) and for grading
(nbgrader_config.py sets it; the grading sandbox passes it on to the kernels and probes).

    say("check.failed", step="forward")   # "✗ forward：没有通过检查。\\n✗ forward: check failed."
    say("stub.answer", joined=" / ")      # both languages on one line

A check keeps what it says as data, ``Message(key, **values)``, and renders it where it is shown: the
kernel in JupyterLab at once; grading stores the Messages in each step's verdict record
(grading/verdict.py), so feedback and the class report can be rendered again in another language.
"""
import numbers
import os
import string

VARIABLE = "AUTOGRADER_LANGUAGE"
LANGUAGES = ("zh", "en", "both")
DEFAULT = "both"

CATALOGUE = {
    # ---- every check: its verdict, the case it ran on, the values a step returned ---------------------
    "check.failed": ("✗ {step}：没有通过检查。", "✗ {step}: check failed."),
    "check.passed": ("✓ {step}：正确", "✓ {step}: correct", "✓ {step}：正确 / correct"),
    "check.passed_on": ("✓ {step}：正确 — {detail}", "✓ {step}: correct — {detail}", "✓ {step}：正确 / correct — {detail}"),
    "check.case": ("（检查用例：{label}）", "(checked on: {label})"),
    "check.at_step": ("（第 {k} 步）", "(step {k})"),
    "check.wrong_count": ("{step} 应该返回 {n} 个值：({names})，实际得到 {got}。",
                          "{step} should return {n} values: ({names}); got {got}."),
    "check.value_count": ("{n} 个值", "{n} values"),

    # ---- one returned value compared with the reference (compare.py) ----------------------------------
    "value.none": ("{name} 是 None：函数是不是忘了 return？", "{name} is None: did the function forget to return it?"),
    "value.not_numpy": ("{name} 应该是 numpy 数组，而不是 {type}。", "{name} should be a numpy array, not {type}."),
    "value.not_torch": ("{name} 应该是 torch.Tensor，而不是 {type}。", "{name} should be a torch.Tensor, not {type}."),
    "value.not_scalar": ("{name} 应该是一个数（标量），而不是 {type}。",
                         "{name} should be a single number (a scalar), not {type}."),
    "value.transposed": ("{name} 的形状是 {shape}，应该是 {expected}：像是转置了，检查矩阵乘法里谁在前、谁要 .T。",
                         "{name} has shape {shape} but should be {expected}: it looks transposed; check the order "
                         "of the matrix product and which factor needs .T."),
    "value.shape": ("{name} 的形状是 {shape}，应该是 {expected}。", "{name} has shape {shape} but should be {expected}."),
    "value.device": ("{name} 在 {device} 上，应该在 {expected} 上。", "{name} is on {device} but should be on {expected}."),
    "value.dtype": ("{name} 的 dtype 是 {dtype}，应该是 {expected}（输入是什么类型，输出就保持什么类型）。",
                    "{name} has dtype {dtype} but should be {expected} (keep the dtype of the inputs)."),
    "value.not_finite": ("{name} 里有 NaN 或 inf。", "{name} contains NaN or inf."),
    "value.wrong": ("{name} 的数值不对：最大相对误差 {error:.2g}，{dtype} 允许 {tol:.0e}。",
                    "{name} has wrong values: max relative error {error:.2g}, {dtype} allows {tol:.0e}."),

    # ---- notebooks 1 and 2: backward, the SGD update, autograd_step -----------------------------------
    "backward.finite_differences": ("{name} 和数值梯度（有限差分）不一致。",
                                    "{name} disagrees with the numerical (finite-difference) gradient."),
    "update.unchanged": ("{name} 没有变化。", "{name} did not change."),
    "update.returned": ("update 应该就地修改 w1、w2，不需要 return（返回了新数组吗？）。",
                        "update should change w1 and w2 in place and return nothing (did it return new arrays?)."),
    "update.not_leaf": ("{name} 不再是 requires_grad=True 的叶子张量：更新要在 torch.no_grad() 里就地进行。",
                        "{name} is no longer a leaf tensor with requires_grad=True: update it in place "
                        "inside torch.no_grad()."),

    # ---- notebook 3: the nn.Sequential model and its loss ---------------------------------------------
    "model.not_sequential": ("应该返回一个 nn.Sequential，实际是 {type}。", "should return an nn.Sequential, got {type}."),
    "model.layer_order": ("层的顺序应该是 Linear → ReLU → Linear，实际是 {layers}。",
                          "the layers should be Linear → ReLU → Linear, got {layers}."),
    "model.no_layers": ("层的顺序应该是 Linear → ReLU → Linear，实际是 空的。",
                        "the layers should be Linear → ReLU → Linear, got none."),
    "model.linear_shape": ("nn.Linear({got_in}, {got_out}) 应该是 nn.Linear({d_in}, {d_out})。",
                           "nn.Linear({got_in}, {got_out}) should be nn.Linear({d_in}, {d_out})."),
    "model.weight_statistics": ("权重的均值 {mean:.3f}、标准差 {std:.3f} 不像标准正态分布。",
                                "the weights have mean {mean:.3f} and std {std:.3f}: not a standard normal."),
    "loss.not_instance": ("build_loss 应该返回一个损失函数的实例，例如 nn.MSELoss(reduction='sum')（注意括号）。",
                          "build_loss should return a loss function instance, e.g. nn.MSELoss(reduction='sum') "
                          "(note the parentheses)."),

    # ---- notebook 4: torch.optim ----------------------------------------------------------------------
    "optimizer.not_adam": ("应该返回 torch.optim.Adam，实际是 {type}。", "should return a torch.optim.Adam, got {type}."),
    "optimizer.learning_rate": ("学习率是 {rates}，应该是传进来的 learning_rate = {learning_rate}。",
                                "the learning rate is {rates}; it should be the learning_rate passed in, {learning_rate}."),
    "optimizer.some_parameters": ("优化器要管理模型的全部参数：torch.optim.Adam(model.parameters(), lr=learning_rate)。",
                                  "the optimizer must hold all of the model's parameters: "
                                  "torch.optim.Adam(model.parameters(), lr=learning_rate)."),
    "optimizer.differs_from_adam": ("在同样的梯度上走 {steps} 步之后，参数和 torch.optim.Adam(model.parameters(), "
                                    "lr=learning_rate) 的结果不一致。",
                                    "after {steps} steps on the same gradients, the parameters differ from those of "
                                    "torch.optim.Adam(model.parameters(), lr=learning_rate)."),
    "train_step.step_calls": ("这一步调用了 {calls} 次 optimizer.step()。", "this step called optimizer.step() {calls} times."),
    "train_step.differs_from_adam": ("参数和 torch.optim.Adam 走同样一步之后的结果不一致。",
                                     "the parameters differ from those after the same step of torch.optim.Adam."),

    # ---- notebook 5: an nn.Module, training on a device, a ReLU with its own backward -----------------
    "module.not_module": ("TwoLayerNet 要继承 nn.Module：class TwoLayerNet(nn.Module)，并在 __init__ 里先 super().__init__()。",
                          "TwoLayerNet must subclass nn.Module: class TwoLayerNet(nn.Module), calling "
                          "super().__init__() first in __init__."),
    "module.missing_layer": ("要有属性 self.{name} = nn.Linear(...)。", "it needs an attribute self.{name} = nn.Linear(...)."),
    "module.layer_shape": ("self.{name} 应该是 nn.Linear{shape}。", "self.{name} should be nn.Linear{shape}."),
    "train.meta_error": ("用 device='meta'（代替 GPU）试运行时的报错：{error}",
                         "The error on a trial run with device='meta' (standing in for a GPU): {error}"),
    "train.not_a_list": ("train 应该返回每一步的 loss 组成的列表（{steps} 个数）。",
                         "train should return a list with the loss of every step ({steps} numbers)."),
    "train.at_step": ("第 {k} 步：", "step {k}:"),
    "train.loss_count": ("train 返回了 {n} 个 loss，应该是 {steps} 个（每次迭代一个）。",
                         "train returned {n} losses; it should return {steps}, one per iteration."),
    "train.losses_equal": ("列表里的 {n} 个 loss 全都等于 {value:.6g}。", "all {n} losses of the list are {value:.6g}."),
    "train_step.other_steps": ("传进来的 optimizer 的 step() 一次也没有运行，参数却变了：另一个优化器 step() 了 {calls} 次。",
                               "the optimizer passed in never ran step(), yet the parameters moved: another optimizer "
                               "ran step() {calls} time(s)."),
    "train.parameters_differ": ("训练后的参数和 torch.optim.Adam 的结果不一致。",
                                "after training, the parameters differ from torch.optim.Adam's."),
    "relu.gradcheck": ("backward 和数值梯度不一致（torch.autograd.gradcheck）：输入 > 0 的位置梯度原样通过，其余为 0。",
                       "backward disagrees with the numerical gradient (torch.autograd.gradcheck): the gradient "
                       "passes where the input is > 0 and is 0 elsewhere."),

    # ---- a known mistake, named under a failed check (diagnosis.py: "mistake.<key>" is MISTAKES[key]) --
    "diagnosis.likely_cause": ("可能的原因：{cause}", "Likely cause: {cause}"),
    "diagnosis.two_causes": ("可能的原因（两个错误同时出现）：① {first} ② {second}",
                             "Likely causes (two mistakes at once): ① {first} ② {second}"),
    "diagnosis.note": ("注意：{cause}", "Note: {cause}"),
    "diagnosis.observed": ("观察到：{fact}", "Observed: {fact}"),
    "observed.ratio": ("{name} 正好是正确值的 {k} 倍{hint}。", "{name} is exactly {k} × the right value{hint}."),
    "observed.per_row": ("，即 1/N（N = {n}，批大小）", ", that is 1/N (N = {n}, the batch size)"),
    "observed.per_entry": ("，即 1/(N·D_out)（共 {n} 个元素）", ", that is 1/(N·D_out) ({n} entries)"),
    "observed.transposed": ("{name} 是正确值的转置。", "{name} is the transpose of the right value."),
    "observed.masked": ("{name} 在 h > 0 的位置是对的，在 h < 0 的位置不对。",
                        "{name} is right where h > 0 and wrong where h < 0."),
    "observed.one_gradient": ("{right} 是对的，{wrong} 不对：问题在只有 {wrong} 经过的那一段：{path}。",
                              "{right} is right and {wrong} is wrong: look at the part only {wrong} goes through: {path}."),
    "code.in_place": ("{line}：这一行就地改写了 {name}。", "{line}: this line changes {name} in place."),
    "code.argument_changed": ("{fn} 就地改动了参数 {name}。", "{fn} changed its argument {name} in place."),
    "observed.rate": ("这一步实际用的学习率是 {rate:.3g}，而传进来的 learning_rate 是 {learning_rate:g}。",
                      "the step used a learning rate of {rate:.3g}; the learning_rate passed in is {learning_rate:g}."),
    "mistake.relu_missing": ("前向传播少了 ReLU：h_relu = max(h, 0)，再用 h_relu 乘 w2。",
                             "the ReLU is missing in the forward pass: h_relu = max(h, 0), then multiply h_relu by w2."),
    "mistake.relu_on_output": ("输出也过了 ReLU：只有隐藏层有 ReLU，y_pred = h_relu @ w2 不再经过 ReLU。",
                               "ReLU is applied to the output too: only the hidden layer has one; y_pred = h_relu @ w2 as it is."),
    "mistake.relu_mask_missing": ("反向传播没有乘 ReLU 的掩码：h < 0 的位置 grad_h 必须是 0"
                                  "（用 h_relu < 0 做掩码也等于没有掩码，因为 h_relu 从不小于 0）。",
                                  "the ReLU mask is missing in the backward pass: grad_h must be 0 wherever h < 0 "
                                  "(a mask built from h_relu < 0 is no mask at all: h_relu is never negative)."),
    "mistake.relu_mask_inverted": ("ReLU 掩码反了：要把 h < 0 的位置清零，而不是 h > 0 的位置。",
                                   "the ReLU mask is inverted: zero grad_h where h < 0, not where h > 0."),
    "mistake.relu_mask_wrong_array": ("ReLU 掩码取自错误的数组：要用前向的 h 来判断 (h < 0)，而不是用梯度的正负。",
                                      "the ReLU mask is taken from the wrong array: decide with the forward value h "
                                      "(h < 0), not with a gradient's sign."),
    "mistake.factor_2_missing": ("少了因子 2：(y_pred − y)² 对 y_pred 的导数是 2·(y_pred − y)。",
                                 "the factor 2 is missing: the derivative of (y_pred − y)² with respect to y_pred "
                                 "is 2·(y_pred − y)."),
    "mistake.factor_2_doubled": ("因子 2 乘了两次：grad_y_pred = 2·(y_pred − y)，只乘一次。",
                                 "the factor 2 is applied twice: grad_y_pred = 2·(y_pred − y), once."),
    "mistake.sign_flipped": ("符号反了：grad_y_pred = 2·(y_pred − y)，不是 2·(y − y_pred)。",
                             "the sign is flipped: grad_y_pred = 2·(y_pred − y), not 2·(y − y_pred)."),
    "mistake.mean_instead_of_sum": ("用了平均 (mean) 而不是求和 (sum)：本课程的 loss 是所有 N·D_out 个平方误差之和"
                                    "（np.mean、.mean()，或 nn.MSELoss() 默认的 reduction='mean'；要写 reduction='sum'）。",
                                    "mean instead of sum: this course's loss is the sum of all N·D_out squared errors, "
                                    "not their mean (np.mean, .mean(), or nn.MSELoss()'s default reduction='mean'; "
                                    "write reduction='sum')."),
    "mistake.mean_over_batch": ("除以了批大小 N：本课程的 loss 是平方误差之和，不除以任何数。",
                                "divided by the batch size N: this course's loss is the plain sum of squared errors, "
                                "divided by nothing."),
    "mistake.loss_abs": ("用了误差的绝对值 |y_pred − y|（L1）而不是平方 (y_pred − y)²。",
                         "the absolute errors |y_pred − y| (L1) instead of the squared errors (y_pred − y)²."),
    "mistake.loss_not_squared": ("loss 要的是平方和，不要开根号（np.linalg.norm / torch.norm 是平方和的平方根）。",
                                 "the loss is the sum of squares, with no square root (np.linalg.norm and torch.norm "
                                 "take the root)."),
    "mistake.loss_half": ("loss 多乘了 1/2：本课程的 loss 是平方误差之和，前面没有 1/2。",
                          "the loss has an extra 1/2: this course's loss is the plain sum of squared errors."),
    "mistake.lr_missing": ("更新时没乘学习率：w -= learning_rate * grad。",
                           "the learning rate is missing in the update: w -= learning_rate * grad."),
    "mistake.lr_twice": ("学习率乘了两次：w -= learning_rate * grad，只乘一次。",
                         "the learning rate is applied twice: w -= learning_rate * grad, once."),
    "mistake.update_sign": ("更新方向反了：梯度下降是减去梯度，w -= learning_rate * grad。",
                            "the update goes uphill: gradient descent subtracts the gradient, w -= learning_rate * grad."),
    "mistake.rebinding": ("权重没有被就地修改：要么根本没有更新它，要么 w1 = w1 - ... 只是让局部变量指向一个新数组，"
                          "调用者手里的 w1 没变。请用就地更新 w1 -= ...。",
                          "the weights were not changed in place: either there is no update of them at all, or "
                          "w1 = w1 - ... only points a local name at a new array and the caller's w1 is unchanged. "
                          "Update in place: w1 -= ...."),
    "mistake.not_zeroed": ("梯度没有清零：每一步都要清零（w.grad.zero_()、model.zero_grad() 或 optimizer.zero_grad()），"
                           "否则 backward() 会把新梯度加到旧梯度上。",
                           "the gradients are not zeroed: zero them every step (w.grad.zero_(), model.zero_grad() or "
                           "optimizer.zero_grad()), or backward() adds the new gradient to the old one."),
    "mistake.update_outside_no_grad": ("更新写在了 torch.no_grad() 外面：对 requires_grad=True 的叶子张量做就地修改会报错"
                                       "（而且更新本身不该进入计算图）。把更新放进 with torch.no_grad(): 里。",
                                       "the update is outside torch.no_grad(): changing a leaf tensor that requires grad "
                                       "in place raises an error (and the update must not enter the graph). Put it "
                                       "inside `with torch.no_grad():`."),
    "mistake.bias_true": ("教程这一节的网络没有 bias：nn.Linear(..., bias=False)。",
                          "this section's network has no bias: nn.Linear(..., bias=False)."),
    "mistake.init_not_normal": ("权重要按教程用标准正态分布初始化：torch.nn.init.normal_(model[0].weight)，"
                                "model[2] 也一样（nn.Linear 默认的初始化值小得多）。",
                                "initialise the weights from a standard normal, as the tutorial does: "
                                "torch.nn.init.normal_(model[0].weight), and model[2] too (nn.Linear's default values "
                                "are far smaller)."),
    "mistake.step_before_backward": ("optimizer.step() 放在了 loss.backward() 前面：step 用的是还没算出来（或已清零）的梯度。"
                                     "顺序是 zero_grad → 前向 → loss → backward → step。",
                                     "optimizer.step() comes before loss.backward(): it steps with gradients not yet "
                                     "computed (or already zeroed). The order is zero_grad → forward → loss → backward "
                                     "→ step."),
    "mistake.step_not_called": ("每一步都要调用一次 optimizer.step()，参数只由优化器来更新。",
                                "call optimizer.step() once per step: only the optimizer updates the parameters."),
    "mistake.changed_outside_optimizer": ("参数在 optimizer.step() 之外被改动了：用了优化器，就不要再手动更新参数。",
                                          "the parameters were changed outside optimizer.step(): with an optimizer, "
                                          "don't update them by hand too."),
    "mistake.device_mismatch": ("模型和数据不在同一个设备上：模型 .to(device) 之后，x 和 y 也要 x = x.to(device)、"
                                "y = y.to(device)（这正是教程最后一格的错误）。",
                                "the model and the data are on different devices: after model.to(device), move the "
                                "data too, x = x.to(device) and y = y.to(device) (the very bug of the tutorial's last cell)."),
    "mistake.model_not_on_device": ("模型没有移到 device 上：model.to(device)（不要写死 model.cuda()）。",
                                    "the model was not moved to the device: model.to(device) (not a hard-coded model.cuda())."),
    "mistake.outputs_order": ("返回值的顺序不对：数值是对的，但要按 (h, h_relu, y_pred) 的顺序返回。",
                              "the values are right but in the wrong order: return (h, h_relu, y_pred)."),
    "mistake.lr_hardcoded": ("学习率写死成了一个常数：更新要用传进来的参数 learning_rate。",
                             "the learning rate is written as a constant: the update must use the learning_rate argument."),
    "mistake.loss_after_update": ("返回的 loss 是更新之后重新算的：要返回这一步前向传播时（更新之前）算出的 loss。",
                                  "the loss returned was computed after the update: return the loss of this step's "
                                  "forward pass, before the update."),
    "mistake.zeroed_before_update": ("参数没有变化：更新时梯度已经被清零了（zero_grad() 或 grad.zero_() 写在了 backward() "
                                     "和更新之间？），或者根本没有更新。清零放在更新之后（或下一步 backward() 之前）。",
                                     "the parameters did not change: the gradients were already zeroed when the update ran "
                                     "(zero_grad() or grad.zero_() between backward() and the update?), or there is no "
                                     "update. Zero them after the update (or before the next backward())."),
    "mistake.optimizer_not_adam": ("这一节要用 torch.optim.Adam(model.parameters(), lr=learning_rate)，而不是别的优化器（如 SGD）。",
                                   "this section uses torch.optim.Adam(model.parameters(), lr=learning_rate), not another "
                                   "optimizer (such as SGD)."),
    "mistake.module_init_missing": ("__init__ 里没有先调用 super().__init__()：nn.Module 要先初始化，才能给它添加 self.linear1 这样的层。",
                                    "super().__init__() is not called first in __init__: an nn.Module must be set up "
                                    "before layers such as self.linear1 can be added to it."),
    "mistake.grad_none": (".grad 是 None：还没有 backward() 就用了梯度，或者 zero_grad()（它把 .grad 设为 None）"
                          "写在了 backward() 和更新之间。顺序是 backward() → 更新 → 清零。",
                          "a .grad is None: the gradient was used before any backward(), or zero_grad() (which sets "
                          ".grad to None) ran between backward() and the update. The order is backward() → update → zero."),
    "mistake.max_returns_tuple": ("torch.max(h, 0) 返回的是 (values, indices) 两个张量，不是逐元素的 max(h, 0)："
                                  "ReLU 用 h.clamp(min=0)、torch.relu(h) 或 torch.maximum(h, torch.zeros_like(h))。",
                                  "torch.max(h, 0) returns (values, indices) along dimension 0, not the elementwise "
                                  "max(h, 0): for the ReLU use h.clamp(min=0), torch.relu(h) or "
                                  "torch.maximum(h, torch.zeros_like(h))."),
    "mistake.tensor_not_number": ("返回的是张量而不是数：用 loss.item() 返回一个 Python 数（张量会把整个计算图留在内存里）。"
                                  "这次不扣分。",
                                  "a tensor is returned where a number is asked: return loss.item(), a Python number "
                                  "(a tensor keeps its whole graph alive in memory). No points lost this time."),
    "mistake.h_overwritten": ("h 被就地改写了：h_relu 和 h 是同一块内存，ReLU 把 h 本身也改了"
                              "（np.maximum(h, 0, out=h)，h.clamp_(min=0) 这种以 _ 结尾的就地方法，或者 h_relu = h 之后再修改 h_relu）。"
                              "要让 ReLU 生成一个新数组：h_relu = np.maximum(h, 0) 或 h.clamp(min=0)。",
                              "h was overwritten in place: h_relu and h are the same memory, so the ReLU changed h itself "
                              "(np.maximum(h, 0, out=h), an in-place method ending in _ such as h.clamp_(min=0), or "
                              "h_relu = h followed by a change to h_relu). Let the ReLU make a new array: "
                              "h_relu = np.maximum(h, 0), or h.clamp(min=0)."),
    "mistake.argument_changed": ("函数就地修改了传进来的参数（它的调用者之后还要用这个值）：先复制一份再改，例如 "
                                 "d = y_pred - y，而不是 d = y_pred; d -= y。这次不扣分。",
                                 "the function changed an argument in place, a value its caller still uses: work on a "
                                 "new array, e.g. d = y_pred - y, not d = y_pred; d -= y. No points lost this time."),
    "mistake.backward_without_graph": ("loss.backward() 找不到计算图：loss 是在 torch.no_grad() 里算的，或者来自 .detach() "
                                       "之后的张量，所以无从求梯度。前向传播和 loss 要在 no_grad 外面算，只有参数更新放进 "
                                       "with torch.no_grad(): 里。",
                                       "loss.backward() has no graph to go back through: the loss was computed inside "
                                       "torch.no_grad(), or from a tensor cut off the graph by .detach(). Compute the forward "
                                       "pass and the loss outside no_grad; only the update of the parameters goes inside "
                                       "`with torch.no_grad():`."),
    "mistake.loss_detached": ("backward() 没有传到模型的参数：调用 backward() 的那个张量和模型断开了"
                              "（例如 torch.tensor(loss.item(), requires_grad=True) 是一个新的叶子张量），所以参数的 .grad 还是 None。"
                              "直接对 loss_fn(y_pred, y) 的结果调用 backward()。",
                              "backward() did not reach the model's parameters: the tensor it was called on is cut off "
                              "from the model (torch.tensor(loss.item(), requires_grad=True), say, is a new leaf "
                              "tensor), so the parameters' .grad stayed None. Call backward() on what loss_fn(y_pred, y) "
                              "returns."),
    "mistake.backward_on_number": ("loss.item() 是一个 Python 数，没有 backward()：对张量 loss 调用 loss.backward()，"
                                   "最后再 return loss.item()。",
                                   "loss.item() is a plain Python number, which has no backward(): call backward() on the "
                                   "loss tensor, and return loss.item() at the end."),
    "mistake.class_not_instance": ("这里要的是实例，给的却是类：nn.ReLU()、nn.MSELoss(reduction='sum')、"
                                   "torch.optim.Adam(model.parameters(), lr=learning_rate)，都要带括号（和参数）调用。",
                                   "a class is given where an instance is needed: nn.ReLU(), nn.MSELoss(reduction='sum'), "
                                   "torch.optim.Adam(model.parameters(), lr=learning_rate), each called with its "
                                   "parentheses (and arguments)."),
    "mistake.module_built_not_applied": ("nn.ReLU(h) 新建了一个 ReLU 层，并没有把 ReLU 作用在 h 上（nn.ReLU 是类，self.relu = nn.ReLU "
                                         "没有括号时也一样）：在 __init__ 里建好 self.relu = nn.ReLU()，在 forward 里调用 "
                                         "self.relu(h)，或者直接用 torch.relu(h)。",
                                         "nn.ReLU(h) builds a new ReLU layer; it does not apply a ReLU to h (nor does "
                                         "self.relu = nn.ReLU without parentheses, then self.relu(h)): build the layer once "
                                         "in __init__, self.relu = nn.ReLU(), and call it in forward, self.relu(h), or use "
                                         "torch.relu(h)."),
    "mistake.optimizer_given_model": ("优化器要的是参数，不是模型本身：torch.optim.Adam(model.parameters(), lr=learning_rate)。",
                                      "an optimizer takes the parameters, not the model itself: "
                                      "torch.optim.Adam(model.parameters(), lr=learning_rate)."),
    "mistake.other_optimizer": ("参数是被另一个优化器更新的：传进来的 optimizer 一次也没有 step()。不要在 train_step 里"
                                "新建优化器（它每次都从头开始，Adam 的状态就丢了），用传进来的那个：optimizer.step()。",
                                "the parameters were moved by another optimizer: the optimizer passed in never stepped. "
                                "Don't build a new optimizer inside train_step (a new one starts afresh every time, "
                                "losing Adam's state); step the one given: optimizer.step()."),
    "mistake.backward_twice": ("同一个计算图 backward() 了两次：每次前向传播之后只调用一次 loss.backward()。",
                               "backward() ran twice through the same graph: call loss.backward() once after each forward pass."),
    "mistake.losses_repeated": ("列表里的 loss 是同一个数重复了多次（例如 [loss.item()] * steps）：要在循环里每次迭代都 "
                                "losses.append(loss.item())。",
                                "the list holds the same loss repeated (e.g. [loss.item()] * steps): append each "
                                "iteration's loss inside the loop, losses.append(loss.item())."),
    "mistake.losses_one_short": ("列表少了一个 loss：循环要跑满 range(steps) 次，每次迭代都追加这一次的 loss。",
                                 "the list is one loss short: loop over range(steps), and append the loss in every "
                                 "iteration."),

    # ---- the exercises' rules (guards.py: "rule.<rule>" is guards.RULES[rule]) ------------------------
    "rule.broken": ("✗ 规则：{rule}（用到了 {what}）。", "✗ Rule: {rule} (used {what})."),
    "rule.torch": ("这个练习只用 numpy 手写，不能用 torch", "this exercise is by hand with numpy only; torch is not allowed"),
    "rule.autograder": ("不能调用检查库 autograder（包括它的 oracle），答案要自己算",
                        "calling the checking library autograder (or its oracles) is not allowed; compute the answer "
                        "yourself"),
    "rule.readable": ("评分程序必须能读懂答案的代码：不能在运行时拼出名字或代码（exec、getattr(x, 拼出的名字)、__import__），"
                      "不能碰解释器本身（sys、__dict__ 这类双下划线属性、帧、文件、shell 命令），也不能导入课程之外的模块",
                      "the grader must be able to read the answer's code: no names or code built at run time (exec, "
                      "getattr(x, a built name), __import__), nothing of the interpreter itself (sys, dunder attributes "
                      "such as __dict__, frames, files, shell commands), no module outside the course's"),
    "rule.autograd": ("这一步要手写反向传播，不能用 autograd（.backward()、torch.autograd.grad、torch.func）",
                      "this step is a backward pass by hand; autograd (.backward(), torch.autograd.grad, torch.func) "
                      "is not allowed"),

    # ---- grading: the student process that runs the student's functions (grading/student_process.py, isolation/student_server.py)
    "probe.not_here": ("评分时运行你的代码的进程里没有 {module}。", "{module} is not available where your code runs when graded."),
    "probe.ended": ("运行你的代码的进程意外结束了。", "The process running your code ended unexpectedly."),
    "probe.signal": ("运行你的代码的进程被信号 {signal} 终止了（崩溃，或超出了内存或时间限制）。",
                     "The process running your code was stopped by signal {signal} (a crash, or a memory or time limit)."),
    "probe.exited": ("运行你的代码的进程退出了（退出码 {status}：os._exit 或 sys.exit？）。",
                     "The process running your code exited (exit code {status}: os._exit or sys.exit?)."),
    "probe.timed_out": ("你的代码在 {seconds:g} 秒内没有给出结果（死循环，或者太慢？），被停止了。",
                        "Your code gave no result within {seconds:g} s (an endless loop, or very slow?) and was stopped."),
    "probe.too_big": ("你的函数返回的数据超过了 {mib} MiB。", "Your function sent back more than {mib} MiB."),
    "probe.garbled": ("运行你的代码的进程发回了无法识别的内容（{what}）。",
                      "The process running your code sent back something that is not an answer ({what})."),
    "probe.cannot_start": ("无法启动运行你的代码的进程（它所依赖的评分进程刚刚结束了）。",
                           "No process could be started to run your code (the grading process it comes "
                           "from had just ended)."),
    "probe.not_defined": ("✗ 没有找到 {name}：这个检查之前的单元都没有定义它（有单元中途出错了，还是有代码改变了后面单元的运行方式？）。",
                          "✗ {name} is not defined: no cell before this check defined it (did a cell stop early, or does "
                          "some code change how later cells run?)."),
    "probe.cell_raised": ("单元 {cell} 出错：", "cell {cell} raised:"),
    "probe.unusable_values": ("检查无法处理你的代码发回的值。", "The check could not work with the values your code sent back."),
    "probe.cell_timeout": ("这个单元在探测进程里超过了时间限制", "this cell ran past its time limit in the probe"),

    # ---- grading: the notebook's own kernel (grading/plugins/execution.py, nbgrader_config.py) --------
    "kernel.died": ("内核在运行这个单元时停止了（崩溃、os._exit/sys.exit、或超出内存/时间限制）。",
                    "The kernel stopped while running this cell (a crash, os._exit, or a memory or time limit reached)."),
    "kernel.unfinished": ("这个单元在时间限制内没有运行完（死循环、一直等待，或输出太多）。",
                          "This cell did not finish within the time limit (an endless loop, a wait, or too much output)."),
    "kernel.not_judged": ("这个检查单元还没有被评判（评分流程里缺少 verdicts.JudgeSteps）。",
                          "This check has not been judged (verdicts.JudgeSteps is missing from the grading pipeline)."),
    "kernel.not_run": ("没有运行：内核在前面的单元（{where}）停止了。", "Not run: the kernel stopped in an earlier cell ({where})."),
    "kernel.timeout": ("这个单元运行超过了时间限制，被停止了（死循环，或者太慢？）。",
                       "This cell ran past the time limit and was stopped (an endless loop, or a very slow step?)"),
    "kernel.timeout_short": ("这个单元运行超过了时间限制，被停止了。", "This cell ran past the time limit and was stopped."),

    # ---- grading: the feedback page (grading/plugins/feedback.py, outputs.py) -------------------------
    "error.memory": ("内存不够：代码申请的内存超过了评分时允许的上限。",
                     "Out of memory: the code asked for more memory than grading allows."),
    "error.interrupted": ("运行超过了时间限制，被中断了（死循环，或者太慢？）。",
                          "Stopped at the time limit (an endless loop, or a very slow step?)."),
    "error.recursion": ("递归太深：函数在无限地调用自己？", "Recursion too deep: does a function call itself forever?"),
    "output.cut": ("输出太长，已截断（还有 {n} 个字符）", "output too long, cut: {n} characters more",
                   "输出太长，已截断 / output too long, cut: {n} characters more"),
    "output.dropped": ("输出太大，没有保留（{kind}，{n} 字节）", "output too large, not kept: {kind}, {n} bytes",
                       "输出太大，没有保留 / output too large, not kept: {kind}, {n} bytes"),

    # ---- grading: a submission that could not be graded at all (grading/failures.py) ------------------
    "submission.not_a_notebook": ("提交的文件不是有效的 notebook（空文件、被截断或不是 .ipynb 格式）。请在 JupyterLab 里打开它确认，然后重新提交。",
                                  "The submitted file is not a valid notebook (empty, cut short, or not in .ipynb format). "
                                  "Open it in JupyterLab to check, then submit again."),
    "submission.cell_twice": ("同一个题目单元（grade id）在 notebook 里出现了不止一次，多半是复制了答题单元。请删掉多余的那个，然后重新提交。",
                              "A graded cell (the same grade id) appears more than once in the notebook, most likely a "
                              "copied answer cell. Delete the extra copy, then submit again."),
    "submission.no_notebook": ("没有找到要评分的 notebook：文件名必须和发下来的 notebook 一样（不要改名），然后重新提交。",
                               "No notebook to grade was found: the file name must be the one of the notebook you were "
                               "given (do not rename it); submit it again under that name."),
    "submission.metadata": ("notebook 里标记答题单元和检查单元的元数据被删掉了，所以找不到你的答案。请从一份新的作业副本开始，把答案粘贴进对应的单元，然后重新提交。",
                            "The notebook's cell metadata, which marks the answer and check cells, was removed, so your "
                            "answers cannot be found. Start from a fresh copy of the assignment, paste your answers into "
                            "its cells, then submit again."),
    "submission.format_version": ("notebook 的格式版本太旧或无法识别。请用 JupyterLab 打开并保存一次，然后重新提交。",
                                  "The notebook's format version is too old or not recognised. Open and save it once in "
                                  "JupyterLab, then submit again."),
    "submission.not_graded": ("这份提交无法评分。", "This submission could not be graded."),
    "submission.page_title": ("无法评分 — 0 分", "Could not be graded — score 0",
                              "无法评分 / Could not be graded — 0 分 / score 0"),
    "submission.graders_message": ("评分程序的信息：", "Grader's message:", "评分程序的信息 / Grader's message:"),
    "submission.two_candidates": ("提交的文件夹里有不止一个 notebook 像是这份作业，不知道该给哪一个评分。请只留下要评分的那个，用发下来的文件名，然后重新提交。",
                                  "More than one notebook in the submission looks like this assignment, so which one to "
                                  "grade cannot be told. Keep only the one to be graded, under the name of the notebook "
                                  "you were given, then submit again."),

    # ---- grading: a submission repaired before it was graded (grading/repair.py) ---------------------
    "repair.renamed": ("这份 notebook 交上来时的文件名是 {found}；它的单元就是这份作业的单元，所以按 {name} 评了分。下次请保留原来的文件名。",
                       "This notebook was handed in as {found}; its cells are this assignment's, so it was graded as "
                       "{name}. Keep the notebook's own name next time."),
    "repair.duplicates": ("单元 {ids} 出现了不止一次（复制的单元）：按 notebook 从上到下运行的结果评分，每个函数以最后一次定义为准。",
                          "The cell {ids} appears more than once (a copied cell): graded as the notebook runs from top "
                          "to bottom, so the last definition of each function counts."),
    "repair.metadata": ("notebook 的单元元数据被编辑器删掉了：按单元 id、函数签名和检查单元的文字认出了 {n} 个单元，并按发下来的作业恢复了它们的元数据。",
                        "The notebook's cell metadata was removed by an editor: {n} cells were recognised by their "
                        "cell ids, function signatures and check text, and their metadata restored from the assignment "
                        "as released."),
    "repair.title": ("评分前修复了这份提交", "Repaired before grading", "评分前修复了这份提交 / Repaired before grading"),

    # ---- the released notebooks: what stands in a cell for the student to fill in (nbgrader_config.py)
    "stub.code": ("在这里写你的代码", "YOUR CODE HERE"),
    "stub.complete": ("请完成这一步", "complete this step"),
    "stub.answer": ("在这里写你的答案", "YOUR ANSWER HERE"),

    # ---- grading: the summary at the top of the feedback page (grading/plugins/feedback.py) ------------
    "summary.title": ("各步得分", "Points for each step"),
    "summary.total": ("总分", "Total"),
    "summary.late_penalty": ("迟交扣分", "Late submission penalty"),
    "summary.see_cell": ("没有得到满分：见这一步的单元。", "Not full points: see this step's cell."),
    "step.forward": ("前向", "forward"),
    "step.loss": ("损失", "loss"),
    "step.backward": ("反向", "backward"),
    "step.update": ("更新", "update"),
    "step.autograd_step": ("自动求导的一步", "autograd step"),
    "step.model": ("模型", "model"),
    "step.train_step": ("训练一步", "train step"),
    "step.optimizer": ("优化器", "optimizer"),
    "step.train": ("训练", "train"),
}


def language():
    """The chosen language, "zh", "en" or "both", from AUTOGRADER_LANGUAGE (unset or empty: "both")."""
    value = os.environ.get(VARIABLE, "").strip().lower() or DEFAULT
    if value not in LANGUAGES:
        raise ValueError(f"{VARIABLE}={os.environ.get(VARIABLE)!r} is not a language of this course: set it to "
                         "zh (中文 only), en (English only) or both (中文, then English; the default).")
    return value


class Message:
    """A catalogue message as data: its key and its values, which may be Messages themselves (a
    mistake's text inside "Likely cause: …"). A check's verdict is a list of these; each place that
    shows one renders it in its own language, so a verdict made in 中文 can be read in English later.

    ``str()`` is the text in the chosen language(s); ``as_dict`` and ``from_dict`` carry it through JSON
    (a tuple, such as a shape, comes back as a tuple)."""

    def __init__(self, key, /, **values):
        _entry(key)
        self.key, self.values = key, {name: _plain(value) for name, value in values.items()}

    def text(self, lang):
        """This message in one language, "zh" or "en"."""
        return _fill(_entry(self.key)[("zh", "en").index(lang)], lang, self.values, "\n")

    def lines(self, lang=None):
        """[中文, English], [中文] or [English]: one line per language of ``lang`` (default: the chosen one)."""
        lang = lang or language()
        return [self.text(one) for one in (("zh", "en") if lang == "both" else (lang,))]

    def render(self, lang=None, joined="\n"):
        """The text in ``lang`` (default: the chosen language); both: 中文, ``joined``, English, or the
        entry's own bilingual form where it has one."""
        entry, lang = _entry(self.key), lang or language()
        if lang == "both" and len(entry) > 2:
            return _fill(entry[2], "both", self.values, joined)
        return joined.join(self.lines(lang))

    def __str__(self):
        return self.render()

    def __repr__(self):
        return f"Message({self.key!r}, {self.values!r})"

    def as_dict(self):
        return {"key": self.key, "values": {name: _to_json(value) for name, value in self.values.items()}}

    @classmethod
    def from_dict(cls, data):
        return cls(data["key"], **{name: _from_json(value) for name, value in data["values"].items()})

    def __eq__(self, other):
        return isinstance(other, Message) and self.as_dict() == other.as_dict()

    def __hash__(self):
        return hash(repr(self.as_dict()))


def _plain(value):
    """A value as a verdict keeps it, one that survives JSON: a Message, text, a number, or a tuple of
    these (a numpy or torch scalar becomes a number; anything else, such as a device, its text)."""
    if value is None or isinstance(value, (Message, str, bool)):
        return value
    if isinstance(value, (tuple, list)):
        return tuple(_plain(v) for v in value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if getattr(value, "ndim", None) == 0 and callable(getattr(value, "item", None)):  # a 0-d array or tensor
        return _plain(value.item())
    return str(value)


def _to_json(value):
    if isinstance(value, Message):
        return value.as_dict()
    return [_to_json(v) for v in value] if isinstance(value, tuple) else value


def _from_json(value):
    if isinstance(value, dict):
        return Message.from_dict(value)
    return tuple(_from_json(v) for v in value) if isinstance(value, list) else value


def _entry(key):
    try:
        return CATALOGUE[key]
    except KeyError:
        raise KeyError(f"no message {key!r} in autograder/messages.py") from None


def _fill(template, lang, values, joined):
    values = {k: (v.text(lang) if lang != "both" else v.render("both", joined)) if isinstance(v, Message) else v
              for k, v in values.items()}
    return template.format(**values)


def render(said, lang=None, joined="\n"):
    """A Message in ``lang`` (default: the chosen language), or words that are not the course's (a
    student's traceback, a library's report), which are the same in every language, as they are."""
    return said.render(lang, joined) if isinstance(said, Message) else str(said)


def text(key, lang, **values):
    """``key``'s message in one language, "zh" or "en", whatever the setting (a log line, say)."""
    return Message(key, **values).text(lang)


def pair(key):
    """(中文, English): ``key``'s two texts as written, placeholders unfilled."""
    return tuple(_entry(key)[:2])


def lines(key, **values):
    """``key``'s message in each chosen language, as a list: [中文, English], [中文] or [English]."""
    return Message(key, **values).lines()


def say(key, joined="\n", **values):
    """``key``'s message in the chosen language(s); both: 中文, ``joined``, English (a newline unless
    the place shows both on one line), or the entry's own bilingual form where it has one."""
    return Message(key, **values).render(joined=joined)


def placeholders(template):
    """The names of the ``{placeholders}`` in one text."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def keys(prefix=""):
    """The catalogue's keys starting with ``prefix``, in the catalogue's order."""
    return [key for key in CATALOGUE if key.startswith(prefix)]
