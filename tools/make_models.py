#!/usr/bin/python3
"""Exports axcc's end-to-end test models with ONNX Runtime reference outputs.

Each case becomes tests/models/<case>/{model.onnx, input_0.npy[, input_1.npy ...], output_0.npy[, ...]}.
Models come from PyTorch (fixed seed per case, random weights, or for the two Fashion-MNIST
models one short epoch of training); every model has a dynamic batch dimension "N". The
reference outputs are computed by ONNX Runtime (tools/ort/run_ort.js, one intra-op thread),
not by PyTorch; PyTorch's outputs are only compared against them as a sanity check.

  /usr/bin/python3 tools/make_models.py              # all small cases into tests/models/
  /usr/bin/python3 tools/make_models.py lenet5 pad   # only these cases
  /usr/bin/python3 tools/make_models.py --list       # case names
  /usr/bin/python3 tools/make_models.py --big        # torchvision models into tests/models/big/
                                                     # (git-ignored; several MB each)

Needs Debian's python3 with torch, torchvision, onnx and numpy, plus ONNX Runtime for node:
  (cd tools/ort && npm install --ignore-scripts onnxruntime-node)
"""
import argparse
import gzip
import math
import os
import shutil
import struct
import subprocess
import sys
import warnings
import zlib

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUN_ORT = os.path.join(ROOT, "tools", "ort", "run_ort.js")
FMNIST = "/usr/share/datasets/fashion-mnist"
MAX_BYTES = 1 << 20

CASES = {}


def case(opset=13, keep_bn=False, outputs=("output",), inputs=("input",), batch_axis=None):
    """Registers a builder: a function returning (module, input tensor or tuple of them).
    Every input and output has the symbolic batch dimension "N", on axis 0 unless
    batch_axis = {name: axis} says otherwise (an RNN state [layers, N, hidden])."""
    def reg(fn):
        CASES[fn.__name__] = dict(build=fn, opset=opset, keep_bn=keep_bn, outputs=outputs,
                                  inputs=inputs, batch_axis=batch_axis or {},
                                  doc=(fn.__doc__ or "").strip())
        return fn
    return reg


def seed_for(name):
    return zlib.crc32(name.encode()) & 0x7fffffff


def randomize_bn(model):
    """Gives every BatchNorm non-trivial statistics and affine parameters."""
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            c = m.num_features
            m.running_mean.copy_(torch.rand(c) - 0.5)
            m.running_var.copy_(torch.rand(c) * 1.5 + 0.5)
            m.weight.data.copy_(torch.rand(c) + 0.5)
            m.bias.data.copy_(torch.rand(c) - 0.5)


def calibrate_bn(model, x):
    """Sets BatchNorm statistics from a forward pass in training mode, as training would,
    so that activations keep a sensible scale through deep random-weight networks."""
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.reset_running_stats()
            m.momentum = None
    model.train()
    with torch.no_grad():
        model(x)
    model.eval()


# ---------------------------------------------------------------- Fashion-MNIST data

def idx_read(path):
    if not os.path.exists(path) and os.path.exists(path + ".gz"):
        path += ".gz"
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        raw = f.read()
    rank = raw[3]
    dims = struct.unpack(">" + "I" * rank, raw[4:4 + 4 * rank])
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * rank).reshape(dims)


def fmnist(split):
    x = idx_read(os.path.join(FMNIST, "%s-images-idx3-ubyte" % split))
    y = idx_read(os.path.join(FMNIST, "%s-labels-idx1-ubyte" % split))
    return (torch.from_numpy(x.astype(np.float32) / 255.0).unsqueeze(1),
            torch.from_numpy(y.astype(np.int64)))


def train_briefly(model, name):
    """One epoch of Adam on Fashion-MNIST; returns the first 4 test images."""
    xtr, ytr = fmnist("train")
    xte, yte = fmnist("t10k")
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    perm = torch.randperm(len(xtr))
    model.train()
    for i in range(0, len(xtr) - 63, 64):
        idx = perm[i:i + 64]
        opt.zero_grad()
        F.cross_entropy(model(xtr[idx]), ytr[idx]).backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        acc = (model(xte).argmax(1) == yte).float().mean().item()
    print("  %s: test accuracy after one epoch %.4f" % (name, acc))
    return xte[:4].clone()


# ---------------------------------------------------------------- the cases

class FmnistMlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 128)
        self.fc2 = nn.Linear(128, 64)
        self.fc3 = nn.Linear(64, 10)

    def forward(self, x):
        x = x.view(x.size(0), -1)   # Shape -> Gather -> Unsqueeze -> Concat -> Reshape
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


@case(outputs=("logits",))
def fmnist_mlp():
    """MLP 784-128-64-10 on Fashion-MNIST (1 epoch); flatten via x.view(x.size(0), -1)."""
    m = FmnistMlp()
    return m, train_briefly(m, "fmnist_mlp")


class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


@case(outputs=("logits",))
def lenet5():
    """LeNet-5 (ReLU, max pooling) on Fashion-MNIST 28x28 (1 epoch); Flatten + Gemm head."""
    m = LeNet5()
    return m, train_briefly(m, "lenet5")


