#!/usr/bin/python3
"""Trains two held-out Fashion-MNIST CNNs for the approximation passes and exports them.

The models exist so that sensitivity analysis, pruning and fixed-point conversion can be
judged on trained networks that were not used while writing those passes:

  fmnist_vgg        VGG-style: 2x (Conv3x3+BN+ReLU) + MaxPool, twice (16 and 32 channels),
                    Flatten, Linear(32*7*7 -> 128) + ReLU, Linear(128 -> 10)
  fmnist_mobilenet  MobileNetV2-style: Conv3x3+BN+ReLU6 stem, depthwise-separable and
                    inverted-residual blocks (expand 1x1, depthwise 3x3, project 1x1, residual
                    Add where the shape allows), ReLU6 (Clip), GlobalAveragePool, Linear

Each goes to tests/models/<name>/ laid out like the other end-to-end cases
(tests/models/README.md):

  model.onnx              opset 13, input "input" float32 [N,1,28,28] (pixels / 255), output
                          "logits" float32 [N,10]; BatchNormalization folded by the export
  input_0.npy             the first 4 test images; output_0.npy their logits from ONNX Runtime
  fmnist1000_logits.npy   ONNX Runtime's logits for the first 1000 test images
                          (examples/fmnist/data/images.npy)

and the test accuracy of the exported model on all 10,000 test images, computed from ONNX
Runtime's logits (not PyTorch's), is printed.

  /usr/bin/python3 tools/make_fmnist_models.py              # both
  /usr/bin/python3 tools/make_fmnist_models.py fmnist_vgg   # one

CPU only, fixed seeds (threads per model in MODELS): the same machine gives the same files.
About 15 minutes for both on two idle cores. Needs Debian's python3 (torch, onnx, numpy) and
ONNX Runtime for node:
  (cd tools/ort && npm install --ignore-scripts onnxruntime-node)
"""
import argparse
import gzip
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUN_ORT = os.path.join(ROOT, "tools", "ort", "run_ort.js")
FMNIST = "/usr/share/datasets/fashion-mnist"


def idx_read(path):
    if not os.path.exists(path) and os.path.exists(path + ".gz"):
        path += ".gz"
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        raw = f.read()
    zero, dtype, rank = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype != 0x08:
        raise SystemExit("%s: not an unsigned-byte IDX file" % path)
    dims = struct.unpack(">" + "I" * rank, raw[4:4 + 4 * rank])
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * rank).reshape(dims)


def fmnist(root, split):
    x = idx_read(os.path.join(root, "%s-images-idx3-ubyte" % split))
    y = idx_read(os.path.join(root, "%s-labels-idx1-ubyte" % split))
    return (torch.from_numpy(x.astype(np.float32) / 255.0).unsqueeze(1),
            torch.from_numpy(y.astype(np.int64)))


# ---------------------------------------------------------------- the models

def conv_bn(cin, cout, k, stride=1, groups=1, act=nn.ReLU):
    layers = [nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False),
              nn.BatchNorm2d(cout)]
    return layers + ([act(inplace=True)] if act else [])


class FmnistVgg(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            *conv_bn(1, 16, 3), *conv_bn(16, 16, 3), nn.MaxPool2d(2),
            *conv_bn(16, 32, 3), *conv_bn(32, 32, 3), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(
            nn.Linear(32 * 7 * 7, 128), nn.ReLU(inplace=True), nn.Linear(128, 10))

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


class InvertedResidual(nn.Module):
    """Expand 1x1 (skipped for t = 1: a plain depthwise-separable block), depthwise 3x3,
    linear project 1x1; residual Add when stride 1 and cin == cout."""
    def __init__(self, cin, cout, stride, t):
        super().__init__()
        hid = cin * t
        layers = conv_bn(cin, hid, 1, act=nn.ReLU6) if t != 1 else []
        layers += conv_bn(hid, hid, 3, stride, groups=hid, act=nn.ReLU6)
        layers += conv_bn(hid, cout, 1, act=None)
        self.body = nn.Sequential(*layers)
        self.res = stride == 1 and cin == cout

    def forward(self, x):
        return x + self.body(x) if self.res else self.body(x)


class FmnistMobilenet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            *conv_bn(1, 16, 3, act=nn.ReLU6),           # 28x28
            InvertedResidual(16, 24, 2, 1),             # depthwise-separable, 14x14
            InvertedResidual(24, 24, 1, 4),             # residual
            InvertedResidual(24, 32, 2, 4),             # 7x7
            InvertedResidual(32, 32, 1, 4),             # residual
            InvertedResidual(32, 32, 1, 4),             # residual
            *conv_bn(32, 128, 1, act=nn.ReLU6))
        self.classifier = nn.Linear(128, 10)

    def forward(self, x):
        x = F.adaptive_avg_pool2d(self.features(x), 1)    # GlobalAveragePool
        return self.classifier(torch.flatten(x, 1))


