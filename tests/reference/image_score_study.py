"""Issue 21 and 25's offline study of image scores on every image set of the anomaly harness: is a score whose
smoothed error is measured in units of each pixel's usual error as good as the default on Fashion-MNIST (full and 690
per class) and the 8x8 digits?

Reads the dumps of `dotnet run -c Release --project tests/MlNetVae.Benchmarks -- anomaly --sets fashion,fashion690,digits
--skip-tabular --dump DIR` (per task folder {set}-{class} or digits-{digit}-{split}: the training and test rows, their
posterior means and log-variances and reconstructions in raw units, the test labels) and prints per set the mean AUROC
of each candidate (digits: each digit's mean over its splits, then the mean over digits), with the per-class figures.
Terms as the library computes them (Graph/ScoreFormulas.cs), each z-scored on the training rows: A = ln sum S
(S = the squared 3x3 mean of the residual), B = ln d^2 (the aggregate posterior's Mahalanobis distance, as
Inference/LatentGaussian.cs fits it), C = ln sum of the squared residual; Ub1:e = ln sum of the 3x3 mean of
u = S / (m + e mean(m)), m the training rows' mean of S per pixel (the smoothed error in units of its usual level);
Cu:e = ln sum of P / (mP + e mean(mP)) (the pixel error likewise); Q = ln sum of the 3x3 mean of D / (mD + 0.3 mean(mD))
with D = 1 - SSIM per pixel (window: the 3x3 mean applied twice; images mapped to [0, 1] by the training pixels' lowest
value and range), the structural term of StructuralMultiscaleSum; Qa = ln sum D (not relative); Q5 = Q over a 5x5 box
window. Usage: image_score_study.py DIR [folder prefix, e.g. digits]
"""
import glob
import os
import sys
from collections import defaultdict

import numpy as np
from sklearn.metrics import roc_auc_score

FLOOR = 1e-30
SCORES = {
    "default A+.5B+.1C": [("A", 1), ("B", .5), ("C", .1)],
    "Ub1:0.3+.5B": [("Ub1:0.3", 1), ("B", .5)],
    "Ub1:0.3+.5B+.1C": [("Ub1:0.3", 1), ("B", .5), ("C", .1)],
    "Ub1:0.3+.5B+.1Cu:0.3": [("Ub1:0.3", 1), ("B", .5), ("Cu:0.3", .1)],
    "Ub1:0.3+.5B+.2C": [("Ub1:0.3", 1), ("B", .5), ("C", .2)],
    "Ub1:1+.5B+.1C": [("Ub1:1", 1), ("B", .5), ("C", .1)],
    "Ub1:0.1+.5B+.1C": [("Ub1:0.1", 1), ("B", .5), ("C", .1)],
    "Ub1:0.3+.5B+.1C+Q (w 0.5)": [("Ub1:0.3", 1), ("B", .5), ("C", .1), ("Q", .5)],
    "Ub1:0.3+.5B+.1C+Q (w 1)": [("Ub1:0.3", 1), ("B", .5), ("C", .1), ("Q", 1)],
    "Ub1:0.3+.5B+.1C+Q (w 1.5, Structural)": [("Ub1:0.3", 1), ("B", .5), ("C", .1), ("Q", 1.5)],
    "Ub1:0.3+.5B+.1C+Q (w 2)": [("Ub1:0.3", 1), ("B", .5), ("C", .1), ("Q", 2)],
    "Ub1:0.3+.5B+.1C+1.5Qa": [("Ub1:0.3", 1), ("B", .5), ("C", .1), ("Qa", 1.5)],
    "Ub1:0.3+.5B+.1C+Q5": [("Ub1:0.3", 1), ("B", .5), ("C", .1), ("Q5", 1)],
    "Q+.5B+.1C": [("Q", 1), ("B", .5), ("C", .1)],
    "Q": [("Q", 1)],
}


def local_mean(a, side):
    """IOps.LocalMean: the 3x3 mean, zero padding, divided by 9."""
    return box(a, side, 3)


def box(a, side, k):
    """The k x k mean of each pixel's neighbourhood, zero padding, divided by k^2."""
    img, r = a.reshape(-1, side, side), k // 2
    padded = np.pad(img, ((0, 0), (r, r), (r, r)))
    return sum(padded[:, dy:dy + side, dx:dx + side] for dy in range(k) for dx in range(k)).reshape(a.shape) / (k * k)


