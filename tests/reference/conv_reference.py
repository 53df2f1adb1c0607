#!/usr/bin/python3
"""Writes conv_reference.json: Conv2d and ConvTranspose2d values and gradients computed by PyTorch.

The C# test (Engine/Nn/ConvReferenceTests.cs) loads the inputs and weights from the file, runs the same layers
with the managed engine and compares outputs and every gradient. Layouts are PyTorch's: images NCHW flattened per
image (the engine's [batch, C*H*W] rows), Conv2d weight [out, in, kh, kw], ConvTranspose2d weight [in, out, kh, kw].
Run with Debian's python3-torch:  /usr/bin/python3 tests/reference/conv_reference.py
"""
import json
import os

import torch

torch.manual_seed(0)
torch.set_num_threads(1)
torch.backends.mkldnn.enabled = False  # the plain reference kernels; oneDNN agrees to rounding anyway
BATCH = 2


def floats(t):
    # 9 significant digits round-trip a float32 and keep the file small.
    return [float("%.9g" % v) for v in t.detach().flatten().tolist()]


# name, transposed, in channels, height, width, out channels, kernel (h, w), stride, padding, output padding
LAYERS = [
    ("odd_image_conv", False, 3, 5, 3, 5, (3, 3), 1, 1, 0),
    ("kernel_5x3_stride_3", False, 2, 9, 7, 4, (5, 3), 3, 2, 0),
    ("transposed_7_to_14", True, 3, 7, 7, 2, (3, 3), 2, 1, 1),
    ("transposed_stride_3", True, 2, 3, 5, 3, (2, 3), 3, 1, 2),
]

layers = []
for name, transposed, c, h, w, o, kernel, stride, padding, output_padding in LAYERS:
    if transposed:
        layer = torch.nn.ConvTranspose2d(c, o, kernel, stride, padding, output_padding)
    else:
        layer = torch.nn.Conv2d(c, o, kernel, stride, padding)
    x = torch.randn(BATCH, c, h, w, requires_grad=True)
    y = layer(x)
    dy = torch.randn_like(y)
    y.backward(dy)
    layers.append(dict(
        name=name, transposed=transposed, in_channels=c, height=h, width=w, out_channels=o,
        kernel=list(kernel), stride=stride, padding=padding, output_padding=output_padding, batch=BATCH,
        out_shape=list(y.shape[1:]),
        x=floats(x), weight=floats(layer.weight), bias=floats(layer.bias), dy=floats(dy),
        y=floats(y), dx=floats(x.grad), dweight=floats(layer.weight.grad), dbias=floats(layer.bias.grad)))

# A 28x28 -> 14x14 -> 7x7 stride-2 encoder and its transposed mirror, chained, as a convolutional VAE uses them.
encoder = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 4, 2, 1), torch.nn.ReLU(), torch.nn.Conv2d(4, 8, 4, 2, 1))
decoder = torch.nn.Sequential(torch.nn.ConvTranspose2d(8, 4, 4, 2, 1), torch.nn.ReLU(), torch.nn.ConvTranspose2d(4, 1, 4, 2, 1))
x = torch.rand(BATCH, 1, 28, 28, requires_grad=True)
h = encoder(x)
y = decoder(torch.relu(h))
dy = torch.randn_like(y)
y.backward(dy)
named = [("encoder." + k, v) for k, v in encoder.named_parameters()] + [("decoder." + k, v) for k, v in decoder.named_parameters()]
autoencoder = dict(
    batch=BATCH, x=floats(x), dy=floats(dy), h=floats(h), y=floats(y), dx=floats(x.grad),
    params={k: floats(v) for k, v in named}, grads={k: floats(v.grad) for k, v in named})

doc = {"torch_version": torch.__version__, "layers": layers, "autoencoder": autoencoder}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "conv_reference.json")
with open(path, "w") as f:
    json.dump(doc, f, separators=(",", ":"))
    f.write("\n")
print(f"wrote {path}")
