#!/usr/bin/python3
"""make_qdq_models.py: quantized (QDQ) test models for axcc, as ONNX
Runtime's static quantizer writes them: QuantizeLinear -> DequantizeLinear
pairs around float ops, weights as DequantizeLinear of int8 constants (per
tensor or per output channel, zero point 0), biases as int32 at scale
s_x * s_w. Scales come from the float network's ranges on the inputs
(min/max calibration). Reference outputs come from ONNX Runtime
(tools/ort/run_ort.js), never from axcc.

    /usr/bin/python3 tools/make_qdq_models.py [OUTDIR]   (default tests/models)

writes OUTDIR/qdq_cnn_u8 and OUTDIR/qdq_cnn_i8, each model.onnx,
input_0.npy and output_N.npy. Deterministic (fixed seeds).

    /usr/bin/python3 tools/make_qdq_models.py --compare AXCC [N] [DIR]

builds qdq_cnn_u8 for a batch of N (default 256) random inputs in DIR
(default a temporary directory) with every QuantizeLinear output a graph
output, runs it in ONNX Runtime and in `AXCC run`, and prints per output
how many codes differ (docs/QDQ.md).

    /usr/bin/python3 tools/make_qdq_models.py --float IN.onnx OUT.onnx

writes the float network of a QDQ model: constant DequantizeLinear nodes
become float weights, QuantizeLinear -> DequantizeLinear pairs go, a
quantized graph output becomes float (bench/qdqspeed.sh).
"""
import os
import subprocess
import sys

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def qparams(lo, hi, kind):
    """(scale, zero point) of a float range: 'u8' asymmetric uint8 (ORT's
    default), 'i8' symmetric int8 (zero point 0), 'i8a' asymmetric int8."""
    lo, hi = min(float(lo), 0.0), max(float(hi), 0.0)
    if kind == 'i8':
        s = max(-lo, hi) / 127.0
        return np.float32(s if s > 0 else 1.0), 0
    qmin, qmax = (0, 255) if kind == 'u8' else (-128, 127)
    s = (hi - lo) / (qmax - qmin)
    s = np.float32(s if s > 0 else 1.0)
    z = int(np.clip(round(qmin - lo / float(s)), qmin, qmax))
    return s, z


class Builder:
    def __init__(self, name):
        self.name = name
        self.nodes, self.inits, self.k = [], [], 0

    def uid(self, p):
        self.k += 1
        return '%s_%d' % (p, self.k)

    def const(self, name, arr):
        self.inits.append(numpy_helper.from_array(arr, name))
        return name

    def node(self, op, ins, outs=None, **attrs):
        outs = outs or [self.uid(op.lower())]
        self.nodes.append(helper.make_node(op, ins, outs, name=self.uid(op), **attrs))
        return outs[0]

    def qdq(self, x, val, kind, params=None, out=None):
        """QuantizeLinear -> DequantizeLinear of float tensor x (values val
        for the range); returns (dq output, q output, (scale, zp, kind))."""
        s, z = params[:2] if params else qparams(val.min(), val.max(), kind)
        kind = params[2] if params else kind
        zt = np.array(z, np.uint8 if kind == 'u8' else np.int8)
        sn = self.const(self.uid('s'), np.array(s, np.float32))
        zn = self.const(self.uid('z'), zt)
        q = self.node('QuantizeLinear', [x, sn, zn], [out] if out else None)
        return self.node('DequantizeLinear', [q, sn, zn]), q, (s, z, kind)

    def weight(self, w, per_channel, axis=0, qmax=127):
        """int8 symmetric weight codes in [-qmax, qmax] and their
        DequantizeLinear; returns (dq output, scales as float32 array per
        output channel). qmax 63 is ORT's reduce_range (7-bit weights),
        which uint8 activations need on x86 without VNNI: ORT's u8 x s8
        kernels add pairs of products in int16 (vpmaddubsw) and saturate
        beyond 2 * 255 * 64."""
        red = tuple(i for i in range(w.ndim) if i != axis)
        amax = np.abs(w).max(axis=red) if per_channel else np.full(w.shape[axis], np.abs(w).max())
        s = (amax / float(qmax)).astype(np.float32)
        shape = [1] * w.ndim
        shape[axis] = -1
        wq = np.clip(np.rint(w / s.reshape(shape)), -qmax, qmax).astype(np.int8)
        sc = s if per_channel else s[:1].reshape(())
        zn = np.zeros(sc.shape, np.int8)
        ins = [self.const(self.uid('wq'), wq), self.const(self.uid('ws'), sc),
               self.const(self.uid('wz'), zn)]
        return self.node('DequantizeLinear', ins, axis=axis) if per_channel else \
            self.node('DequantizeLinear', ins), s

    def bias(self, b, sx, sw):
        """int32 bias at scale s_x * s_w (per channel), dequantized."""
        s = (np.float32(sx) * sw).astype(np.float32)
        bq = np.rint(b / s).astype(np.int32)
        ins = [self.const(self.uid('bq'), bq), self.const(self.uid('bs'), s),
               self.const(self.uid('bz'), np.zeros(s.shape, np.int32))]
        return self.node('DequantizeLinear', ins, axis=0)

    def save(self, path, inputs, outputs, check=True):
        g = helper.make_graph(self.nodes, self.name, inputs, outputs, self.inits)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid('', 13)],
                              producer_name='make_qdq_models.py')
        if check:
            onnx.checker.check_model(m)
        onnx.save(m, path)