def vgg_block(cin, cout, n):
    layers = []
    for i in range(n):
        layers += [nn.Conv2d(cin if i == 0 else cout, cout, 3, padding=1),
                   nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]
    return layers + [nn.MaxPool2d(2)]


class VggBn(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(*vgg_block(3, 16, 2), *vgg_block(16, 32, 2),
                                      *vgg_block(32, 64, 1))
        self.classifier = nn.Sequential(nn.Linear(64 * 4 * 4, 64), nn.ReLU(inplace=True),
                                        nn.Dropout(0.5), nn.Linear(64, 10))

    def forward(self, x):
        x = self.features(x)
        return self.classifier(x.reshape(x.shape[0], -1))


@case(keep_bn=True, outputs=("logits",))
def vgg_bn():
    """VGG-style CNN, 3x32x32, five Conv+BatchNormalization+Relu (BN kept as nodes), MaxPool,
    flatten via x.reshape(x.shape[0], -1), two Gemm (Dropout vanishes in the export)."""
    m = VggBn()
    randomize_bn(m)
    return m, torch.randn(2, 3, 32, 32)


def conv_bn(cin, cout, k, s=1, groups=1, act=True):
    layers = [nn.Conv2d(cin, cout, k, s, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
    return layers + ([nn.ReLU6(inplace=True)] if act else [])


class SqueezeExcite(nn.Module):
    def __init__(self, c, r=4):
        super().__init__()
        self.fc1 = nn.Conv2d(c, c // r, 1)
        self.fc2 = nn.Conv2d(c // r, c, 1)

    def forward(self, x):
        s = F.adaptive_avg_pool2d(x, 1)
        return x * F.hardsigmoid(self.fc2(F.relu(self.fc1(s))))


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, t, se=False):
        super().__init__()
        hid = cin * t
        layers = conv_bn(cin, hid, 1) if t != 1 else []
        layers += conv_bn(hid, hid, 3, stride, groups=hid)
        layers += [SqueezeExcite(hid)] if se else []
        layers += conv_bn(hid, cout, 1, act=False)
        self.body = nn.Sequential(*layers)
        self.res = stride == 1 and cin == cout

    def forward(self, x):
        return x + self.body(x) if self.res else self.body(x)


class MobileNetish(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            *conv_bn(3, 16, 3, 2),
            InvertedResidual(16, 16, 1, 1),
            InvertedResidual(16, 24, 2, 4),
            InvertedResidual(24, 24, 1, 4),
            InvertedResidual(24, 32, 2, 4, se=True),
            InvertedResidual(32, 32, 1, 4),
            *conv_bn(32, 128, 1))
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(128, 10))

    def forward(self, x):
        return self.classifier(self.features(x).mean([2, 3]))


@case(outputs=("logits",))
def mobilenet():
    """MobileNetV2-style: depthwise convs, ReLU6 (Clip), residual Adds, squeeze-excite
    (GlobalAveragePool, HardSigmoid, broadcast Mul), ReduceMean head; BN folded by the export."""
    m = MobileNetish()
    randomize_bn(m)
    return m, torch.randn(2, 3, 32, 32)


class SoftmaxHead(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(64, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        logits = self.fc2(torch.tanh(self.fc1(x)))
        probs = F.softmax(logits, dim=1)
        logp = F.log_softmax(logits.view(-1, 2, 5), dim=1)   # not the last axis
        return probs, logp


@case(outputs=("probs", "logp"))
def softmax_head():
    """Gemm head with Softmax over axis 1 of [N,10], and LogSoftmax over axis 1 of [N,2,5]."""
    m = SoftmaxHead()
    with torch.no_grad():
        m.fc2.weight.mul_(4.0)   # sharper, less uniform probabilities
    return m, torch.randn(4, 64) * 2


class ConvTransposeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.down = nn.Conv2d(4, 8, 3, 2, 1)
        self.up1 = nn.ConvTranspose2d(8, 6, 3, stride=2, padding=1, output_padding=1)
        self.up2 = nn.ConvTranspose2d(6, 4, 4, stride=2, padding=1, groups=2)
        self.up3 = nn.ConvTranspose2d(4, 2, 3, stride=1, padding=1, dilation=2, bias=False)

    def forward(self, x):
        x = F.relu(self.down(x))          # [N,8,4,4]
        x = F.relu(self.up1(x))           # [N,6,8,8]
        x = F.relu(self.up2(x))           # [N,4,16,16]
        return torch.sigmoid(self.up3(x))  # [N,2,18,18]


@case()
def conv_transpose():
    """ConvTranspose: stride 2 with output_padding, groups 2, dilation 2 without bias."""
    m = ConvTransposeNet()
    with torch.no_grad():
        m.up3.weight.mul_(4.0)   # keep the final Sigmoid away from a flat 0.5
    return m, torch.randn(2, 4, 8, 8)


class Pools(nn.Module):
    def forward(self, x):                                        # [N,4,15,15]
        a = F.avg_pool2d(x, 3, 2, 1, count_include_pad=False)    # [N,4,8,8]
        b = F.avg_pool2d(x, 3, 2, 1, count_include_pad=True)
        c = F.max_pool2d(x, 2, 2, ceil_mode=True)
        d = F.max_pool2d(x, 3, 2, 1)
        e = F.max_pool2d(x, 3, 1, 0, dilation=2)                 # [N,4,11,11]
        g = torch.cat([F.adaptive_avg_pool2d(x, 1), F.adaptive_max_pool2d(x, 1)], 1)
        return torch.cat([a, b, c, d], 1), e, g.flatten(1)


@case(outputs=("pooled", "dilated", "global"))
def pooling():
    """AveragePool with/without count_include_pad (the latter exported as Pad + AveragePool),
    MaxPool ceil_mode/padding/dilations, GlobalAveragePool, adaptive max pool (exported as a
    whole-image MaxPool), Concat, Flatten."""
    return Pools(), torch.randn(4, 4, 15, 15)


class ConcatSplit(nn.Module):
    def __init__(self):
        super().__init__()
        self.b1 = nn.Conv2d(8, 8, 1)
        self.b2 = nn.Conv2d(8, 12, 3, padding=1)
        self.b3 = nn.Conv2d(8, 4, 1)

    def forward(self, x):                                           # [N,8,10,10]
        y = torch.cat([F.relu(self.b1(x)), F.relu(self.b2(x)),
                       F.relu(self.b3(F.max_pool2d(x, 3, 1, 1)))], 1)  # [N,24,10,10]
        a, b, c = torch.split(y, [6, 8, 10], dim=1)
        p, q = torch.chunk(b, 2, dim=1)
        left, right = torch.split(x, 5, dim=3)
        z = torch.cat([c, a, p - q], 1)                              # [N,20,10,10]
        return z, torch.cat([right, left], 2)                        # [N,8,20,5]


@case(outputs=("merged", "swapped"))
def concat_split():
    """Inception-style Concat of branches, Split with sizes, equal Split (chunk), Split and
    Concat on spatial axes."""
    return ConcatSplit(), torch.randn(4, 8, 10, 10)


class Resizes(nn.Module):
    def forward(self, x):                                            # [N,3,5,6]
        n = F.interpolate(x, scale_factor=2, mode="nearest")
        b = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
        a = F.interpolate(x, size=(10, 12), mode="bilinear", align_corners=True)
        odd = F.interpolate(x, size=(7, 9), mode="nearest")
        return torch.cat([n, b, a], 1), odd


@case(outputs=("up2", "odd"))
def resize():
    """Resize: nearest x2 (asymmetric, floor), bilinear x2 (half_pixel), bilinear align_corners
    to a fixed size and nearest to a non-integer-scale size (sizes from Shape->Slice->Concat)."""
    return Resizes(), torch.randn(2, 3, 5, 6)


class UpsampleNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, padding=1)
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.conv2 = nn.Conv2d(4, 2, 3, padding=1)

    def forward(self, x):
        return self.conv2(self.up(F.relu(self.conv1(x))))


@case(opset=9)
def upsample_opset9():
    """nn.Upsample nearest x2 between two convs, exported at opset 9 (Upsample op)."""
    return UpsampleNet(), torch.randn(2, 3, 6, 6)


class Pads(nn.Module):
    def __init__(self):
        super().__init__()
        self.zero = nn.ZeroPad2d((1, 2, 0, 3))
        self.const = nn.ConstantPad2d(1, 0.5)
        self.reflect = nn.ReflectionPad2d(2)
        self.edge = nn.ReplicationPad2d((1, 0, 2, 1))
        self.conv = nn.Conv2d(3, 3, 3)

    def forward(self, x):                                   # [N,3,6,7]
        return self.zero(x), self.const(x), self.conv(self.reflect(x)), self.edge(x)


@case(outputs=("zero", "const", "reflect", "edge"))
def pad():
    """Pad: constant 0 (asymmetric), constant 0.5, reflect (followed by a Conv), edge; each
    pads input comes from a constant ConstantOfShape/Concat/Reshape/Slice/Transpose/Cast chain."""
    return Pads(), torch.randn(2, 3, 6, 7)


class ReshapeChain(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 8, 3, padding=1)
        self.fc = nn.Linear(8, 6)

    def forward(self, x):                                   # [N,4,6,6]
        y = self.conv(x)
        n, c, h, w = y.shape
        t = y.permute(0, 2, 3, 1).reshape(n, h * w, c)     # Transpose, Reshape [N,36,8]
        t = self.fc(t)                                      # MatMul + Add [N,36,6]
        t = t.transpose(1, 2).reshape(n, 6, h, w)           # [N,6,6,6]
        sel = t[:, [4, 1, 3]]                               # Gather, index vector
        first = t[:, 0].unsqueeze(1)                        # Gather scalar, Unsqueeze
        z = torch.cat([sel, first], 1)                      # [N,4,6,6]
        crop = t[:, :, 1:-1, ::2].mean(-1, keepdim=True).squeeze(-1)   # Slice, ReduceMean, Squeeze
        return z.view(z.size(0), -1), crop


@case(outputs=("flat", "crop"))
def reshape_chain():
    """Shape/Gather/Unsqueeze/Concat/Reshape chains from x.view(x.size(0), -1) and
    reshape(n, h*w, c), Transpose, 3-D MatMul, Gather (vector and scalar index), Slice with
    steps, Squeeze."""
    return ReshapeChain(), torch.randn(2, 4, 6, 6)


class Activations(nn.Module):
    def __init__(self):
        super().__init__()
        self.prelu = nn.PReLU(4, 0.2)

    def forward(self, x):                                   # [N,4,5,5]
        acts = [torch.sigmoid(x), torch.tanh(x), F.hardswish(x), F.leaky_relu(x, 0.1),
                F.elu(x, 0.7), F.hardsigmoid(x), F.softplus(x), F.selu(x), F.silu(x),
                F.gelu(x), self.prelu(x), F.relu6(x)]
        return torch.cat(acts, 1)


@case(opset=14)
def activations():
    """Sigmoid, Tanh, HardSwish (opset 14), LeakyRelu, Elu, HardSigmoid, Softplus, Selu,
    SiLU (Sigmoid*x), GELU (Erf), PRelu, ReLU6 (Clip), Concat."""
    return Activations(), torch.randn(2, 4, 5, 5) * 3


class NormReduce(nn.Module):
    def __init__(self):
        super().__init__()
        self.inorm = nn.InstanceNorm2d(6, affine=True)
        self.conv = nn.Conv2d(6, 6, 1)

    def forward(self, x):                                   # [N,6,8,8]
        y = self.inorm(x)
        z = self.conv(x)
        m = torch.max(y, z) + torch.min(y, z) * 0.5
        p = torch.sqrt(torch.abs(z) + 1.0) - torch.pow(y, 2) / (torch.exp(-z.abs()) + 2.0)
        q = torch.log(torch.reciprocal(torch.sigmoid(z) + 0.5)) - (-y)
        s = m.sum(dim=(2, 3), keepdim=True) + p.amax(dim=1, keepdim=True).amin(dim=(2, 3), keepdim=True)
        return m + p + q + s, torch.argmax(q.mean(dim=(2, 3)), dim=1)


# nn.LocalResponseNorm is left out: PyTorch exports it as a decomposition with an If
# node, ConstantOfShape and Equal rather than as an LRN op.
@case(outputs=("mix", "argmax"))
def norm_reduce():
    """InstanceNormalization, Max/Min, Sqrt/Abs/Pow/Div/Exp/Neg/Log/Reciprocal,
    ReduceSum/ReduceMax/ReduceMin/ReduceMean with keepdims, ArgMax (int64 output)."""
    m = NormReduce()
    with torch.no_grad():
        m.inorm.weight.copy_(torch.rand(6) + 0.5)
        m.inorm.bias.copy_(torch.rand(6) - 0.5)
    return m, torch.randn(2, 6, 8, 8)


# ---------------------------------------------------------------- sequence models

class LstmBidir(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(8, 16, num_layers=2, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(32, 5)

    def forward(self, x):                   # [N,12,8]
        y, _ = self.lstm(x)                 # [N,12,32]
        return self.fc(y[:, -1]), y


@case(outputs=("logits", "seq"))
def lstm_bidir():
    """Sequence classifier: 2-layer bidirectional LSTM, batch_first, zero initial state
    (ConstantOfShape from the input's Shape), Transpose/Reshape between the layers, last
    time step (Gather) into a Gemm head; also returns the whole output sequence."""
    return LstmBidir(), torch.randn(3, 12, 8)


class LstmState(nn.Module):
    def __init__(self):
        super().__init__()
        self.init = nn.Linear(6, 40)
        self.lstm = nn.LSTM(6, 20)
        self.fc = nn.Linear(20, 4)

    def forward(self, x):                               # [N,10,6]
        s = torch.tanh(self.init(x.mean(1))).unsqueeze(0)   # [1,N,40]
        h0, c0 = s.chunk(2, 2)                          # [1,N,20] each
        y, (h, c) = self.lstm(x.transpose(0, 1), (h0.contiguous(), c0.contiguous()))
        return self.fc(y).transpose(0, 1), h.squeeze(0), c.squeeze(0)


@case(outputs=("output", "h_n", "c_n"))
def lstm_state():
    """Sequence-first LSTM (input transposed to [T,N,F] in the model) whose initial_h and
    initial_c are computed from the input (ReduceMean, Gemm, Tanh, Split); outputs Y through
    a MatMul head and the final Y_h and Y_c."""
    return LstmState(), torch.randn(3, 10, 6)


class GruState(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(8, 12, num_layers=2, batch_first=True)
        self.fc = nn.Linear(12, 3)

    def forward(self, x, h0):               # [N,12,8], [2,N,12]
        y, h = self.gru(x, h0)
        return self.fc(y), h


@case(inputs=("input", "h0"), outputs=("output", "h_n"), batch_axis={"h0": 1, "h_n": 1})
def gru_state():
    """2-layer GRU (linear_before_reset=1 as PyTorch exports it), batch_first, initial state
    given as a second graph input h0 [2,N,12] (Slice per layer); outputs the MatMul head over
    the sequence and the final state h_n [2,N,12]."""
    return GruState(), (torch.randn(2, 12, 8), torch.randn(2, 2, 12) * 0.5)


class RnnRelu(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn1 = nn.RNN(6, 16, nonlinearity="relu", batch_first=True, bidirectional=True)
        self.rnn2 = nn.RNN(32, 16, batch_first=True, bias=False)
        self.fc = nn.Linear(16, 4)

    def forward(self, x):                   # [N,12,6]
        y, _ = self.rnn1(x)                 # [N,12,32]
        y, h = self.rnn2(y)                 # tanh
        return self.fc(y.mean(1)), h.squeeze(0)


@case(outputs=("logits", "h_n"))
def rnn_relu():
    """Vanilla RNNs: bidirectional with relu activations, then a tanh one without bias,
    batch_first; mean over time (ReduceMean) into a Gemm head, plus the last Y_h."""
    return RnnRelu(), torch.randn(2, 12, 6)


class GruBidir(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(10, 16, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(32, 6)

    def forward(self, x):                   # [N,15,10]
        y, h = self.gru(x)                  # [N,15,32], [2,N,16]
        return self.fc(torch.cat([h[0], h[1]], 1)), y.amax(1)


@case(outputs=("logits", "pooled"))
def gru_bidir():
    """Bidirectional GRU, batch_first, zero initial state: the head reads both directions'
    final states (Y_h, Gather, Concat, Gemm); also max-pools Y over time (ReduceMax)."""
    return GruBidir(), torch.randn(3, 15, 10)


class Tcn1d(nn.Module):
    def __init__(self):
        super().__init__()
        self.inp = nn.Conv1d(4, 16, 1)
        self.convs = nn.ModuleList([nn.Conv1d(16, 16, 3, dilation=d) for d in (1, 2, 4)])
        self.bns = nn.ModuleList([nn.BatchNorm1d(16) for _ in range(3)])
        self.pool = nn.MaxPool1d(2)
        self.fc = nn.Linear(16, 5)

    def forward(self, x):                   # [N,4,32] (channels, time)
        x = self.inp(x)
        for conv, bn in zip(self.convs, self.bns):
            pad = conv.dilation[0] * 2
            x = x + F.relu(bn(conv(F.pad(x, (pad, 0)))))   # causal: pad the past only
        x = self.pool(x)
        return self.fc(F.adaptive_avg_pool1d(x, 1).squeeze(-1)), F.avg_pool1d(x, 4)


@case(outputs=("logits", "coarse"))
def tcn_1d():
    """Temporal CNN over [N,4,32] sequences: Conv1d with dilations 1/2/4 after causal
    left-only constant Pad, BatchNorm1d folded into the Conv, residual Adds, MaxPool 1-D,
    GlobalAveragePool 1-D, Squeeze, Gemm; also a 1-D AveragePool output."""
    m = Tcn1d()
    calibrate_bn(m, torch.randn(8, 4, 32))
    return m, torch.randn(3, 4, 32)


# ---------------------------------------------------------------- transformer blocks

class Attention(nn.Module):
    """Multi-head self-attention in plain ops (MatMul, Softmax, Transpose, Reshape)."""

    def __init__(self, d, heads, causal=0):
        super().__init__()
        self.h = heads
        self.q = nn.Linear(d, d)
        self.k = nn.Linear(d, d)
        self.v = nn.Linear(d, d)
        self.proj = nn.Linear(d, d)
        if causal:
            self.register_buffer("mask", torch.tril(torch.ones(causal, causal)))
        else:
            self.mask = None

    def split(self, x, n, t, d):
        return x.reshape(n, t, self.h, d // self.h).transpose(1, 2)     # [N,h,T,dh]

    def forward(self, x):
        n, t, d = x.shape
        q, k, v = (self.split(f(x), n, t, d) for f in (self.q, self.k, self.v))
        att = (q @ k.transpose(-2, -1)) / math.sqrt(d // self.h)
        if self.mask is not None:
            att = att.masked_fill(self.mask[:t, :t] == 0, float("-inf"))
        y = att.softmax(-1) @ v                                         # [N,h,T,dh]
        return self.proj(y.transpose(1, 2).reshape(n, t, d))


class FusedAttention(Attention):
    """The same with one qkv projection, split by a 5-D Reshape/Transpose and Gather."""

    def __init__(self, d, heads):
        super().__init__(d, heads)
        self.qkv = nn.Linear(d, 3 * d)
        del self.q, self.k, self.v

    def forward(self, x):
        n, t, d = x.shape
        qkv = self.qkv(x).reshape(n, t, 3, self.h, d // self.h).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        att = (q @ k.transpose(-2, -1)) * (d // self.h) ** -0.5
        y = att.softmax(-1) @ v
        return self.proj(y.transpose(1, 2).reshape(n, t, d))


class Block(nn.Module):
    """Pre-LN transformer block: x + attn(ln(x)), then x + mlp(ln(x)) with erf GELU."""

    def __init__(self, d=32, heads=4, mlp=64, causal=0, fused=False):
        super().__init__()
        self.ln1 = nn.LayerNorm(d)
        self.att = FusedAttention(d, heads) if fused else Attention(d, heads, causal)
        self.ln2 = nn.LayerNorm(d)
        self.fc1 = nn.Linear(d, mlp)
        self.fc2 = nn.Linear(mlp, d)

    def forward(self, x):
        x = x + self.att(self.ln1(x))
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))


def randomize_ln(model):
    for m in model.modules():
        if isinstance(m, nn.LayerNorm):
            m.weight.data.copy_(torch.rand(m.weight.shape) + 0.5)
            m.bias.data.copy_(torch.rand(m.bias.shape) - 0.5)


def causal_block():
    m = Block(causal=10)
    randomize_ln(m)
    return m, torch.randn(2, 10, 32)


@case(opset=17)
def transformer_block():
    """Pre-LN transformer block, opset 17: LayerNormalization, 4-head causal self-attention
    from separate q/k/v projections (MatMul+Add, Reshape, Transpose, batched MatMul, Div,
    mask by Slice/Equal/Where with -inf, Softmax), GELU (Erf) MLP, residual Adds."""
    return causal_block()


@case(opset=13)
def transformer_block_op13():
    """The transformer_block model exported at opset 13, where LayerNorm becomes
    ReduceMean/Sub/Pow/Add/Sqrt/Div (as in most exported transformers)."""
    return causal_block()


class TinyVit(nn.Module):
    def __init__(self, d=32):
        super().__init__()
        self.patch = nn.Conv2d(3, d, 4, 4)
        self.cls = nn.Parameter(torch.randn(1, 1, d) * 0.5)
        self.pos = nn.Parameter(torch.randn(1, 65, d) * 0.5)
        self.blocks = nn.Sequential(Block(d, 4, 64, fused=True), Block(d, 4, 64, fused=True))
        self.ln = nn.LayerNorm(d)
        self.head = nn.Linear(d, 10)

    def forward(self, x):                                   # [N,3,32,32]
        t = self.patch(x).flatten(2).transpose(1, 2)        # [N,64,32]
        t = torch.cat([self.cls.expand(x.shape[0], -1, -1), t], 1) + self.pos
        return self.head(self.ln(self.blocks(t))[:, 0])


@case(opset=17, outputs=("logits",))
def tiny_vit():
    """ViT-style classifier, opset 17: 4x4 stride-4 Conv patch embedding, Flatten/Transpose,
    class token Expand-ed to the batch and Concat, position Add, two pre-LN blocks with a fused
    qkv projection (5-D Reshape/Transpose, Gather), final LayerNormalization, Gemm head."""
    m = TinyVit()
    randomize_ln(m)
    return m, torch.randn(2, 3, 32, 32)


class TorchEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        layer = nn.TransformerEncoderLayer(32, 4, 64, dropout=0.0, activation="gelu",
                                           batch_first=True)
        self.enc = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)

    def forward(self, x):
        return self.enc(x)


@case(opset=14)
def torch_encoder():
    """PyTorch's own nn.TransformerEncoder (2 post-LN layers, 4 heads, GELU, batch_first),
    opset 14: Gemm/MatMul attention with Slice-split qkv, LayerNorm decomposed into
    ReduceMean/Sub/Pow/Sqrt/Div."""
    m = TorchEncoder()
    randomize_ln(m)
    return m, torch.randn(2, 10, 32)


# ---------------------------------------------------------------- torchvision, shrunk

def vision_case(model, shape, seed_batch=8):
    """Random weights; BatchNorm statistics from one training-mode pass over random data."""
    calibrate_bn(model, torch.randn(seed_batch, *shape[1:]))
    return model, torch.randn(*shape)


class TvResNet(nn.Module):
    """torchvision's ResNet layout (7x7 stem, MaxPool, 4 stages) with small widths, built
    from torchvision's own BasicBlock / Bottleneck modules."""

    def __init__(self, block, widths, layers, groups=1, width_per_group=64):
        super().__init__()
        from torchvision.models import resnet
        self.inplanes = widths[0]
        self.conv1 = nn.Conv2d(3, widths[0], 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        stages = []
        for i, (w, n) in enumerate(zip(widths, layers)):
            stride = 1 if i == 0 else 2
            down = None
            if stride != 1 or self.inplanes != w * block.expansion:
                down = nn.Sequential(resnet.conv1x1(self.inplanes, w * block.expansion, stride),
                                     nn.BatchNorm2d(w * block.expansion))
            blocks = [block(self.inplanes, w, stride, down, groups, width_per_group)]
            self.inplanes = w * block.expansion
            blocks += [block(self.inplanes, w, groups=groups, base_width=width_per_group)
                       for _ in range(1, n)]
            stages.append(nn.Sequential(*blocks))
        self.layers = nn.Sequential(*stages)
        self.fc = nn.Linear(self.inplanes, 10)

    def forward(self, x):
        x = self.maxpool(F.relu(self.bn1(self.conv1(x))))
        x = F.adaptive_avg_pool2d(self.layers(x), 1)
        return self.fc(torch.flatten(x, 1))


@case(outputs=("logits",))
def resnet_tiny():
    """ResNet-18 layout from torchvision BasicBlocks, widths 16-32-64-64, blocks 2-1-1-1:
    7x7 stride-2 stem, MaxPool, residual Adds, 1x1 stride-2 downsample, GlobalAveragePool,
    Flatten, Gemm; BN folded by the export."""
    from torchvision.models import resnet
    return vision_case(TvResNet(resnet.BasicBlock, (16, 32, 64, 64), (2, 1, 1, 1)),
                       (2, 3, 64, 64))


@case(outputs=("logits",))
def resnext_tiny():
    """ResNeXt layout from torchvision Bottlenecks (expansion 4), groups 4, width per group 16,
    widths 8-16-32, blocks 1-2-1: grouped 3x3 Convs, projection shortcuts."""
    from torchvision.models import resnet
    return vision_case(TvResNet(resnet.Bottleneck, (8, 16, 32), (1, 2, 1), 4, 16),
                       (2, 3, 64, 64))


@case(outputs=("logits",))
def shufflenet_tiny():
    """torchvision ShuffleNetV2 class with stage widths 8-16-32-64-128 and repeats 2-2-2:
    channel shuffle as Reshape/Transpose/Reshape (shape chains), Split (chunk), Concat,
    depthwise stride-2 Convs, ReduceMean head."""
    from torchvision.models import shufflenetv2
    return vision_case(shufflenetv2.ShuffleNetV2([2, 2, 2], [8, 16, 32, 64, 128], num_classes=10),
                       (2, 3, 64, 64))


class SqueezeTiny(nn.Module):
    def __init__(self):
        super().__init__()
        from torchvision.models.squeezenet import Fire
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, 3, 2), nn.ReLU(inplace=True),
            nn.MaxPool2d(3, 2, ceil_mode=True),
            Fire(16, 8, 16, 16), Fire(32, 8, 16, 16),
            nn.MaxPool2d(3, 2, ceil_mode=True),
            Fire(32, 12, 24, 24), Fire(48, 16, 32, 32))
        self.classifier = nn.Sequential(nn.Dropout(0.5), nn.Conv2d(64, 10, 1),
                                        nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d(1))

    def forward(self, x):
        return torch.flatten(self.classifier(self.features(x)), 1)


@case(outputs=("logits",))
def squeezenet_tiny():
    """SqueezeNet 1.1 layout with torchvision Fire modules at small widths: squeeze 1x1 Conv,
    expand 1x1 and 3x3 Convs Concat-ed, MaxPool with ceil_mode, Conv classifier, Relu,
    GlobalAveragePool, Flatten."""
    m = SqueezeTiny()
    return m, torch.randn(2, 3, 64, 64)


@case(outputs=("logits",))
def densenet_tiny():
    """torchvision DenseNet class with growth 8, blocks 2-2-2, 16 initial features, bn_size 2:
    BatchNormalization before Relu and Conv (kept as nodes), dense Concat, transition
    AveragePool, GlobalAveragePool head."""
    from torchvision.models import densenet
    return vision_case(densenet.DenseNet(8, (2, 2, 2), 16, 2, num_classes=10), (2, 3, 64, 64))


@case(opset=14, outputs=("logits",))
def mobilenet_v3_small():
    """torchvision's mobilenet_v3_small itself, shrunk by its own options (width_mult 0.5,
    reduced_tail, 10 classes; the full-size model is 10 MB, see --big), opset 14, 96x96:
    HardSwish, squeeze-excite (GlobalAveragePool, 1x1 Convs, HardSigmoid, Mul), depthwise 3x3
    and 5x5 Convs, Flatten, Gemm head with HardSwish (Dropout vanishes)."""
    import torchvision.models as tvm
    m = tvm.mobilenet_v3_small(weights=None, num_classes=10, width_mult=0.5, reduced_tail=True)
    # torchvision initialises the head's Linears with N(0, 0.01), which leaves logits ~1e-2
    # and the 1e-4 tolerance loose; PyTorch's default Linear initialisation gives logits ~1.
    for fc in (m.classifier[0], m.classifier[3]):
        fc.reset_parameters()
    return vision_case(m, (2, 3, 96, 96))


@case(outputs=("logits",))
def efficientnet_tiny():
    """torchvision EfficientNet class with the efficientnet_b0 configuration at width 0.25 and
    depth 0.25: SiLU (Sigmoid*x), MBConv with squeeze-excite (Sigmoid gate), depthwise 3x3 and
    5x5 Convs, residual Adds (stochastic depth is the identity in eval)."""
    from torchvision.models import efficientnet
    setting, last = efficientnet._efficientnet_conf("efficientnet_b0", width_mult=0.25,
                                                     depth_mult=0.25)
    return vision_case(efficientnet.EfficientNet(setting, 0.2, num_classes=10, last_channel=last),
                       (2, 3, 64, 64))


@case(outputs=("logits",))
def regnet_tiny():
    """torchvision RegNet class with small block parameters (depth 6, w_0 16, group width 8,
    squeeze-excite 0.25): grouped Convs, SE with Sigmoid, residual Adds."""
    from torchvision.models import regnet
    params = regnet.BlockParams.from_init_params(depth=6, w_0=16, w_a=8.0, w_m=2.0,
                                                 group_width=8, se_ratio=0.25)
    return vision_case(regnet.RegNet(params, num_classes=10, stem_width=16), (2, 3, 64, 64))


# ---------------------------------------------------------------- export and reference

def export(model, xs, path, opset, keep_bn, outputs, inputs=("input",), batch_axis=None):
    model.eval()
    batch_axis = batch_axis or {}
    dyn = {k: {batch_axis.get(k, 0): "N"} for k in tuple(inputs) + tuple(outputs)}
    # PRESERVE keeps BatchNormalization nodes; EVAL (the default) folds them into Conv.
    mode = torch.onnx.TrainingMode.PRESERVE if keep_bn else torch.onnx.TrainingMode.EVAL
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, tuple(xs), path, opset_version=opset, input_names=list(inputs),
                          output_names=list(outputs), dynamic_axes=dyn, training=mode,
                          do_constant_folding=True)
    onnx.checker.check_model(onnx.load(path))


def run_ort(model_path, inputs, outdir):
    if not os.path.isdir(os.path.join(ROOT, "tools", "ort", "node_modules", "onnxruntime-node")):
        sys.exit("make_models: ONNX Runtime is missing; run "
                 "(cd tools/ort && npm install --ignore-scripts onnxruntime-node)")
    cmd = ["node", RUN_ORT, model_path]
    for i in inputs:
        cmd += ["-i", i]
    subprocess.run(cmd + ["-o", outdir], check=True, stdout=subprocess.DEVNULL)


def check_against_torch(model, xs, outdir, n):
    """Sanity check only: PyTorch and ONNX Runtime should agree closely."""
    with torch.no_grad():
        ref = model(*xs)
    ref = ref if isinstance(ref, tuple) else (ref,)
    worst = 0.0
    for i in range(n):
        o = np.load(os.path.join(outdir, "output_%d.npy" % i))
        t = ref[i].numpy()
        if o.shape != t.shape:
            raise SystemExit("output %d: ORT shape %s, torch %s" % (i, o.shape, t.shape))
        if o.dtype != np.float32:
            worst = max(worst, float(np.any(o != t)))
            continue
        scale = max(float(np.max(np.abs(t))), 1e-6)
        worst = max(worst, float(np.max(np.abs(o.astype(np.float64) - t))) / scale)
    return worst


def describe(path):
    m = onnx.load(path)
    ops = sorted({n.op_type for n in m.graph.node})
    opset = [o.version for o in m.opset_import if o.domain in ("", "ai.onnx")][0]
    return opset, ops


def make_case(name, spec, root):
    torch.manual_seed(seed_for(name))
    np.random.seed(seed_for(name))
    model, xs = spec["build"]()
    xs = xs if isinstance(xs, tuple) else (xs,)
    model.eval()
    d = os.path.join(root, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    mpath = os.path.join(d, "model.onnx")
    export(model, xs, mpath, spec["opset"], spec["keep_bn"], spec["outputs"], spec["inputs"],
           spec["batch_axis"])
    ipaths = []
    for i, x in enumerate(xs):
        ipaths.append(os.path.join(d, "input_%d.npy" % i))
        np.save(ipaths[-1], x.numpy().astype(np.float32))
    run_ort(mpath, ipaths, d)
    err = check_against_torch(model, xs, d, len(spec["outputs"]))
    size = os.path.getsize(mpath)
    opset, ops = describe(mpath)
    print("%-16s opset %-2d %7d B  torch/ort %.1e  %s" % (name, opset, size, err, " ".join(ops)))
    if size > MAX_BYTES:
        raise SystemExit("%s: model is %d bytes, over the %d limit" % (name, size, MAX_BYTES))
    if err > 1e-4:
        print("  warning: %s: PyTorch and ONNX Runtime differ by %.2e (relative)" % (name, err))


def make_big(root):
    import torchvision.models as tvm
    for name, opset in (("squeezenet1_1", 13), ("mobilenet_v2", 13), ("resnet18", 13),
                        ("mobilenet_v3_small", 14)):
        torch.manual_seed(0)
        model = getattr(tvm, name)(weights=None)
        # With torchvision's initialisation and identity BN statistics, mobilenet_v2's
        # activations shrink to ~1e-9 by the last layer; calibrate BN like training would.
        calibrate_bn(model, torch.randn(8, 3, 224, 224))
        x = torch.randn(1, 3, 224, 224)
        d = os.path.join(root, name)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        mpath = os.path.join(d, "model.onnx")
        export(model, (x,), mpath, opset, False, ("output",))
        ipath = os.path.join(d, "input_0.npy")
        np.save(ipath, x.numpy())
        run_ort(mpath, [ipath], d)
        err = check_against_torch(model, (x,), d, 1)
        opset, ops = describe(mpath)
        print("%-16s opset %-2d %9d B  torch/ort %.1e  %s" % (name, opset, os.path.getsize(mpath),
              err, " ".join(ops)))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cases", nargs="*", help="cases to make (default: all)")
    ap.add_argument("--out", help="output folder (default tests/models, or tests/models/big with --big)")
    ap.add_argument("--big", action="store_true", help="export torchvision squeezenet1_1, mobilenet_v2, resnet18, mobilenet_v3_small")
    ap.add_argument("--list", action="store_true", help="list the cases and exit")
    args = ap.parse_args()
    torch.set_num_threads(1)
    if args.list:
        for k, v in CASES.items():
            print("%-16s %s" % (k, " ".join(v["doc"].split())))
        return
    if args.big:
        make_big(args.out or os.path.join(ROOT, "tests", "models", "big"))
        return
    for name in args.cases:
        if name not in CASES:
            sys.exit("make_models: unknown case '%s' (see --list)" % name)
    for name in args.cases or CASES:
        make_case(name, CASES[name], args.out or os.path.join(ROOT, "tests", "models"))


if __name__ == "__main__":
    main()
