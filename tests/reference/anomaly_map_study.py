"""Issue 21's offline study of image anomaly maps: does a per-pixel standardized error term put the map's maximum
inside a pasted patch, and what does it do to the one-class AUROC?

Reads the dump of `dotnet run -c Release --project tests/MlNetVae.Benchmarks -- explain --images --dump DIR` (per
class: the rows, reconstructions in raw units and squared latent Mahalanobis distances of the training images, the
10,000 test images and the patched test images, with the patches' places) and prints, per candidate score, the share
of patched images whose map maximum lies inside the patch (all of them, those whose patch changes its pixels by
>= 0.25 on average, those the score flags at the default threshold, and by the patch's mean change) and the score's
AUROC on the test images. Each score and its map are computed as the library computes them (ScoreFormulas.Parts and
Split): a term is standardized by its training mean and deviation, a feature term's value goes to the pixels in
proportion to the values summed inside its log. Three splits: "signed", the library's (share * value, so a term below
its training mean ranks pixels upside down), "abs" (share * |value| + (value - |value|) / D: the same sum, pixels
ranked by their share whatever the sign) and "shapley" (the Aumann-Shapley split from the training rows' mean map:
each pixel's excess over its training mean, see shapley()). The library's RelativeMultiscaleSum is "Ub1:0.3 +.5B+.1C".

Terms: A = ln sum S (S = the squared 3x3 mean of the residual, the default's smoothed error), B = ln d^2, C = ln sum of
the squared residual; U:e = ln sum u with u_p = S_p / (m_p + e mean(m)), m_p the training mean of S_p (a pixel's error
in units of its usual error), Ub1:e the same with u smoothed once more by the 3x3 mean before the split (the term is the
sum of the smoothed u), Ub:e smoothed twice. Usage: anomaly_map_study.py DIR [classes, e.g. 0,1,2]
"""
import sys

import numpy as np
from sklearn.metrics import roc_auc_score

SIDE, PATCH, FLOOR = 28, 6, 1e-30
BINS = [0, 0.05, 0.1, 0.25, 0.5, 2]
SCORES = {
    "default": [("A", 1), ("B", .5), ("C", .1)],
    "U:0.3 +.5B": [("U:0.3", 1), ("B", .5)],
    "Ub1:0.1 +.5B": [("Ub1:0.1", 1), ("B", .5)],
    "Ub1:0.3 +.5B": [("Ub1:0.3", 1), ("B", .5)],
    "Ub1:0.3 +.5B+.1C": [("Ub1:0.3", 1), ("B", .5), ("C", .1)],
    "Ub1:0.3 +.5B+.2C": [("Ub1:0.3", 1), ("B", .5), ("C", .2)],
    "Ub1:1 +.5B+.1C": [("Ub1:1", 1), ("B", .5), ("C", .1)],
    "Ub:0.1 +.5B": [("Ub:0.1", 1), ("B", .5)],
    "Ub1:0.1 +.5B+.1C": [("Ub1:0.1", 1), ("B", .5), ("C", .1)],
    "A+.5B+.1C + U:0.1": [("A", 1), ("B", .5), ("C", .1), ("U:0.1", 1)],
}


def local_mean(a):
    """The 3x3 mean of each pixel's neighbourhood, zero padding, divided by 9 (IOps.LocalMean), [n, 784]."""
    img = a.reshape(-1, SIDE, SIDE)
    padded = np.pad(img, ((0, 0), (1, 1), (1, 1)))
    return sum(padded[:, dy:dy + SIDE, dx:dx + SIDE] for dy in range(3) for dx in range(3)).reshape(a.shape) / 9


def flog(v):
    return np.log(np.maximum(v, FLOOR))


def load(folder, part):
    x, recon, d2 = (np.load(f"{folder}/{part}_{n}.npy").astype(np.float64) for n in ("x", "recon", "d2"))
    e = x - recon
    return dict(x=x, S=local_mean(e) ** 2, P=e ** 2, d2=d2)


def shapley(v, base, stat):
    """The Aumann-Shapley (integrated-gradients) split of (ln sum v - mean) / std from the baseline row `base` (the
    training rows' mean per pixel): pixel p gets (v_p - base_p) (ln sum v - ln sum base) / (sum v - sum base) / std,
    and the constant (ln sum base - mean) / std is shared equally; the parts add up to the term exactly."""
    total, btotal = v.sum(1, keepdims=True), base.sum()
    gap = total - btotal
    safe = np.where(np.abs(gap) > 1e-9 * btotal, gap, 1.0)
    factor = np.where(np.abs(gap) > 1e-9 * btotal, (flog(total) - np.log(btotal)) / safe, 1 / btotal)
    return ((v - base) * factor + (np.log(btotal) - stat[0]) / v.shape[1]) / stat[1]