def t(a):
    return torch.from_numpy(np.ascontiguousarray(a))


def cnn_u8(b, x):
    """uint8 activations (asymmetric), 7-bit weights (reduce_range) per
    channel and per tensor: Conv+Relu, MaxPool, Conv, residual Add, Relu, 1x1 Conv stride 2
    + Relu, AveragePool, GlobalAveragePool, Flatten, Gemm."""
    rng = np.random.default_rng(11)
    w1 = rng.normal(0, 0.4, (8, 3, 3, 3)).astype(np.float32)
    b1 = rng.normal(0, 0.1, 8).astype(np.float32)
    w2 = rng.normal(0, 0.15, (8, 8, 3, 3)).astype(np.float32)
    b2 = rng.normal(0, 0.1, 8).astype(np.float32)
    w3 = rng.normal(0, 0.3, (16, 8, 1, 1)).astype(np.float32)
    w4 = rng.normal(0, 0.3, (10, 16)).astype(np.float32)
    b4 = rng.normal(0, 0.1, 10).astype(np.float32)

    v0 = t(x)
    v1 = F.relu(F.conv2d(v0, t(w1), t(b1), padding=1))
    v2 = F.max_pool2d(v1, 2)
    v3 = F.conv2d(v2, t(w2), t(b2), padding=1)
    v4 = v3 + v2
    v5 = F.relu(v4)
    v6 = F.relu(F.conv2d(v5, t(w3), None, stride=2))
    v7 = F.avg_pool2d(v6, 2, count_include_pad=True)
    v8 = v7.mean((2, 3), keepdim=True)
    v9 = v8.flatten(1) @ t(w4).T + t(b4)
    n = lambda v: v.numpy()

    d0, _, q0 = b.qdq('input', x, 'u8')
    wd, ws = b.weight(w1, True, qmax=63)
    c = b.node('Conv', [d0, wd, b.bias(b1, q0[0], ws)], pads=[1, 1, 1, 1], kernel_shape=[3, 3])
    r = b.node('Relu', [c])
    d1, _, q1 = b.qdq(r, n(v1), 'u8')
    p = b.node('MaxPool', [d1], kernel_shape=[2, 2], strides=[2, 2])
    d2, _, _ = b.qdq(p, None, 'u8', q1)
    wd, ws = b.weight(w2, False, qmax=63)
    c = b.node('Conv', [d2, wd, b.bias(b2, q1[0], ws)], pads=[1, 1, 1, 1])
    d3, _, _ = b.qdq(c, n(v3), 'u8')
    a = b.node('Add', [d3, d2])
    d4, _, _ = b.qdq(a, n(v4), 'u8')
    r = b.node('Relu', [d4])
    d5, _, q5 = b.qdq(r, n(v5), 'u8')
    wd, ws = b.weight(w3, True, qmax=63)
    c = b.node('Conv', [d5, wd], strides=[2, 2])
    r = b.node('Relu', [c])
    d6, _, _ = b.qdq(r, n(v6), 'u8')
    ap = b.node('AveragePool', [d6], kernel_shape=[2, 2], strides=[2, 2])
    d7, _, _ = b.qdq(ap, n(v7), 'u8')
    gp = b.node('GlobalAveragePool', [d7])
    d8, _, q8 = b.qdq(gp, n(v8), 'u8')
    f = b.node('Flatten', [d8])
    d9, _, _ = b.qdq(f, None, 'u8', q8)
    wd, ws = b.weight(w4, True, qmax=63)
    y = b.node('Gemm', [d9, wd, b.bias(b4, q8[0], ws)], transB=1)
    b.qdq(y, n(v9), 'u8', out='logits_q')
    return [('logits_q', TensorProto.UINT8, [2, 10])]


