"""PyTorch eager's side of `cargo xtask bench-train`.

S3.1 (batch 256, x + 0.3·N(0,1) clamped), S0.1 (batch 200, per-image SSE), B1.1 (the deep
autoencoder 784-1000-500-250-30, batch 128, MSE, as its preset) and B1.2 (the U-Net denoiser,
batch 64, noise 0.3 clamped, the per-image PSNR loss, as its preset), each trained for
`--epochs` epochs of `--batches` batches with Adam, PyTorch at its best on a CPU: the images in
one tensor, batches taken by shuffled index (no DataLoader), the same thread count as ours.
Prints one JSON object with each epoch's training images per second.
"""

import argparse
import gzip
import json
import time

import numpy as np
import torch
from torch import nn

from reference_s31 import Decoder, Encoder


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


class S31(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder, self.decoder = Encoder(4), Decoder(4)

    def forward(self, x):
        return self.decoder(self.encoder(x))


class S01(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(1, 128, 4, stride=2), nn.ReLU(),
            nn.Conv2d(128, 128, 4, stride=2), nn.ReLU(),
            nn.Conv2d(128, 32, 4, stride=2))
        self.decoder = nn.Sequential(
            nn.ConvTranspose2d(32, 128, 5, stride=2), nn.ReLU(),
            nn.ConvTranspose2d(128, 128, 5, stride=2), nn.ReLU(),
            nn.ConvTranspose2d(128, 1, 4, stride=2), nn.Sigmoid())

    def forward(self, x):
        return self.decoder(self.encoder(x))


class B11(nn.Module):
    """784-1000-500-250-30 (linear code), mirrored, ReLU, sigmoid output."""

    def __init__(self):
        super().__init__()
        sizes = [784, 1000, 500, 250, 30, 250, 500, 1000, 784]
        layers = []
        for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
            layers.append(nn.Linear(a, b))
            if i == len(sizes) - 2:
                layers.append(nn.Sigmoid())
            elif b != 30:
                layers.append(nn.ReLU())
        self.net = nn.Sequential(nn.Flatten(), *layers)

    def forward(self, x):
        return self.net(x).view_as(x)


def block(i, o):
    return nn.Sequential(
        nn.Conv2d(i, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU(),
        nn.Conv2d(o, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU())


class B12(nn.Module):
    """U-Net c-2c-2c: conv blocks at 28, 14, 7 pixels, max-pool down, 2x2 transposed conv up,
    skip connections concatenated, 1x1 conv and sigmoid."""

    def __init__(self, c=16):
        super().__init__()
        self.down = nn.ModuleList([block(1, c), block(c, 2 * c), block(2 * c, 2 * c)])
        self.upconv1 = nn.ConvTranspose2d(2 * c, 2 * c, 2, stride=2)
        self.upconv0 = nn.ConvTranspose2d(2 * c, c, 2, stride=2)
        self.up1, self.up0 = block(4 * c, 2 * c), block(2 * c, c)
        self.out = nn.Conv2d(c, 1, 1)

    def forward(self, x):
        s28 = self.down[0](x)
        s14 = self.down[1](nn.functional.max_pool2d(s28, 2))
        code = self.down[2](nn.functional.max_pool2d(s14, 2))
        h = self.up1(torch.cat([self.upconv1(code), s14], 1))
        h = self.up0(torch.cat([self.upconv0(h), s28], 1))
        return torch.sigmoid(self.out(h))


def flops_per_image(model, x, loss_fn):
    """Floating-point operations of one image's forward and backward pass, counted by
    PyTorch's FlopCounterMode from the shapes of every convolution and matrix product (an
    addition and a multiplication count two; element-wise work is left out)."""
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    batch = x[:8]
    with counter:
        loss_fn(model(batch), batch).backward()
    model.zero_grad(set_to_none=True)
    return counter.get_total_flops() / batch.shape[0]


def bench(model, x, batch, epochs, lr, noise, loss_fn, bf16):
    optim = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    n = x.shape[0] // batch * batch
    rates = []
    for _ in range(epochs):
        order = torch.randperm(x.shape[0])
        start = time.perf_counter()
        for b in range(0, n, batch):
            target = x.index_select(0, order[b:b + batch])
            inp = torch.clamp(target + torch.randn_like(target) * noise, 0, 1) if noise else target
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                out = model(inp)
            loss = loss_fn(out.float(), target)
            optim.zero_grad()
            loss.backward()
            optim.step()
        rates.append(n / (time.perf_counter() - start))
    return rates


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train-images", required=True)
    ap.add_argument("--batches", type=int, default=30)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--precision", choices=["fp32", "bf16"], default="fp32",
                    help="bf16: the forward pass under torch.autocast('cpu', bfloat16)")
    ap.add_argument("--models", default="s3.1,s0.1,b1.1,b1.2")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    images = read_idx(args.train_images).astype(np.float32) / 255
    out = {}
    sse = lambda out, target: ((out - target) ** 2).flatten(1).sum(1).mean()
    # B1.2's PSNR loss: each image's 10·log10(MSE + 1e-8), averaged (ae_models::Loss::Psnr).
    psnr = lambda out, target: (10 * torch.log10(((out - target) ** 2).flatten(1).mean(1) + 1e-8)).mean()
    for name, model, batch, lr, noise, loss_fn in [
        ("s3.1", S31(), 256, 1e-3, 0.3, nn.MSELoss()),
        ("s0.1", S01(), 200, 1e-5, 0.0, sse),
        ("b1.1", B11(), 128, 1e-3, 0.0, nn.MSELoss()),
        ("b1.2", B12(), 64, 2e-3, 0.3, psnr),
    ]:
        if name not in args.models.split(","):
            continue
        x = torch.from_numpy(images[: args.batches * batch]).unsqueeze(1).contiguous()
        torch.manual_seed(0)
        flops = flops_per_image(model, x, loss_fn)
        out[name] = {
            "flops_per_image": flops,
            "images_per_second": bench(model, x, batch, args.epochs, lr, noise, loss_fn,
                                       args.precision == "bf16"),
            "batches": args.batches,
        }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
