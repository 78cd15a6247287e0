# Makes steps.txt: golden reference training steps from PyTorch (torch.optim and
# torch losses) for testing nnet.h's training step. For each configuration it
# builds an MLP of nn.Linear layers, runs 3 steps on batches of 5 rows and
# records the inputs, targets, per-step losses and the initial/final parameters.
# All data and initial weights come from numpy.random.default_rng(seed), never
# from torch's RNG, so the output is deterministic.
#
# Run from the repository root:
#   /usr/bin/python3 tests/data/torch/make_steps.py
# It writes steps.txt next to this script.
import os
import numpy as np
import torch
import torch.nn as nn

torch.set_default_dtype(torch.float32)
torch.set_num_threads(1)

STEPS, B = 3, 5
ACT = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid,
       "leaky_relu": lambda: nn.LeakyReLU(0.01)}
OUTPUT = {"ce": "softmax", "bce": "sigmoid", "mse": "identity", "mae": "identity", "huber": "identity"}

# name, sizes, hidden, loss, huber delta, targets, optimizer, optimizer options
CONFIGS = [
    ("sgd_momentum", [4, 8, 3], "relu", "ce", 0, "class", "sgd", dict(lr=0.1, momentum=0.9)),
    ("sgd_nesterov_l2", [4, 8, 3], "tanh", "ce", 0, "class", "sgd",
     dict(lr=0.05, momentum=0.9, nesterov=True, l2=1e-2)),
    ("sgd_plain", [4, 6, 5, 3], "sigmoid", "ce", 0, "class", "sgd", dict(lr=0.5, momentum=0.0)),
    ("adam", [4, 8, 3], "relu", "ce", 0, "class", "adam", dict(lr=0.01, betas=(0.9, 0.999), eps=1e-8)),
    ("adam_l2", [4, 8, 3], "leaky_relu", "ce", 0, "class", "adam",
     dict(lr=0.02, betas=(0.8, 0.99), eps=1e-6, l2=1e-2)),
    ("adamw", [4, 8, 3], "relu", "ce", 0, "class", "adamw",
     dict(lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1)),
    ("adam_clip", [4, 8, 3], "relu", "ce", 0, "class", "adam", dict(lr=0.01, clip=0.05)),
    ("sgd_clip", [4, 8, 3], "relu", "ce", 0, "class", "sgd", dict(lr=0.1, momentum=0.9, clip=0.1)),
    ("mse_adam", [3, 8, 2], "tanh", "mse", 0, "normal", "adam", dict(lr=0.01)),
    ("mae_sgd", [3, 8, 2], "relu", "mae", 0, "normal", "sgd", dict(lr=0.05, momentum=0.9)),
    ("huber_adamw", [3, 8, 2], "relu", "huber", 1.0, "normal3", "adamw", dict(lr=0.01, weight_decay=0.01)),
    ("huber_delta", [3, 8, 2], "tanh", "huber", 0.5, "normal2", "sgd", dict(lr=0.1, momentum=0.0)),
    ("bce_multilabel", [4, 8, 3], "relu", "bce", 0, "binary", "adam", dict(lr=0.01)),
    ("bce_single", [4, 8, 1], "relu", "bce", 0, "binary", "sgd", dict(lr=0.1, momentum=0.9)),
]


def fmt(values):
    return " ".join("%.9g" % v for v in np.asarray(values, dtype=np.float32).ravel())


def params(net):
    return np.concatenate([p.detach().numpy().ravel() for p in net.parameters()])