def cnn_i8(b, x):
    """int8 activations (symmetric, and one asymmetric), int8 weights per
    tensor and per column: Conv + Clip(0, 6), two branches (1x1 Conv, 3x3
    Conv + Relu) joined by Concat with other scales, MaxPool 3x3 stride 2
    pad 1 with a scale change, GlobalAveragePool, Reshape, MatMul."""
    rng = np.random.default_rng(12)
    w1 = rng.normal(0, 0.4, (8, 3, 3, 3)).astype(np.float32)
    b1 = rng.normal(0, 0.2, 8).astype(np.float32)
    wa = rng.normal(0, 0.3, (6, 8, 1, 1)).astype(np.float32)
    wb = rng.normal(0, 0.15, (10, 8, 3, 3)).astype(np.float32)
    bb = rng.normal(0, 0.1, 10).astype(np.float32)
    wm = rng.normal(0, 0.3, (16, 10)).astype(np.float32)

    v1 = torch.clamp(F.conv2d(t(x), t(w1), t(b1), padding=1), 0, 6)
    va = F.conv2d(v1, t(wa))
    vb = F.relu(F.conv2d(v1, t(wb), t(bb), padding=1))
    vc = torch.cat([va, vb], 1)
    vm = F.max_pool2d(vc, 3, 2, 1)
    vg = vm.mean((2, 3), keepdim=True)
    vr = vg.reshape(2, 16)
    vy = vr @ t(wm)
    n = lambda v: v.numpy()

    d0, _, q0 = b.qdq('input', x, 'i8')
    wd, ws = b.weight(w1, False)
    six = b.const('six', np.array(6, np.float32))
    zero = b.const('zero', np.array(0, np.float32))
    c = b.node('Conv', [d0, wd, b.bias(b1, q0[0], ws)], pads=[1, 1, 1, 1])
    r = b.node('Clip', [c, zero, six])
    d1, _, q1 = b.qdq(r, n(v1), 'i8')
    wd, _ = b.weight(wa, False)
    ca = b.node('Conv', [d1, wd])
    da, _, _ = b.qdq(ca, n(va), 'i8')
    wd, ws = b.weight(wb, True)
    cb = b.node('Conv', [d1, wd, b.bias(bb, q1[0], ws)], pads=[1, 1, 1, 1])
    rb = b.node('Relu', [cb])
    db, _, _ = b.qdq(rb, n(vb), 'i8')
    cat = b.node('Concat', [da, db], axis=1)
    dc, _, _ = b.qdq(cat, n(vc), 'i8')
    mp = b.node('MaxPool', [dc], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    dm, _, _ = b.qdq(mp, n(vm) * 0.9, 'i8')   # a narrower range: requantized
    gp = b.node('GlobalAveragePool', [dm])
    dg, _, qg = b.qdq(gp, n(vg), 'i8')
    shp = b.const('shape', np.array([2, 16], np.int64))
    rs = b.node('Reshape', [dg, shp])
    dr, _, _ = b.qdq(rs, None, 'i8', qg)
    wd, _ = b.weight(wm, True, axis=1)
    y = b.node('MatMul', [dr, wd])
    b.qdq(y, n(vy), 'i8a', out='out_q')
    return [('out_q', TensorProto.INT8, [2, 10])]


def make(outdir, name, fn, shape, seed):
    d = os.path.join(outdir, name)
    os.makedirs(d, exist_ok=True)
    x = np.random.default_rng(seed).normal(0, 1, shape).astype(np.float32)
    b = Builder(name)
    outs = fn(b, x)
    b.save(os.path.join(d, 'model.onnx'),
           [helper.make_tensor_value_info('input', TensorProto.FLOAT, list(shape))],
           [helper.make_tensor_value_info(*o) for o in outs])
    np.save(os.path.join(d, 'input_0.npy'), x)
    subprocess.run(['node', os.path.join(ROOT, 'tools/ort/run_ort.js'), os.path.join(d, 'model.onnx'),
                    '-i', os.path.join(d, 'input_0.npy'), '-o', d], check=True)


def compare(axcc, n, d):
    """Every QuantizeLinear output of qdq_cnn_u8 at batch n: ORT vs axcc."""
    import tempfile
    d = d or tempfile.mkdtemp(prefix='qdq_compare')
    os.makedirs(d, exist_ok=True)
    x = np.random.default_rng(5).normal(0, 1, (n, 3, 16, 16)).astype(np.float32)
    b = Builder('qdq_cnn_u8_big')
    outs = [(o[0], o[1], [n] + o[2][1:]) for o in cnn_u8(b, x)]
    qs = [nd.output[0] for nd in b.nodes if nd.op_type == 'QuantizeLinear' and nd.output[0] != outs[0][0]]
    b.save(os.path.join(d, 'model.onnx'), [helper.make_tensor_value_info('input', TensorProto.FLOAT, [n, 3, 16, 16])],
           [helper.make_tensor_value_info(*o) for o in outs] +
           [helper.make_empty_tensor_value_info(q) for q in qs], check=False)
    np.save(os.path.join(d, 'input_0.npy'), x)
    for sub in ('ort', 'axcc'):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    subprocess.run(['node', os.path.join(ROOT, 'tools/ort/run_ort.js'), os.path.join(d, 'model.onnx'),
                    '-i', os.path.join(d, 'input_0.npy'), '-o', os.path.join(d, 'ort')],
                   check=True, stdout=subprocess.DEVNULL)
    k = len(qs) + 1
    subprocess.run([axcc, 'run', os.path.join(d, 'model.onnx'), '-q', '--input', os.path.join(d, 'input_0.npy')] +
                   sum([['--output', os.path.join(d, 'axcc', 'output_%d.npy' % i)] for i in range(k)], []),
                   check=True)
    total = diff = 0
    for i, name in enumerate([outs[0][0]] + qs):
        a = np.load(os.path.join(d, 'axcc', 'output_%d.npy' % i)).astype(int)
        r = np.load(os.path.join(d, 'ort', 'output_%d.npy' % i)).astype(int)
        nd = int((a != r).sum())
        total, diff = total + a.size, diff + nd
        print('%-24s %9d codes, %d differ (max %d)' % (name, a.size, nd, np.abs(a - r).max()))
    print('all: %d codes, %d differ' % (total, diff))


def float_twin(src, dst):
    """The QDQ model src without quantization, into dst."""
    m = onnx.load(src)
    g = m.graph
    init = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    outs = [o.name for o in g.output]
    ren, keep, weights = {}, [], []
    for n in g.node:
        if n.op_type == 'DequantizeLinear' and n.input[0] in init:
            x = init[n.input[0]].astype(np.float64)
            s = init[n.input[1]].astype(np.float64)
            z = init[n.input[2]].astype(np.float64) if len(n.input) > 2 else np.zeros(s.shape)
            ax = ([a.i for a in n.attribute if a.name == 'axis'] or [1])[0]
            if s.ndim == 1 and x.ndim > 1:
                shape = [1] * x.ndim
                shape[ax] = -1
                s, z = s.reshape(shape), z.reshape(shape)
            weights.append(numpy_helper.from_array(((x - z) * s).astype(np.float32), n.output[0]))
        elif n.op_type == 'QuantizeLinear' and n.output[0] not in outs:
            ren[n.output[0]] = n.input[0]
        elif n.op_type == 'DequantizeLinear':
            ren[n.output[0]] = n.input[0]
        else:
            keep.append(n)
    for n in keep:
        for i, x in enumerate(n.input):
            while x in ren:
                x = ren[x]
            n.input[i] = x
        if n.op_type == 'QuantizeLinear':   # a quantized graph output: its float value
            n.op_type = 'Identity'
            del n.input[1:]
    del g.node[:]
    g.node.extend(keep)
    for o in g.output:
        o.type.tensor_type.elem_type = TensorProto.FLOAT
    g.initializer.extend(weights)
    onnx.save(m, dst)


def main():
    if len(sys.argv) == 4 and sys.argv[1] == '--float':
        return float_twin(sys.argv[2], sys.argv[3])
    if len(sys.argv) > 2 and sys.argv[1] == '--compare':
        return compare(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 256,
                       sys.argv[4] if len(sys.argv) > 4 else None)
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, 'tests/models')
    make(outdir, 'qdq_cnn_u8', cnn_u8, (2, 3, 16, 16), 1)
    make(outdir, 'qdq_cnn_i8', cnn_i8, (2, 3, 12, 12), 2)


if __name__ == '__main__':
    main()
