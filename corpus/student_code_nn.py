"""Student-like code for notebooks 3–5: correct versions and one per common mistake."""
import torch, torch.nn as nn
def build_model(D_in, H, D_out):
    m = nn.Sequential(nn.Linear(D_in, H, bias=False), nn.ReLU(), nn.Linear(H, D_out, bias=False))
    nn.init.normal_(m[0].weight); nn.init.normal_(m[2].weight); return m
def build_model_bias(D_in, H, D_out):
    m = nn.Sequential(nn.Linear(D_in, H), nn.ReLU(), nn.Linear(H, D_out))
    nn.init.normal_(m[0].weight); nn.init.normal_(m[2].weight); return m
def build_model_noinit(D_in, H, D_out):
    return nn.Sequential(nn.Linear(D_in, H, bias=False), nn.ReLU(), nn.Linear(H, D_out, bias=False))
def build_loss(): return nn.MSELoss(reduction='sum')
def build_loss_mean(): return nn.MSELoss()
def sgd_step(model, x, y, loss_fn, lr):
    loss = loss_fn(model(x), y); loss.backward()
    with torch.no_grad():
        for p in model.parameters(): p -= lr * p.grad
    model.zero_grad(); return loss.item()
def sgd_step_nozero(model, x, y, loss_fn, lr):
    loss = loss_fn(model(x), y); loss.backward()
    with torch.no_grad():
        for p in model.parameters(): p -= lr * p.grad
    return loss.item()
def build_opt(model, lr): return torch.optim.Adam(model.parameters(), lr=lr)
def adam_step(model, x, y, loss_fn, opt):
    loss = loss_fn(model(x), y); opt.zero_grad(); loss.backward(); opt.step(); return loss.item()
def adam_step_nozero(model, x, y, loss_fn, opt):
    loss = loss_fn(model(x), y); loss.backward(); opt.step(); return loss.item()
def adam_step_early(model, x, y, loss_fn, opt):
    opt.zero_grad(); loss = loss_fn(model(x), y); opt.step(); loss.backward(); return loss.item()
def adam_step_manual(model, x, y, loss_fn, opt):
    loss = loss_fn(model(x), y); opt.zero_grad(); loss.backward(); opt.step()
    with torch.no_grad():
        for p in model.parameters(): p -= 1e-3 * p.grad
    return loss.item()
class TwoLayerNet(nn.Module):
    def __init__(self, D_in, H, D_out):
        super().__init__(); self.linear1 = nn.Linear(D_in, H); self.relu = nn.ReLU(); self.linear2 = nn.Linear(H, D_out)
    def forward(self, x): return self.linear2(self.relu(self.linear1(x)))
def train(model, x, y, device, learning_rate=1e-4, steps=500):
    model.to(device); x = x.to(device); y = y.to(device)
    loss_fn = nn.MSELoss(reduction='sum'); opt = torch.optim.Adam(model.parameters(), lr=learning_rate)
    losses = []
    for _ in range(steps):
        loss = loss_fn(model(x), y); opt.zero_grad(); loss.backward(); opt.step(); losses.append(loss.item())
    return losses
def train_bad(model, x, y, device, learning_rate=1e-4, steps=500):
    model.to(device)
    loss_fn = nn.MSELoss(reduction='sum'); opt = torch.optim.Adam(model.parameters(), lr=learning_rate)
    losses = []
    for _ in range(steps):
        loss = loss_fn(model(x), y); opt.zero_grad(); loss.backward(); opt.step(); losses.append(loss.item())
    return losses
class MyReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x): ctx.save_for_backward(x); return x.clamp(min=0)
    @staticmethod
    def backward(ctx, g): x, = ctx.saved_tensors; g = g.clone(); g[x < 0] = 0; return g
class BadReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x): ctx.save_for_backward(x); return x.clamp(min=0)
    @staticmethod
    def backward(ctx, g): return g


def build_loss_class(): return nn.MSELoss
def sgd_step_outside(model, x, y, loss_fn, lr):
    loss = loss_fn(model(x), y); loss.backward()
    for p in model.parameters(): p -= lr * p.grad
    model.zero_grad(); return loss.item()
