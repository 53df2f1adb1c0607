#!/usr/bin/python3
"""Writes mlp_adam.json: a small MLP trained by Adam / AdamW / Adam + gradient clipping in PyTorch.

The C# test (Engine/Optim/AdamReferenceTests.cs) loads the initial weights and data from the file,
trains the same MLP with the managed engine and compares the loss after each of the 100 steps.
Run with Debian's python3-torch:  /usr/bin/python3 tests/reference/mlp_adam.py
"""
import json
import math
import os

import torch

torch.manual_seed(0)
torch.set_num_threads(1)

ROWS, IN, H1, H2, OUT, STEPS = 64, 12, 32, 16, 5, 100
x = torch.randn(ROWS, IN)
t = torch.rand(ROWS, OUT)  # continuous targets in [0, 1), as the VAE's Bernoulli likelihood sees pixels


def make_net():
    return torch.nn.Sequential(
        torch.nn.Linear(IN, H1), torch.nn.Tanh(),
        torch.nn.Linear(H1, H2), torch.nn.ReLU(),
        torch.nn.Linear(H2, OUT))


init = make_net()
runs = {
    "adam": dict(optimizer="adam", lr=1e-2, weight_decay=0.0, max_norm=None),
    "adam_l2": dict(optimizer="adam", lr=1e-2, weight_decay=0.01, max_norm=None),
    "adamw": dict(optimizer="adamw", lr=1e-2, weight_decay=0.1, max_norm=None),
    "adam_clip": dict(optimizer="adam", lr=1e-2, weight_decay=0.0, max_norm=0.01),
    # The learning rate set on the param group before each step, along half a cosine (VaeOptions.LearningRateDecay).
    "adam_cosine": dict(optimizer="adam", lr=1e-2, weight_decay=0.0, max_norm=None, cosine=True),
    "adamw_cosine": dict(optimizer="adamw", lr=1e-2, weight_decay=0.1, max_norm=None, cosine=True),
}
results = {}
for name, cfg in runs.items():
    net = make_net()
    net.load_state_dict(init.state_dict())
    cls = torch.optim.AdamW if cfg["optimizer"] == "adamw" else torch.optim.Adam
    opt = cls(net.parameters(), lr=cfg["lr"], weight_decay=cfg["weight_decay"])
    losses = []
    for step in range(STEPS):
        if cfg.get("cosine"):
            for group in opt.param_groups:
                group["lr"] = cfg["lr"] * 0.5 * (1 + math.cos(math.pi * step / STEPS))
        opt.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(net(x), t)
        loss.backward()
        if cfg["max_norm"] is not None:
            torch.nn.utils.clip_grad_norm_(net.parameters(), cfg["max_norm"])
        opt.step()
        losses.append(loss.item())
    results[name] = dict(cfg, losses=losses)

doc = {
    "torch_version": torch.__version__,
    "sizes": [IN, H1, H2, OUT],
    "x": x.flatten().tolist(),
    "t": t.flatten().tolist(),
    "init": {k: v.flatten().tolist() for k, v in init.state_dict().items()},
    "runs": results,
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mlp_adam.json")
with open(path, "w") as f:
    json.dump(doc, f)
print(path, {k: (v["losses"][0], v["losses"][-1]) for k, v in results.items()})
