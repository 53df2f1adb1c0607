#!/usr/bin/python3
"""The pytorch/examples VAE on Fashion-MNIST: the peer MlNetVae's VAE benchmark measures itself against.

Encoder 784-400-20 (ReLU), decoder 20-400-784 (logits), pixels / 255 as Bernoulli targets, batch 128,
Adam lr 1e-3. Prints one JSON line: training samples/s, epochs, seconds, and the test-set negative ELBO
per image (one z sample per image, as the example's test loop does).

--conv trains MlNetVae's default image model instead: Conv2d(1, 32, 4, 2, 1), ReLU, Conv2d(32, 64, 4, 2, 1), ReLU,
Linear(3136, 256), ReLU, Linear(256, 2 x 8); decoder Linear(8, 256), ReLU, Linear(256, 3136), ReLU,
ConvTranspose2d(64, 32, 4, 2, 1), ReLU, ConvTranspose2d(32, 1, 4, 2, 1) (--hidden 0 drops the two 256 layers: the
default before it gave 28x28 images a dense layer);
pixels standardized per pixel (population std floored at a quarter of the pooled std, 1 for constant pixels) with a
Gaussian likelihood whose log-variance is learned per pixel (initialized to 0), the NLL in standardized units, as
MlNetVae computes it.
Run with Debian's python3-torch:  /usr/bin/python3 tests/reference/vae_fashion.py --epochs 10 --threads 2
"""
import argparse
import gzip
import json
import time

import numpy as np
import torch
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
p.add_argument("--epochs", type=int, default=10)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--seed", type=int, default=1)
p.add_argument("--conv", action="store_true", help="MlNetVae's default image model (see above)")
p.add_argument("--hidden", type=int, default=256, help="--conv: the dense layer's width between convolutions and latent (0 = none)")
p.add_argument("--train-limit", type=int, default=0, help="use only the first N training images (0 = all)")
args = p.parse_args()
if args.hidden < 0:
    p.error(f"--hidden must be 0 (no dense layer) or a positive width, got {args.hidden}")
torch.manual_seed(args.seed)
torch.set_num_threads(args.threads)


def images(name):
    with gzip.open(f"{args.data}/{name}", "rb") as f:
        raw = np.frombuffer(f.read(), dtype=np.uint8, offset=16)
    return torch.from_numpy(raw.reshape(-1, 784).astype(np.float32) / 255.0)


train = images("train-images-idx3-ubyte.gz")
if args.train_limit:
    train = train[:args.train_limit]
test = images("t10k-images-idx3-ubyte.gz")


class ConvVAE(torch.nn.Module):
    def __init__(self, latent=8, hidden=256):
        super().__init__()
        self.latent = latent
        enc_dense = [torch.nn.Linear(64 * 7 * 7, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 2 * latent)] if hidden \
            else [torch.nn.Linear(64 * 7 * 7, 2 * latent)]
        dec_dense = [torch.nn.Linear(latent, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 64 * 7 * 7)] if hidden \
            else [torch.nn.Linear(latent, 64 * 7 * 7)]
        self.enc = torch.nn.Sequential(
            torch.nn.Conv2d(1, 32, 4, 2, 1), torch.nn.ReLU(), torch.nn.Conv2d(32, 64, 4, 2, 1), torch.nn.ReLU(),
            torch.nn.Flatten(), *enc_dense)
        self.dec = torch.nn.Sequential(
            *dec_dense, torch.nn.ReLU(), torch.nn.Unflatten(1, (64, 7, 7)),
            torch.nn.ConvTranspose2d(64, 32, 4, 2, 1), torch.nn.ReLU(), torch.nn.ConvTranspose2d(32, 1, 4, 2, 1), torch.nn.Flatten())
        self.log_var = torch.nn.Parameter(torch.zeros(784))

    def forward(self, x):
        h = self.enc(x.view(-1, 1, 28, 28))
        mu, logvar = h[:, :self.latent], h[:, self.latent:]
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.dec(z), mu, logvar


def gaussian_loss_fn(mean, x, mu, logvar, log_var):
    nll = 0.5 * torch.sum(np.log(2 * np.pi) + log_var + (x - mean).pow(2) * torch.exp(-log_var))
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return nll + kld


class VAE(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(784, 400)
        self.fc21 = torch.nn.Linear(400, 20)
        self.fc22 = torch.nn.Linear(400, 20)
        self.fc3 = torch.nn.Linear(20, 400)
        self.fc4 = torch.nn.Linear(400, 784)

    def forward(self, x):
        h = F.relu(self.fc1(x))
        mu, logvar = self.fc21(h), self.fc22(h)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.fc4(F.relu(self.fc3(z))), mu, logvar


def loss_fn(logits, x, mu, logvar):
    bce = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kld


if args.conv:
    center = train.mean(0)
    spread = train.std(0, unbiased=False)
    # MlNetVae's image floor (FeatureStatistics.ImageScaleFloor): no pixel's scale below a quarter of the pooled deviation.
    floor = 0.25 * spread.pow(2).mean().sqrt()
    spread = torch.where(spread > 1e-12, torch.clamp(spread, min=floor.item()), torch.ones_like(spread))
    train, test = (train - center) / spread, (test - center) / spread
    model = ConvVAE(hidden=args.hidden)
    loss_fn = lambda out, x, mu, logvar: gaussian_loss_fn(out, x, mu, logvar, model.log_var)
else:
    model = VAE()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
start = time.perf_counter()
for epoch in range(args.epochs):
    model.train()
    for batch in torch.randperm(len(train)).split(128):
        x = train[batch]
        opt.zero_grad()
        loss = loss_fn(*(lambda r: (r[0], x, r[1], r[2]))(model(x)))
        loss.backward()
        opt.step()
seconds = time.perf_counter() - start

model.eval()
total = 0.0
with torch.no_grad():
    for x in test.split(1000):
        logits, mu, logvar = model(x)
        total += loss_fn(logits, x, mu, logvar).item()
print(json.dumps({
    "peer": f"pytorch {torch.__version__}", "model": "conv" if args.conv else "dense", "threads": args.threads, "epochs": args.epochs,
    "train_rows": len(train), "seconds": round(seconds, 3),
    "samples_per_second": round(args.epochs * len(train) / seconds, 1),
    "test_neg_elbo": round(total / len(test), 3)}))
