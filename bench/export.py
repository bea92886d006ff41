#!/usr/bin/python3
"""Exports the benchmark's models into bench/out/models/<name>/ (run by bench/run.sh).

  /usr/bin/python3 bench/export.py [OUTDIR]

Each model gets model.onnx (opset 13, static batch 1), input.bin (the input's raw float32
bytes) and input.npy, plus a line in OUTDIR/models.json. The torchvision models
(squeezenet1_1, mobilenet_v2, resnet18) use fixed-seed random weights; their BatchNorm
statistics come from one training-mode pass over a fixed-seed random batch, as training
would set them, so activations keep a sensible scale through the deep networks (with
identity statistics mobilenet_v2's outputs shrink to ~1e-9). The Fashion-MNIST CNN is the
example's examples/fmnist/fmnist_cnn.onnx with its batch dimension fixed to 1, run on the
first image of examples/fmnist/data/images.npy. Same inputs, same files, every run.
"""
import json
import os
import sys
import warnings

import numpy as np
import onnx
import torch
import torch.nn as nn

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TORCHVISION = ("squeezenet1_1", "mobilenet_v2", "resnet18")


def calibrate_bn(model, x):
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.reset_running_stats()
            m.momentum = None
    model.train()
    with torch.no_grad():
        model(x)
    model.eval()


def save_input(d, x):
    x = np.ascontiguousarray(x, dtype=np.float32)
    np.save(os.path.join(d, "input.npy"), x)
    x.tofile(os.path.join(d, "input.bin"))
    return list(x.shape)


def export_torchvision(name, d):
    import torchvision.models as tvm
    torch.manual_seed(0)
    model = getattr(tvm, name)(weights=None)
    calibrate_bn(model, torch.randn(8, 3, 224, 224))
    x = torch.randn(1, 3, 224, 224)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (x,), os.path.join(d, "model.onnx"), opset_version=13,
                          input_names=["input"], output_names=["output"],
                          do_constant_folding=True)
    return save_input(d, x.numpy())


def export_fmnist(d):
    m = onnx.load(os.path.join(ROOT, "examples", "fmnist", "fmnist_cnn.onnx"))
    for v in list(m.graph.input) + list(m.graph.output):
        dim0 = v.type.tensor_type.shape.dim[0]
        if dim0.HasField("dim_param"):
            dim0.ClearField("dim_param")
            dim0.dim_value = 1
    onnx.save(m, os.path.join(d, "model.onnx"))
    x = np.load(os.path.join(ROOT, "examples", "fmnist", "data", "images.npy"))[:1]
    return save_input(d, x)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "bench", "out", "models")
    torch.set_num_threads(1)
    models = []
    for name in TORCHVISION + ("fmnist_cnn",):
        d = os.path.join(out, name)
        os.makedirs(d, exist_ok=True)
        shape = export_fmnist(d) if name == "fmnist_cnn" else export_torchvision(name, d)
        path = os.path.join(d, "model.onnx")
        onnx.checker.check_model(onnx.load(path))
        models.append({"name": name, "input_shape": shape})
        print("  exported %-14s %9d bytes  input %s" % (name, os.path.getsize(path), shape))
    with open(os.path.join(out, "models.json"), "w") as f:
        json.dump(models, f, indent=1)


if __name__ == "__main__":
    main()