def main(root, classes):
    terms = sorted({n for parts in SCORES.values() for n, _ in parts})
    hits, auroc = {}, {s: [] for s in SCORES}
    for c in classes:
        folder = f"{root}/class{c}"
        train, test = load(folder, "train"), load(folder, "test")
        labels = np.load(f"{folder}/test_labels.npy")
        mean_s = train["S"].mean(0)

        def per_pixel(rows, name):
            if name in ("A", "C"):
                return rows["S" if name == "A" else "P"]
            kind, eps = name.split(":")
            u = rows["S"] / (mean_s + float(eps) * mean_s.mean())
            return {"U": u, "Ub1": local_mean(u), "Ub": local_mean(local_mean(u))}[kind]

        def term(rows, name):
            return flog(rows["d2"]) if name == "B" else flog(per_pixel(rows, name).sum(1))

        stats = {n: (term(train, n).mean(), term(train, n).std()) for n in terms}

        def z(rows):
            return {n: (term(rows, n) - stats[n][0]) / stats[n][1] for n in terms}

        z_train, z_test = z(train), z(test)
        for s, parts in SCORES.items():
            auroc[s].append(roc_auc_score(labels != c, sum(w * z_test[n] for n, w in parts)))
        before = test["x"][labels == c]
        for kind in ("square", "piece"):
            rows = load(folder, kind)
            places = np.load(f"{folder}/{kind}_places.npy").astype(int)
            change = np.array([np.abs(rows["x"][i] - before[i]).reshape(SIDE, SIDE)[r:r + PATCH, q:q + PATCH].mean()
                               for i, (r, q) in enumerate(places)])
            z_rows = z(rows)
            for s, parts in SCORES.items():
                cut = np.quantile(sum(w * z_train[n] for n, w in parts), 0.9)
                flagged = sum(w * z_rows[n] for n, w in parts) > cut
                for split in ("signed", "abs", "shapley"):
                    heat = 0
                    for n, w in parts:
                        if n == "B":
                            continue  # the latent part is no pixel's
                        v = per_pixel(rows, n)
                        share, value = v / np.maximum(v.sum(1, keepdims=True), FLOOR), (w * z_rows[n])[:, None]
                        if split == "shapley":
                            part = shapley(v, per_pixel(train, n).mean(0), stats[n])
                            assert np.allclose(part.sum(1), z_rows[n], atol=1e-6), "the split must add up to the term"
                            heat = heat + w * part
                        else:
                            heat = heat + (share * value if split == "signed"
                                           else share * np.abs(value) + (value - np.abs(value)) / v.shape[1])
                    top = heat.argmax(1)
                    inside = ((top // SIDE >= places[:, 0]) & (top // SIDE < places[:, 0] + PATCH)
                              & (top % SIDE >= places[:, 1]) & (top % SIDE < places[:, 1] + PATCH))
                    row = [inside.sum(), len(inside), (inside & (change >= .25)).sum(), (change >= .25).sum(),
                           (inside & flagged).sum(), flagged.sum()]
                    for lo, hi in zip(BINS, BINS[1:]):
                        in_bin = (change >= lo) & (change < hi)
                        row += [(inside & in_bin).sum(), in_bin.sum()]
                    hits[(kind, s, split)] = hits.get((kind, s, split), 0) + np.array(row)
    print(f"classes {classes}: map maximum inside the patch, all / change >= 0.25 / flagged; by mean change [lo, hi) (images)")
    for kind in ("square", "piece"):
        print(f"\n{kind}")
        for (k, s, split), t in hits.items():
            if k == kind:
                by_change = " ".join(f"{t[6 + 2 * i] / max(t[7 + 2 * i], 1):.2f}({t[7 + 2 * i]})" for i in range(len(BINS) - 1))
                print(f"  {s + ' [' + split + ']':34s} {t[0] / t[1]:6.3f} {t[2] / t[3]:6.3f} {t[4] / t[5]:6.3f}   {by_change}")
    print("\nAUROC on the test images, mean and per class")
    for s, values in auroc.items():
        print(f"  {s:24s} {np.mean(values):.4f}  " + " ".join(f"{v:.4f}" for v in values))


if __name__ == "__main__":
    main(sys.argv[1], [int(c) for c in (sys.argv[2] if len(sys.argv) > 2 else "0,1,2,3,4,5,6,7,8,9").split(",")])
