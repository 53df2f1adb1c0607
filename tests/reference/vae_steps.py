#!/usr/bin/python3
"""Writes vae_steps.json: a small mixed VAE trained for 40 Adam steps in PyTorch, the managed backend's golden.

The model is MlNetVae's, term for term (src/MlNetVae/Graph): raw rows standardized by the input.mean/input.scale
buffers and clamped to +-1e6; encoder Linear-ReLU-Linear-ReLU-Linear emitting [mean | log-variance] with the
log-variance clamped to +-15; z = mean + exp(logvar / 2) * eps; decoder mirroring it; per feature block the
Bernoulli BCE on logits, the Gaussian NLL with one learned log-variance per feature, the categorical
cross-entropy; KL to N(0, I); loss = mean reconstruction + w * (mean KL, or with free bits the sum over latent
dimensions of max(batch-mean KL, free bits)); Adam (0.9, 0.999, 1e-8). The state dict names are PyTorch's own
and are MlNetVae's. Initial weights are PyTorch's default init with a fixed seed; the batches (row indices) and the
noise of every step are in the file, so the C# test (Training/PyTorchParityTests.cs) replays them exactly.
Run with Debian's python3-torch, from a folder other than the repository root:
    cd / && /usr/bin/python3 /path/to/tests/reference/vae_steps.py
"""
import json
import math
import os

import torch
import torch.nn.functional as F

torch.manual_seed(0)
torch.set_num_threads(1)

ROWS, BATCH, STEPS, LATENT, HIDDEN = 96, 32, 40, 3, [16, 8]
LAYOUT = [("bernoulli", 0, 3), ("gaussian", 3, 3), ("categorical", 6, 3)]
D = sum(n for _, _, n in LAYOUT)
B, G, C = (slice(s, s + n) for _, s, n in LAYOUT)
LOG_VAR_CLAMP, INPUT_LIMIT = 15.0, 1e6

# Raw rows: Bernoulli values in [0, 1] (some exactly 0 or 1), Gaussian values of different scales and offsets driven by
# the same 2 factors, and a category following the first factor.
factors = torch.randn(ROWS, 2)
rows = torch.zeros(ROWS, D)
rows[:, B] = torch.sigmoid(factors @ torch.randn(2, 3) * 2)
rows[::4, 0] = rows[::4, 0].round()
rows[:, G] = (factors @ torch.randn(2, 3) + 0.1 * torch.randn(ROWS, 3)) * torch.tensor([1.0, 30.0, 0.01]) + torch.tensor([5.0, -200.0, 0.5])
rows[torch.arange(ROWS), 6 + torch.bucketize(factors[:, 0].contiguous(), torch.tensor([-0.5, 0.5]))] = 1.0

mean = torch.zeros(D, dtype=torch.float64)
scale = torch.ones(D, dtype=torch.float64)
g64 = rows[:, G].double()
mean[G] = g64.mean(0)
scale[G] = (g64 - g64.mean(0)).pow(2).mean(0).sqrt()  # population deviation, as FeatureStatistics.Fit


class Gaussian(torch.nn.Module):
    def __init__(self, n):
        super().__init__()
        self.log_var = torch.nn.Parameter(torch.zeros(n))


def mlp(sizes):
    layers = []
    for i in range(len(sizes) - 1):
        if i > 0:
            layers.append(torch.nn.ReLU())
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
    return torch.nn.Sequential(*layers)


class Vae(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.input = torch.nn.Module()
        self.input.register_buffer("mean", mean.float())
        self.input.register_buffer("scale", scale.float())
        self.encoder = mlp([D] + HIDDEN + [2 * LATENT])
        self.decoder = mlp([LATENT] + HIDDEN[::-1] + [D])
        self.likelihood = torch.nn.ModuleDict({"3": Gaussian(3)})

    def loss(self, raw, eps, kl_weight, free_bits):
        x = ((raw - self.input.mean) / self.input.scale).clamp(-INPUT_LIMIT, INPUT_LIMIT)
        stats = self.encoder(x)
        mu, log_var = stats[:, :LATENT], stats[:, LATENT:].clamp(-LOG_VAR_CLAMP, LOG_VAR_CLAMP)
        out = self.decoder(mu + torch.exp(0.5 * log_var) * eps)
        v = self.likelihood["3"].log_var
        bernoulli = F.binary_cross_entropy_with_logits(out[:, B], x[:, B], reduction="none").sum(1)
        gaussian = (0.5 * (math.log(2 * math.pi) + v + (x[:, G] - out[:, G]) ** 2 * torch.exp(-v))).sum(1)
        t = x[:, C]
        categorical = t.sum(1) * torch.logsumexp(out[:, C], 1) - (t * out[:, C]).sum(1)
        reconstruction = bernoulli + gaussian + categorical
        kl_elements = 0.5 * (torch.exp(log_var) + mu ** 2 - 1 - log_var)
        kl = kl_elements.sum(1)
        kl_term = kl_elements.mean(0).clamp(min=free_bits).sum() if free_bits > 0 else kl.mean()
        return reconstruction.mean() + kl_weight * kl_term, reconstruction.mean(), kl.mean()


init = Vae()
generator = torch.Generator().manual_seed(1)
batches = [torch.randperm(ROWS, generator=generator)[:BATCH] for _ in range(STEPS)]
noise = [torch.randn(BATCH, LATENT, generator=generator) for _ in range(STEPS)]
runs = {
    # KL warm-up: the weight climbs from 0 to 1 over the first 10 steps.
    "warmup": dict(lr=5e-3, free_bits=0.0, kl_weights=[min(1.0, s / 10) for s in range(STEPS)]),
    # Free bits: each latent dimension's batch-mean KL floored at 0.3 nats (the floor binds early, not later).
    "free_bits": dict(lr=1e-2, free_bits=0.3, kl_weights=[1.0] * STEPS),
}
results = {}
for name, cfg in runs.items():
    model = Vae()
    model.load_state_dict(init.state_dict())
    opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"])
    losses, reconstructions, kls = [], [], []
    for step in range(STEPS):
        opt.zero_grad()
        loss, reconstruction, kl = model.loss(rows[batches[step]], noise[step], cfg["kl_weights"][step], cfg["free_bits"])
        loss.backward()
        opt.step()
        losses.append(loss.item())
        reconstructions.append(reconstruction.item())
        kls.append(kl.item())
    results[name] = dict(cfg, losses=losses, reconstructions=reconstructions, kls=kls,
                         final={k: v.flatten().tolist() for k, v in model.state_dict().items()})

doc = {
    "torch_version": torch.__version__,
    "layout": [dict(kind=k, start=s, length=n) for k, s, n in LAYOUT],
    "hidden": HIDDEN,
    "latent": LATENT,
    "rows": rows.flatten().tolist(),
    "tensors": [dict(name=k, shape=list(v.shape)) for k, v in init.state_dict().items()],
    "init": {k: v.flatten().tolist() for k, v in init.state_dict().items()},
    "batches": [b.tolist() for b in batches],
    "noise": [n.flatten().tolist() for n in noise],
    "runs": results,
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vae_steps.json")
with open(path, "w") as f:
    json.dump(doc, f)
print(path, {k: (v["losses"][0], v["losses"][-1], v["kls"][-1]) for k, v in results.items()})