def dissimilarity(x, y, side, window):
    """1 - SSIM per pixel (C1 = 0.01^2, C2 = 0.03^2 for images in [0, 1]) over window(a), clipped to [0, 2]."""
    mx, my = window(x), window(y)
    cov = window(x * y) - mx * my
    variances = window(x * x + y * y) - mx * mx - my * my
    ssim = (2 * mx * my + 1e-4) * (2 * cov + 9e-4) / ((mx * mx + my * my + 1e-4) * (variances + 9e-4))
    return np.clip(1 - ssim, 0, 2)


def flog(v):
    return np.log(np.maximum(v, FLOOR))


def task(folder):
    load = lambda name: np.load(os.path.join(folder, name)).astype(np.float64)
    rows = {p: dict(x=load(f"{p}_x.npy"), recon=load(f"{p}_recon.npy"), mean=load(f"{p}_mean.npy"), logvar=load(f"{p}_logvar.npy"))
            for p in ("train", "test")}
    anomalous = load("test_anomalous.npy") > 0.5
    side = int(round(np.sqrt(rows["train"]["x"].shape[1])))
    mu = rows["train"]["mean"]
    center = mu.mean(0)
    cov = (mu.T @ mu) / len(mu) - np.outer(center, center) + np.diag(np.exp(rows["train"]["logvar"]).mean(0))
    cov += np.eye(len(center)) * (1e-6 * np.diag(cov).mean() + 1e-12)
    inv = np.linalg.inv(cov)
    low = rows["train"]["x"].min()
    span = rows["train"]["x"].max() - low
    for r in rows.values():
        x, y = (r["x"] - low) / span, (r["recon"] - low) / span
        r["D"] = dissimilarity(x, y, side, lambda a: local_mean(local_mean(a, side), side))
        r["D5"] = dissimilarity(x, y, side, lambda a: box(a, side, 5))
        e = r["x"] - r["recon"]
        r["S"], r["P"] = local_mean(e, side) ** 2, e ** 2
        dm = r["mean"] - center
        r["d2"] = np.einsum("ij,jk,ik->i", dm, inv, dm)
    m_s, m_p = rows["train"]["S"].mean(0), rows["train"]["P"].mean(0)
    m_d, m_d5 = rows["train"]["D"].mean(0), rows["train"]["D5"].mean(0)

    def term(r, name):
        if name == "B":
            return flog(r["d2"])
        if name in ("A", "C"):
            return flog(r["S" if name == "A" else "P"].sum(1))
        if name == "Qa":
            return flog(r["D"].sum(1))
        if name in ("Q", "Q5"):
            d, m = (r["D"], m_d) if name == "Q" else (r["D5"], m_d5)
            return flog(local_mean(d / (m + 0.3 * m.mean()), side).sum(1))
        kind, eps = name.split(":")
        if kind == "Ub1":
            return flog(local_mean(r["S"] / (m_s + float(eps) * m_s.mean()), side).sum(1))
        return flog((r["P"] / (m_p + float(eps) * m_p.mean())).sum(1))

    names = sorted({n for parts in SCORES.values() for n, _ in parts})
    train_terms = {n: term(rows["train"], n) for n in names}
    z = {n: (term(rows["test"], n) - train_terms[n].mean()) / train_terms[n].std() for n in names}
    return {s: roc_auc_score(anomalous, sum(w * z[n] for n, w in parts)) for s, parts in SCORES.items()}


def main(root, prefix=""):
    per_set = defaultdict(lambda: defaultdict(list))  # set -> class -> [auroc dicts]
    for folder in sorted(glob.glob(os.path.join(root, prefix + "*"))):
        parts = os.path.basename(folder).split("-")
        per_set[parts[0]][int(parts[1])].append(task(folder))
    for name, classes in per_set.items():
        print(f"\n{name}: mean AUROC, then per class")
        for s in SCORES:
            values = [np.mean([r[s] for r in runs]) for _, runs in sorted(classes.items())]
            print(f"  {s:26s} {np.mean(values):.4f}  " + " ".join(f"{v:.4f}" for v in values))


if __name__ == "__main__":
    main(*sys.argv[1:])
