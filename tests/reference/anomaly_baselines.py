#!/usr/bin/python3
"""Classical one-class anomaly detectors on the splits MlNetVae's anomaly benchmark scores, for side-by-side AUROC.

Isolation Forest (100 trees), one-class SVM (RBF, nu 0.1, gamma 'scale') and PCA (20 components, squared
reconstruction error), from Debian's python3-sklearn. Prints one JSON line {"iforest": auroc, "ocsvm": ...}.

  fashion --class C [--per-class N --seed S --out DIR]
                             train on the 6,000 training images of class C (pixels / 255), score the 10,000
                             test images; the other 9 classes are the anomalies. With --per-class N, train on a
                             seeded N of them instead (numpy RandomState(S) permutation of the class's rows in file
                             order, the first N), and write their indices into the training file, one a line, to
                             DIR/train_index.csv so the C# side trains on exactly these rows.
  digits --class D --seed S --out DIR
                             sklearn's bundled 8x8 handwritten digits (1,797 images, pixels 0-16, / 16): each digit's
                             images are split by a seeded shuffle (RandomState(S)) into 60% train and 40% test, the
                             same split whatever D is; train on digit D's training part (about 108 images), score the
                             whole test part (about 720 images), the other 9 digits are the anomalies. Writes
                             DIR/train.csv (64 columns) and DIR/test.csv (64 columns + label, 1 = anomaly).
  breast-cancer --seed S --out DIR
                             sklearn's bundled Wisconsin breast cancer table: a seeded 60% of the benign rows
                             train, the other benign rows and every malignant row test (malignant = anomaly).
                             Writes DIR/train.csv (30 columns) and DIR/test.csv (30 columns + label, 1 = anomaly)
                             so the C# side reads exactly these rows. Features are standardized with the training
                             rows' mean and standard deviation before OC-SVM and PCA (Isolation Forest is
                             scale-free); MlNetVae standardizes its Gaussian columns the same way.
Run:  /usr/bin/python3 tests/reference/anomaly_baselines.py fashion --class 0
"""
import argparse
import gzip
import json
import os

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import StandardScaler
from sklearn.svm import OneClassSVM


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    rank = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * rank).reshape(dims)


def fashion(root, cls):
    x_train = idx(f"{root}/train-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float32) / 255
    y_train = idx(f"{root}/train-labels-idx1-ubyte.gz")
    x_test = idx(f"{root}/t10k-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float32) / 255
    y_test = idx(f"{root}/t10k-labels-idx1-ubyte.gz")
    return x_train, y_train, x_test, (y_test != cls).astype(int)


def subsample(x_train, cls_rows, per_class, seed, out):
    picked = np.sort(np.random.RandomState(seed).permutation(cls_rows)[:per_class])
    os.makedirs(out, exist_ok=True)
    np.savetxt(f"{out}/train_index.csv", picked, fmt="%d")
    return x_train[picked]


def digits(cls, seed, out):
    data = load_digits()
    x, y = (data.data / 16).astype(np.float32), data.target
    rng = np.random.RandomState(seed)
    train, test = [], []
    for d in range(10):
        rows = np.flatnonzero(y == d)
        rng.shuffle(rows)
        n_train = int(0.6 * len(rows))
        train.append(rows[:n_train])
        test.append(rows[n_train:])
    train = np.sort(np.concatenate(train))
    test = np.sort(np.concatenate(test))
    train = train[y[train] == cls]
    labels = (y[test] != cls).astype(int)
    os.makedirs(out, exist_ok=True)
    np.savetxt(f"{out}/train.csv", x[train], delimiter=",", fmt="%.9g")
    np.savetxt(f"{out}/test.csv", np.column_stack([x[test], labels]), delimiter=",", fmt="%.9g")
    return x[train], x[test], labels


def breast_cancer(seed, out):
    data = load_breast_cancer()
    x, benign = data.data, data.target == 1
    rows = np.flatnonzero(benign)
    np.random.RandomState(seed).shuffle(rows)
    n_train = int(0.6 * len(rows))
    train, test = rows[:n_train], np.concatenate([rows[n_train:], np.flatnonzero(~benign)])
    labels = (~benign[test]).astype(int)
    os.makedirs(out, exist_ok=True)
    np.savetxt(f"{out}/train.csv", x[train], delimiter=",", fmt="%.9g")
    np.savetxt(f"{out}/test.csv", np.column_stack([x[test], labels]), delimiter=",", fmt="%.9g")
    # The C# side parses the CSV as float32: the baselines see the same rounded values.
    x32 = x.astype(np.float32).astype(np.float64)
    scaler = StandardScaler().fit(x32[train])
    return x32[train], x32[test], labels, scaler


def scores(x_train, x_test, scaled_train, scaled_test):
    iforest = IsolationForest(n_estimators=100, random_state=0).fit(x_train)
    ocsvm = OneClassSVM(kernel="rbf", nu=0.1, gamma="scale").fit(scaled_train)
    pca = PCA(n_components=20, random_state=0).fit(scaled_train)
    residual = scaled_test - pca.inverse_transform(pca.transform(scaled_test))
    # sklearn's score_samples is higher for normal rows: negate so higher = more anomalous everywhere.
    return {
        "iforest": -iforest.score_samples(x_test),
        "ocsvm": -ocsvm.score_samples(scaled_test),
        "pca": (residual ** 2).sum(axis=1),
    }


def main():
    p = argparse.ArgumentParser()
    p.add_argument("dataset", choices=["fashion", "digits", "breast-cancer"])
    p.add_argument("--class", dest="cls", type=int, default=0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="")
    p.add_argument("--per-class", type=int, default=0)
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    args = p.parse_args()
    if args.dataset != "breast-cancer" and (args.per_class or args.dataset == "digits") and not args.out:
        p.error(f"{args.dataset} with a seeded split needs --out DIR")
    if args.dataset == "fashion":
        x_all, y_all, x_test, labels = fashion(args.data, args.cls)
        cls_rows = np.flatnonzero(y_all == args.cls)
        x_train = subsample(x_all, cls_rows, args.per_class, args.seed, args.out) if args.per_class else x_all[cls_rows]
        scaled_train, scaled_test = x_train, x_test
    elif args.dataset == "digits":
        x_train, x_test, labels = digits(args.cls, args.seed, args.out)
        scaled_train, scaled_test = x_train, x_test
    else:
        if not args.out:
            p.error("breast-cancer needs --out DIR for the CSV split")
        x_train, x_test, labels, scaler = breast_cancer(args.seed, args.out)
        scaled_train, scaled_test = scaler.transform(x_train), scaler.transform(x_test)
    result = {name: round(float(roc_auc_score(labels, s)), 6) for name, s in scores(x_train, x_test, scaled_train, scaled_test).items()}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
