#!/usr/bin/env node
// run_ort.js: runs an ONNX model in ONNX Runtime on .npy inputs and writes .npy outputs.
//
// Reference-data tool only (axcc itself never uses ONNX Runtime). Inputs are bound to
// the model's graph inputs in order; outputs are written in graph order.
//
//   node tools/ort/run_ort.js MODEL.onnx -i input_0.npy [-i input_1.npy ...] -o DIR [--time R]
//
// writes DIR/output_0.npy, DIR/output_1.npy, ... and prints one line per output.
// --time R additionally runs the model R more times and prints the median latency.
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

// .npy dtype descriptor <-> ORT tensor type and typed array
const NPY_TYPES = {
	'<f4': ['float32', Float32Array], '<f8': ['float64', Float64Array],
	'|i1': ['int8', Int8Array], '|u1': ['uint8', Uint8Array],
	'<i2': ['int16', Int16Array], '<u2': ['uint16', Uint16Array],
	'<i4': ['int32', Int32Array], '<u4': ['uint32', Uint32Array],
	'<i8': ['int64', BigInt64Array], '<u8': ['uint64', BigUint64Array],
	'|b1': ['bool', Uint8Array],
};

function npyRead(file) {
	const buf = fs.readFileSync(file);
	if (buf.toString('latin1', 0, 6) !== '\x93NUMPY')
		throw new Error(`${file}: not a .npy file`);
	const major = buf[6];
	const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
	const hstart = major === 1 ? 10 : 12;
	const header = buf.toString('latin1', hstart, hstart + hlen);
	const descr = /'descr':\s*'([^']+)'/.exec(header);
	const order = /'fortran_order':\s*(True|False)/.exec(header);
	const shape = /'shape':\s*\(([^)]*)\)/.exec(header);
	if (!descr || !order || !shape)
		throw new Error(`${file}: bad header ${header}`);
	if (order[1] === 'True')
		throw new Error(`${file}: Fortran order is not supported`);
	const t = NPY_TYPES[descr[1]];
	if (!t)
		throw new Error(`${file}: dtype ${descr[1]} is not supported`);
	const dims = shape[1].split(',').map(s => s.trim()).filter(s => s).map(Number);
	const n = dims.reduce((a, b) => a * b, 1);
	const off = hstart + hlen;
	const bytes = new Uint8Array(n * t[1].BYTES_PER_ELEMENT);
	bytes.set(buf.subarray(off, off + bytes.length));
	let data = new t[1](bytes.buffer);
	if (t[0] === 'bool')
		data = Array.from(data, v => v !== 0);
	return new ort.Tensor(t[0], data, dims);
}

function npyWrite(file, tensor) {
	const descr = Object.keys(NPY_TYPES).find(k => NPY_TYPES[k][0] === tensor.type);
	if (!descr)
		throw new Error(`output type ${tensor.type} is not supported`);
	const dims = tensor.dims.map(Number);
	const shape = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
	let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
	const total = 10 + header.length + 1;
	header += ' '.repeat((64 - total % 64) % 64) + '\n';
	const head = Buffer.alloc(10);
	head.write('\x93NUMPY', 0, 'latin1');
	head[6] = 1;
	head[7] = 0;
	head.writeUInt16LE(header.length, 8);
	let data = tensor.data;
	if (tensor.type === 'bool')
		data = Uint8Array.from(data, v => (v ? 1 : 0));
	const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
	fs.writeFileSync(file, Buffer.concat([head, Buffer.from(header, 'latin1'), body]));
}

function parseArgs(argv) {
	const a = { inputs: [], out: '.', time: 0 };
	for (let i = 0; i < argv.length; i++) {
		if (argv[i] === '-i') a.inputs.push(argv[++i]);
		else if (argv[i] === '-o') a.out = argv[++i];
		else if (argv[i] === '--time') a.time = Number(argv[++i]);
		else if (!a.model) a.model = argv[i];
		else throw new Error(`unexpected argument ${argv[i]}`);
	}
	if (!a.model || a.inputs.length === 0)
		throw new Error('usage: run_ort.js MODEL.onnx -i X.npy [-i ...] -o DIR [--time R]');
	return a;
}

async function main() {
	const a = parseArgs(process.argv.slice(2));
	const sess = await ort.InferenceSession.create(a.model, {
		intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential',
		graphOptimizationLevel: 'all',
	});
	if (a.inputs.length !== sess.inputNames.length)
		throw new Error(`model has ${sess.inputNames.length} inputs, got ${a.inputs.length}`);
	const feeds = {};
	sess.inputNames.forEach((name, i) => { feeds[name] = npyRead(a.inputs[i]); });
	const res = await sess.run(feeds);
	fs.mkdirSync(a.out, { recursive: true });
	sess.outputNames.forEach((name, i) => {
		const f = path.join(a.out, `output_${i}.npy`);
		npyWrite(f, res[name]);
		console.log(`${name}: ${res[name].type} [${res[name].dims.join(',')}] -> ${f}`);
	});
	if (a.time > 0) {
		const ms = [];
		for (let r = 0; r < a.time; r++) {
			const t0 = process.hrtime.bigint();
			await sess.run(feeds);
			ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
		}
		ms.sort((x, y) => x - y);
		console.log(`median ${ms[ms.length >> 1].toFixed(3)} ms over ${a.time} runs`);
	}
}

main().catch(e => { console.error(`run_ort.js: ${e.message}`); process.exit(1); });