# name: (class, seed, epochs, learning rate, channels-last input batches, threads). The
# last two change only speed and rounding; they are what the committed files were made with
# (one thread: on a loaded machine two threads spin-wait for each other).
MODELS = {
    "fmnist_vgg": (FmnistVgg, 5, 4, 2e-3, False, 2),
    "fmnist_mobilenet": (FmnistMobilenet, 6, 4, 3e-3, True, 1),
}


# ---------------------------------------------------------------- training and export

def train(model, x, y, epochs, lr, seed, name, cl_input):
    # channels-last runs PyTorch's CPU depthwise convolutions about five times faster
    cl = torch.channels_last
    model.to(memory_format=cl)
    fmt = cl if cl_input else torch.contiguous_format
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    steps = epochs * (len(x) // 128)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    for ep in range(epochs):
        t0 = time.time()
        model.train()
        perm = torch.randperm(len(x), generator=gen)
        total = 0.0
        for i in range(0, len(x) - 127, 128):
            idx = perm[i:i + 128]
            opt.zero_grad()
            # .to(), not .contiguous(): with one channel only .to() sets the strides
            loss = F.cross_entropy(model(x[idx].to(memory_format=fmt)), y[idx])
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item()
        print("  %s: epoch %d loss %.4f (%.0f s)" % (name, ep + 1, total / (len(x) // 128),
                                                     time.time() - t0), flush=True)
    model.to(memory_format=torch.contiguous_format)
    model.eval()


def torch_accuracy(model, x, y):
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), 1000):
            correct += (model(x[i:i + 1000]).argmax(1) == y[i:i + 1000]).sum().item()
    return correct / len(x)


def run_ort(model_path, inp, outdir):
    if not os.path.isdir(os.path.join(ROOT, "tools", "ort", "node_modules", "onnxruntime-node")):
        sys.exit("make_fmnist_models: ONNX Runtime is missing; run "
                 "(cd tools/ort && npm install --ignore-scripts onnxruntime-node)")
    subprocess.run(["node", RUN_ORT, model_path, "-i", inp, "-o", outdir], check=True,
                   stdout=subprocess.DEVNULL)
    return np.load(os.path.join(outdir, "output_0.npy"))


def make(name, root, data):
    cls, seed, epochs, lr, cl_input, threads = MODELS[name]
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    np.random.seed(seed)
    xtr, ytr = fmnist(data, "train")
    xte, yte = fmnist(data, "t10k")
    model = cls()
    t0 = time.time()
    train(model, xtr, ytr, epochs, lr, seed, name, cl_input)
    d = os.path.join(root, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    mpath = os.path.join(d, "model.onnx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (xte[:1],), mpath, opset_version=13, input_names=["input"],
                          output_names=["logits"],
                          dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}},
                          training=torch.onnx.TrainingMode.EVAL, do_constant_folding=True)
    onnx.checker.check_model(onnx.load(mpath))
    ipath = os.path.join(d, "input_0.npy")
    np.save(ipath, xte[:4].numpy())
    run_ort(mpath, ipath, d)
    with tempfile.TemporaryDirectory() as tmp:
        # the accuracy of the exported model as ONNX Runtime runs it, all 10,000 images
        np.save(os.path.join(tmp, "all.npy"), xte.numpy())
        logits = run_ort(mpath, os.path.join(tmp, "all.npy"), tmp)
        np.save(os.path.join(d, "fmnist1000_logits.npy"), logits[:1000])
    acc = float((logits.argmax(1) == yte.numpy()).mean())
    tacc = torch_accuracy(model, xte, yte)
    ops = sorted({n.op_type for n in onnx.load(mpath).graph.node})
    print("%s: %d B, %d parameters, test accuracy %.4f (ONNX Runtime; PyTorch %.4f), %.0f s: %s"
          % (name, os.path.getsize(mpath), sum(p.numel() for p in model.parameters()),
             acc, tacc, time.time() - t0, " ".join(ops)), flush=True)
    return mpath, acc


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="*", help="models to make (default: both)")
    ap.add_argument("--out", default=os.path.join(ROOT, "tests", "models"),
                    help="output folder (default tests/models)")
    ap.add_argument("--data", default=FMNIST, help="folder of the Fashion-MNIST IDX files")
    args = ap.parse_args()
    for name in args.models:
        if name not in MODELS:
            sys.exit("make_fmnist_models: unknown model '%s' (%s)" % (name, ", ".join(MODELS)))
    for name in args.models or MODELS:
        make(name, args.out, args.data)


if __name__ == "__main__":
    main()
