#!/usr/bin/python3
"""Times forward + backward of a small convolutional encoder and its transposed-convolution decoder in PyTorch.

The peer of the `conv` mode of tests/MlNetVae.Benchmarks (ConvBenchmark.cs), which runs the same layers with the
managed engine: batch of 28x28 images, encoder 1 -conv(32, k4, s2, p1)-> 32x14x14 -ReLU- conv(64, k4, s2, p1)
-> 64x7x7, then ReLU and the mirror: convT(32, k4, s2, p1) -> 32x14x14 -ReLU- convT(1, k4, s2, p1) -> 1x28x28,
binary cross-entropy with logits against the input, mean over elements. Prints one JSON line.
Run with Debian's python3-torch:  /usr/bin/python3 tests/reference/conv_bench.py --threads 2
"""
import argparse
import json
import time

import torch

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=2)
p.add_argument("--batch", type=int, default=128)
p.add_argument("--seconds", type=float, default=5.0, help="timed run length, after warm-up")
args = p.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)

encoder = torch.nn.Sequential(torch.nn.Conv2d(1, 32, 4, 2, 1), torch.nn.ReLU(), torch.nn.Conv2d(32, 64, 4, 2, 1))
decoder = torch.nn.Sequential(torch.nn.ReLU(), torch.nn.ConvTranspose2d(64, 32, 4, 2, 1), torch.nn.ReLU(),
                              torch.nn.ConvTranspose2d(32, 1, 4, 2, 1))
params = list(encoder.parameters()) + list(decoder.parameters())
x = torch.rand(args.batch, 1, 28, 28)


def step():
    for q in params:
        q.grad = None
    logits = decoder(encoder(x))
    torch.nn.functional.binary_cross_entropy_with_logits(logits, x).backward()


for _ in range(5):
    step()
steps, start = 0, time.perf_counter()
while time.perf_counter() - start < args.seconds:
    step()
    steps += 1
seconds = time.perf_counter() - start
print(json.dumps(dict(engine="PyTorch " + torch.__version__, threads=args.threads, batch=args.batch, steps=steps,
                      ms_per_step=round(1000 * seconds / steps, 3), images_per_second=round(steps * args.batch / seconds, 1))))