def run(seed, name, sizes, hidden, loss, delta, targets, opt, o):
    rng = np.random.default_rng(seed)
    layers = []
    for i in range(len(sizes) - 1):
        lin = nn.Linear(sizes[i], sizes[i + 1])
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(rng.uniform(-0.5, 0.5, (sizes[i + 1], sizes[i])).astype(np.float32)))
            lin.bias.copy_(torch.from_numpy(rng.uniform(-0.1, 0.1, sizes[i + 1]).astype(np.float32)))
        layers += [lin] + ([ACT[hidden]()] if i < len(sizes) - 2 else [])
    net = nn.Sequential(*layers)

    wd = o.get("l2", 0.0) if opt in ("sgd", "adam") else o.get("weight_decay", 0.0)
    weights = [p for n, p in net.named_parameters() if n.endswith("weight")]
    biases = [p for n, p in net.named_parameters() if n.endswith("bias")]
    groups = [{"params": weights, "weight_decay": wd}, {"params": biases, "weight_decay": 0.0}]
    lr, mom, nest = o["lr"], o.get("momentum", 0.0), o.get("nesterov", False)
    b1, b2 = o.get("betas", (0.9, 0.999))
    eps = o.get("eps", 1e-8)
    if opt == "sgd":
        optim = torch.optim.SGD(groups, lr=lr, momentum=mom, nesterov=nest)
        b1 = b2 = eps = 0.0
    else:
        cls = torch.optim.Adam if opt == "adam" else torch.optim.AdamW
        optim = cls(groups, lr=lr, betas=(b1, b2), eps=eps)
    loss_fn = {"ce": nn.CrossEntropyLoss(), "bce": nn.BCEWithLogitsLoss(), "mse": nn.MSELoss(),
               "mae": nn.L1Loss(), "huber": nn.HuberLoss(delta=delta or 1.0)}[loss]
    clip = o.get("clip", 0.0)

    n_in, n_out = sizes[0], sizes[-1]
    lines = ["config " + name, "sizes " + " ".join(map(str, sizes)), "hidden " + hidden,
             "output " + OUTPUT[loss], "loss %s %.9g" % (loss, delta),
             "optimizer %s lr %.9g momentum %.9g nesterov %d beta1 %.9g beta2 %.9g eps %.9g "
             "weight_decay %.9g l2 %.9g clip %.9g" % (opt, lr, mom, int(nest), b1, b2, eps,
                                                       o.get("weight_decay", 0.0), o.get("l2", 0.0), clip),
             "steps %d batch %d" % (STEPS, B)]
    init, small, large = params(net).copy(), False, False
    lines.append("init " + fmt(init))
    for step in range(1, STEPS + 1):
        X = rng.standard_normal((B, n_in)).astype(np.float32)
        if targets == "class":
            labels = rng.integers(0, n_out, B)
            T = np.eye(n_out, dtype=np.float32)[labels]
            target = torch.from_numpy(labels).long()
        else:
            if targets == "binary":
                T = rng.integers(0, 2, (B, n_out)).astype(np.float32)
            else:
                scale = {"normal": 1.0, "normal2": 2.0, "normal3": 3.0}[targets]
                T = (scale * rng.standard_normal((B, n_out))).astype(np.float32)
            target = torch.from_numpy(T)
        optim.zero_grad()
        out = net(torch.from_numpy(X))
        L = loss_fn(out, target)
        L.backward()
        if loss == "huber":  # both Huber branches must occur (in step 1 for huber_adamw, as specified)
            r = (out - target).abs().detach().numpy()
            small, large = small or bool((r < delta).any()), large or bool((r > delta).any())
            if step == STEPS or (step == 1 and name == "huber_adamw"):
                assert small and large, name + ": Huber branches not both used"
        if clip > 0:
            norm = float(nn.utils.clip_grad_norm_(net.parameters(), max_norm=clip))
            assert norm > clip, "%s: no clipping in step %d (norm %g)" % (name, step, norm)
        optim.step()
        lines.append("step %d X %s T %s loss %.9g" % (step, fmt(X), fmt(T), L.item()))
    final = params(net)
    lines += ["final " + fmt(final), "end"]
    moved = float(np.abs(final - init).max())
    print("%-16s max|final - init| = %.6g" % (name, moved))
    assert moved > 1e-3, name + ": weights did not move"
    return lines


def main():
    out = ["# made by tests/data/torch/make_steps.py with torch %s" % torch.__version__]
    for i, cfg in enumerate(CONFIGS):
        out += run(1000 + i, *cfg)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "steps.txt")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")
    print("wrote %s (%d configurations)" % (path, len(CONFIGS)))


if __name__ == "__main__":
    main()