def adam_step_manual_only(model, x, y, loss_fn, opt):
    loss = loss_fn(model(x), y); opt.zero_grad(); loss.backward()
    with torch.no_grad():
        for p in model.parameters(): p -= 1e-2 * p.grad
    return loss.item()
def build_opt_sgd(model, lr): return torch.optim.SGD(model.parameters(), lr=lr)
def build_opt_first_layer(model, lr): return torch.optim.Adam(model[0].parameters(), lr=lr)
class NoModule:
    def __init__(self, D_in, H, D_out): pass
class NoRelu(nn.Module):
    def __init__(self, D_in, H, D_out):
        super().__init__(); self.linear1 = nn.Linear(D_in, H); self.linear2 = nn.Linear(H, D_out)
    def forward(self, x): return self.linear2(self.linear1(x))
def train_model_stays(model, x, y, device, learning_rate=1e-4, steps=500):
    x = x.to(device); y = y.to(device)
    loss_fn = nn.MSELoss(reduction='sum'); opt = torch.optim.Adam(model.parameters(), lr=learning_rate)
    losses = []
    for _ in range(steps):
        loss = loss_fn(model(x), y); opt.zero_grad(); loss.backward(); opt.step(); losses.append(loss.item())
    return losses
# Mistakes named since the diagnosis covers every step.
def build_loss_l1(): return nn.L1Loss(reduction='sum')
def build_model_norelu(D_in, H, D_out):
    m = nn.Sequential(nn.Linear(D_in, H, bias=False), nn.Linear(H, D_out, bias=False))
    nn.init.normal_(m[0].weight); nn.init.normal_(m[1].weight); return m
def sgd_step_zero_first(model, x, y, loss_fn, lr):
    loss = loss_fn(model(x), y); loss.backward(); model.zero_grad()
    with torch.no_grad():
        for p in model.parameters(): p -= lr * p.grad
    return loss.item()
def sgd_step_lr_constant(model, x, y, loss_fn, lr):
    loss = loss_fn(model(x), y); loss.backward()
    with torch.no_grad():
        for p in model.parameters(): p -= 1e-4 * p.grad
    model.zero_grad(); return loss.item()
def sgd_step_tensor(model, x, y, loss_fn, lr):
    loss = loss_fn(model(x), y); loss.backward()
    with torch.no_grad():
        for p in model.parameters(): p -= lr * p.grad
    model.zero_grad(); return loss
def adam_step_zero_between(model, x, y, loss_fn, opt):
    loss = loss_fn(model(x), y); loss.backward(); opt.zero_grad(); opt.step(); return loss.item()
def adam_step_loss_after(model, x, y, loss_fn, opt):
    opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step(); return loss_fn(model(x), y).item()
class NoInit(nn.Module):
    def __init__(self, D_in, H, D_out):
        self.linear1 = nn.Linear(D_in, H); self.linear2 = nn.Linear(H, D_out)
    def forward(self, x): return self.linear2(self.linear1(x).clamp(min=0))
class MaxRelu(TwoLayerNet):
    def forward(self, x): return self.linear2(torch.max(self.linear1(x), 0))
def _train_with(opt_class=torch.optim.Adam, reduction='sum', item=True):
    def train(model, x, y, device, learning_rate=1e-4, steps=500):
        model.to(device); x = x.to(device); y = y.to(device)
        loss_fn = nn.MSELoss(reduction=reduction); opt = opt_class(model.parameters(), lr=learning_rate)
        losses = []
        for _ in range(steps):
            loss = loss_fn(model(x), y); opt.zero_grad(); loss.backward(); opt.step()
            losses.append(loss.item() if item else loss)
        return losses
    return train
train_sgd, train_mean, train_tensors = _train_with(torch.optim.SGD), _train_with(reduction='mean'), _train_with(item=False)
def train_nozero(model, x, y, device, learning_rate=1e-4, steps=500):
    model.to(device); x = x.to(device); y = y.to(device)
    loss_fn = nn.MSELoss(reduction='sum'); opt = torch.optim.Adam(model.parameters(), lr=learning_rate)
    losses = []
    for _ in range(steps):
        loss = loss_fn(model(x), y); loss.backward(); opt.step(); losses.append(loss.item())
    return losses
