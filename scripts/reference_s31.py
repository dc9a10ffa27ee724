"""Seed 003's S3.1–S3.3 in PyTorch eager, as the seed wrote it, to measure what it reaches here.

Same architecture, loss, optimiser, batch size, split (torch.random_split of the 60,000 training
images into 48,000 / 12,000 after torch.manual_seed), noise (x + 0.3·N(0,1) clamped) and epochs
as `ae denoise`; data loaded from the IDX files instead of torchvision. Prints one JSON object
with the test PSNR of the noisy and denoised images (over the whole test set, and averaged per
image), the validation loss per epoch and the k-means (10) accuracy on the training codes.

    python scripts/reference_s31.py --data-dir data/mnist [--epochs 30] [--seed 0]

Needs torch==2.11.0, numpy, scipy and scikit-learn (`cargo xtask bench-train` makes
~/.cache/ae/bench-torch with torch; add `pip install scikit-learn` there).
"""

import argparse
import gzip
import json
import time

import numpy as np
import torch
from torch import nn


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


class Encoder(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.cnn = nn.Sequential(
            nn.Conv2d(1, 8, 3, stride=2, padding=1), nn.ReLU(True),
            nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.BatchNorm2d(16), nn.ReLU(True),
            nn.Conv2d(16, 32, 3, stride=2, padding=0), nn.ReLU(True))
        self.lin = nn.Sequential(nn.Linear(288, 128), nn.ReLU(True), nn.Linear(128, d))

    def forward(self, x):
        return self.lin(torch.flatten(self.cnn(x), 1))


class Decoder(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.lin = nn.Sequential(nn.Linear(d, 128), nn.ReLU(True), nn.Linear(128, 288), nn.ReLU(True))
        self.conv = nn.Sequential(
            nn.ConvTranspose2d(32, 16, 3, stride=2, output_padding=0), nn.BatchNorm2d(16), nn.ReLU(True),
            nn.ConvTranspose2d(16, 8, 3, stride=2, padding=1, output_padding=1), nn.BatchNorm2d(8), nn.ReLU(True),
            nn.ConvTranspose2d(8, 1, 3, stride=2, padding=1, output_padding=1))

    def forward(self, z):
        return torch.sigmoid(self.conv(self.lin(z).view(-1, 32, 3, 3)))


def add_noise(x, factor):
    return torch.clamp(x + torch.randn_like(x) * factor, 0.0, 1.0)


def psnr(a, b):
    return float(10 * torch.log10(1.0 / torch.mean((a - b) ** 2)))


def psnr_per_image(a, b):
    mse = torch.mean((a - b) ** 2, dim=(1, 2, 3))
    return float(torch.mean(10 * torch.log10(1.0 / mse)))


def main():
    # Only the reference run needs these (bench_train.py imports the model classes alone).
    from scipy.optimize import linear_sum_assignment
    from sklearn.cluster import KMeans

    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--noise", type=float, default=0.3)
    args = ap.parse_args()
    d = args.data_dir
    x = torch.from_numpy(read_idx(f"{d}/train-images-idx3-ubyte.gz").astype(np.float32) / 255).unsqueeze(1)
    y = torch.from_numpy(read_idx(f"{d}/train-labels-idx1-ubyte.gz").astype(np.int64))
    xt = torch.from_numpy(read_idx(f"{d}/t10k-images-idx3-ubyte.gz").astype(np.float32) / 255).unsqueeze(1)

    torch.manual_seed(args.seed)
    train_idx, val_idx = torch.utils.data.random_split(range(60000), [48000, 12000])
    train_idx, val_idx = torch.tensor(list(train_idx)), torch.tensor(list(val_idx))
    encoder, decoder = Encoder(4), Decoder(4)
    params = list(encoder.parameters()) + list(decoder.parameters())
    optim = torch.optim.Adam(params, lr=1e-3)
    loss_fn = nn.MSELoss()
    history = []
    start = time.perf_counter()
    for epoch in range(args.epochs):
        encoder.train(); decoder.train()
        # The seed's DataLoader has no shuffle: the same order every epoch.
        for b in range(0, 48000, 256):
            batch = x[train_idx[b:b + 256]]
            out = decoder(encoder(add_noise(batch, args.noise)))
            loss = loss_fn(out, batch)
            optim.zero_grad(); loss.backward(); optim.step()
        encoder.eval(); decoder.eval()
        with torch.no_grad():
            xv = x[val_idx]
            val = float(loss_fn(decoder(encoder(add_noise(xv, args.noise))), xv))
        history.append(val)
    seconds = time.perf_counter() - start
    with torch.no_grad():
        noisy = add_noise(xt, args.noise)
        out = decoder(encoder(noisy))
        codes = encoder(x[train_idx]).numpy()
    labels = y[train_idx].numpy()
    clusters = KMeans(10, random_state=0).fit_predict(codes)
    confusion = np.zeros((10, 10), dtype=np.int64)
    np.add.at(confusion, (clusters, labels), 1)
    r, c = linear_sum_assignment(-confusion)
    print(json.dumps({
        "test_psnr_noisy": psnr(xt, noisy),
        "test_psnr_output": psnr(xt, out),
        "test_psnr_output_per_image_mean": psnr_per_image(xt, out),
        "test_mse_output": float(torch.mean((xt - out) ** 2)),
        "val_loss": history,
        "cluster_accuracy": float(confusion[r, c].sum() / len(labels)),
        "train_seconds": seconds,
    }))


if __name__ == "__main__":
    main()
