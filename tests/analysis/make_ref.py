#!/usr/bin/python3
# Independent reference for the weight-quantization sweep of `axcc analyze`
# (tests/test_analysis.c): for each Conv/Gemm layer of a Fashion-MNIST model
# and k in {2,3,4,6,8}, the layer's weights alone are quantized with the
# power-of-two fixed-point format of APPROX.md §3 (per tensor: e = smallest
# integer with 2^e >= max|w| from frexp, f = k-1-e, round half to even,
# saturate to [-2^(k-1), 2^(k-1)-1]) written here in numpy, the model is run
# with PyTorch's own ops (conv2d, max_pool2d, linear...) and the top-1
# accuracy on the first 500 images of examples/fmnist/data is recorded.
# BatchNormalization is folded into the preceding Conv first, in double
# precision as axcc's passes/bnfold.c does, because the folded weights are
# the ones axcc quantizes. Biases stay float.
#
# Usage: /usr/bin/python3 tests/analysis/make_ref.py   (writes wquant_ref.json)
# Needs Debian's python3-torch, python3-onnx, python3-numpy.
import json
import math
import os

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MODELS = ["examples/fmnist/fmnist_cnn.onnx", "tests/models/lenet5/model.onnx"]
BITS = [2, 3, 4, 6, 8]
N = 500


def quantize(w, k):
    """APPROX.md §3, per tensor, round half to even (np.round), saturate."""
    amax = float(np.max(np.abs(w)))
    if amax == 0.0:
        return np.zeros_like(w)
    m, e = math.frexp(amax)          # amax = m * 2^e, m in [0.5, 1)
    if m == 0.5:
        e -= 1                       # amax is a power of two: 2^(e-1) suffices
    f = (k - 1) - e
    v = w.astype(np.float64) * (2.0 ** f)
    q = np.clip(np.round(v), -(2 ** (k - 1)), 2 ** (k - 1) - 1)
    return (q * (2.0 ** -f)).astype(np.float32)


def attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def fold_bn(nodes, init):
    """Folds BatchNormalization into the Conv feeding it (bnfold.c's math)."""
    out = []
    for n in nodes:
        prev = out[-1] if out else None
        if (n.op_type == "BatchNormalization" and prev is not None and prev.op_type == "Conv"
                and prev.output[0] == n.input[0]):
            s, b, mean, var = (init[n.input[i]].astype(np.float64) for i in range(1, 5))
            eps = float(np.float32(attrs(n).get("epsilon", 1e-5)))
            f = s / np.sqrt(var + eps)
            shift = b - mean * f
            w = init[prev.input[1]]
            bias = init[prev.input[2]].astype(np.float64) if len(prev.input) > 2 else 0.0
            wname, bname = prev.input[1] + "_bnfold", prev.output[0] + "_bias"
            init[wname] = (w.astype(np.float64) * f.reshape(-1, *[1] * (w.ndim - 1))).astype(np.float32)
            init[bname] = (bias * f + shift).astype(np.float32)
            conv = onnx.helper.make_node("Conv", [prev.input[0], wname, bname], [n.output[0]],
                                         name=prev.name, **attrs(prev))
            out[-1] = conv
            continue
        out.append(n)
    return out


def run(nodes, init, x):
    env = {"input": x}
    val = lambda name: env[name] if name in env else torch.from_numpy(init[name])
    for n in nodes:
        a, i = attrs(n), [val(t) for t in n.input if t]
        if n.op_type == "Conv":
            p = a.get("pads", [0, 0, 0, 0])
            assert p[0] == p[2] and p[1] == p[3]
            y = F.conv2d(i[0], i[1], i[2] if len(i) > 2 else None, a.get("strides", [1, 1]),
                         p[:2], a.get("dilations", [1, 1]), a.get("group", 1))
        elif n.op_type == "Relu":
            y = F.relu(i[0])
        elif n.op_type == "MaxPool":
            p = a.get("pads", [0, 0, 0, 0])
            y = F.max_pool2d(i[0], a["kernel_shape"], a.get("strides"), p[:2],
                             ceil_mode=bool(a.get("ceil_mode", 0)))
        elif n.op_type == "Flatten":
            y = torch.flatten(i[0], a.get("axis", 1))
        elif n.op_type == "Gemm":
            w = i[1].t() if a.get("transB", 0) else i[1]
            y = a.get("alpha", 1.0) * (i[0] @ w)
            if len(i) > 2:
                y = y + a.get("beta", 1.0) * i[2]
        else:
            raise SystemExit("make_ref.py: op %s not handled" % n.op_type)
        env[n.output[0]] = y
    return env


def accuracy(nodes, init, out, x, y):
    with torch.no_grad():
        logits = run(nodes, init, x)[out]
    return float((logits.argmax(1).numpy() == y).mean())


def model_ref(path, x, y):
    m = onnx.load(os.path.join(ROOT, path))
    init = {t.name: numpy_helper.to_array(t).copy() for t in m.graph.initializer}
    nodes = fold_bn(list(m.graph.node), init)
    out = m.graph.output[0].name
    res = {"baseline": accuracy(nodes, init, out, x, y), "layers": {}}
    for n in nodes:
        if n.op_type not in ("Conv", "Gemm"):
            continue
        w0, accs = init[n.input[1]], {}
        for k in BITS:
            init[n.input[1]] = quantize(w0, k)
            accs[str(k)] = accuracy(nodes, init, out, x, y)
        init[n.input[1]] = w0
        res["layers"][n.name] = accs
    return res


def main():
    torch.set_num_threads(1)
    data = os.path.join(ROOT, "examples/fmnist/data")
    x = torch.from_numpy(np.load(os.path.join(data, "images.npy"))[:N])
    y = np.load(os.path.join(data, "labels.npy"))[:N]
    ref = {"what": "top-1 accuracy with one layer's weights quantized to k bits (APPROX.md §3), "
                   "PyTorch, first %d images of examples/fmnist/data" % N,
           "samples": N, "bits": BITS, "models": {}}
    for p in MODELS:
        ref["models"][p] = model_ref(p, x, y)
    with open(os.path.join(HERE, "wquant_ref.json"), "w") as f:
        json.dump(ref, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
