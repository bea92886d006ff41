#!/usr/bin/python3
# Trains the example Fashion-MNIST CNN and exports it to ONNX with a demo data subset.
#
# Reads the IDX files (optionally gzipped) from the dataset-fashion-mnist package,
# trains on CPU with fixed seeds, and writes, next to this script:
#   fmnist_cnn.onnx    opset 13, input "input" [N,1,28,28], output "logits" [N,10]
#   data/images.npy    first 1000 test images, float32 [1000,1,28,28] in [0,1]
#   data/labels.npy    their labels, int64 [1000]
#   data/logits.npy    ONNX Runtime's outputs for data/images.npy, float32 [1000,10]
#                      (needs tools/ort set up; otherwise the command is printed)
#
# Usage: /usr/bin/python3 examples/fmnist/train.py [--data DIR] [--epochs E]
import argparse
import gzip
import os
import random
import struct
import subprocess
import time
import warnings

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))


def idx_read(path):
    """Reads an IDX file (.gz or plain) into a numpy array."""
    if not os.path.exists(path) and os.path.exists(path + ".gz"):
        path += ".gz"
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    zero, dtype, rank = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError("%s: not an unsigned-byte IDX file" % path)
    dims = struct.unpack(">" + "I" * rank, raw[4:4 + 4 * rank])
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * rank).reshape(dims)


def load(root, split):
    img = idx_read(os.path.join(root, "%s-images-idx3-ubyte" % split))
    lab = idx_read(os.path.join(root, "%s-labels-idx1-ubyte" % split))
    x = torch.from_numpy(img.astype(np.float32) / 255.0).unsqueeze(1)
    y = torch.from_numpy(lab.astype(np.int64))
    return x, y


class FmnistCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
            nn.MaxPool2d(2))
        self.classifier = nn.Linear(16 * 7 * 7, 10)

    def forward(self, x):
        x = self.features(x)
        return self.classifier(torch.flatten(x, 1))


def evaluate(model, x, y):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), 1000):
            correct += (model(x[i:i + 1000]).argmax(1) == y[i:i + 1000]).sum().item()
    return correct / len(x)


def train(model, x, y, epochs):
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs * (len(x) // 64))
    gen = torch.Generator().manual_seed(0)
    lossf = nn.CrossEntropyLoss()
    for ep in range(epochs):
        model.train()
        perm = torch.randperm(len(x), generator=gen)
        t0, total = time.time(), 0.0
        for i in range(0, len(x) - 63, 64):
            idx = perm[i:i + 64]
            opt.zero_grad()
            loss = lossf(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item()
        print("epoch %d: loss %.4f (%.0f s)" % (ep + 1, total / (len(x) // 64),
            time.time() - t0), flush=True)


def export(model, path):
    model.eval()
    # PRESERVE keeps BatchNormalization nodes (EVAL would fold them into the
    # convolutions); the compiler's own BN folding is part of what is exercised.
    # The model is in eval mode, so torch's constant-folding warning does not apply.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        torch.onnx.export(model, torch.zeros(1, 1, 28, 28), path, opset_version=13,
            input_names=["input"], output_names=["logits"],
            dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}},
            training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--out", default=HERE)
    args = ap.parse_args()

    torch.manual_seed(0)
    np.random.seed(0)
    random.seed(0)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)

    xtr, ytr = load(args.data, "train")
    xte, yte = load(args.data, "t10k")
    model = FmnistCnn()
    train(model, xtr, ytr, args.epochs)
    print("test accuracy: %.4f" % evaluate(model, xte, yte))

    export(model, os.path.join(args.out, "fmnist_cnn.onnx"))
    os.makedirs(os.path.join(args.out, "data"), exist_ok=True)
    np.save(os.path.join(args.out, "data", "images.npy"), xte[:1000].numpy())
    np.save(os.path.join(args.out, "data", "labels.npy"), yte[:1000].numpy())
    print("subset accuracy (first 1000): %.4f" % evaluate(model, xte[:1000], yte[:1000]))
    ort_reference(args.out)


def ort_reference(out):
    """Writes data/logits.npy with ONNX Runtime (tools/ort/run_ort.js)."""
    tools = os.path.join(HERE, "..", "..", "tools", "ort")
    cmd = ["node", os.path.join(tools, "run_ort.js"), os.path.join(out, "fmnist_cnn.onnx"),
           "-i", os.path.join(out, "data", "images.npy"), "-o", os.path.join(out, "data")]
    if not os.path.isdir(os.path.join(tools, "node_modules", "onnxruntime-node")):
        print("ONNX Runtime is not set up; for data/logits.npy run\n  " + " ".join(cmd))
        return
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    os.replace(os.path.join(out, "data", "output_0.npy"), os.path.join(out, "data", "logits.npy"))
    logits = np.load(os.path.join(out, "data", "logits.npy"))
    labels = np.load(os.path.join(out, "data", "labels.npy"))
    print("ONNX Runtime subset accuracy: %.4f" % (logits.argmax(1) == labels).mean())


if __name__ == "__main__":
    main()
