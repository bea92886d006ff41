#!/usr/bin/env node
// bench.js: axcc against ONNX Runtime (latency) and a TF-Lite-Micro-style planner (arena).
//
// Run by bench/run.sh after the models are exported; see bench/README.md.
//   node bench/bench.js --axcc AXCC [--out DIR] [--models a,b] [--rounds R]
//
// Per model: compiles it with axcc (timed), builds the C twice (-O3 -march=native and
// -O2, timed) into bench/driver.c, then alternates ONNX Runtime (one intra-op thread,
// all graph optimizations) and the two builds in rounds, each a batch of runs, and takes
// the median of all timed runs after warm-up. Each run is timed twice: wall clock, and
// CPU time (the driver's thread; node's whole process around ORT's run, which with one
// intra-op thread is that thread plus node's own bookkeeping). The ratios use CPU time,
// which other processes on a busy machine disturb far less than wall time. Checks axcc's outputs against ORT's, plans
// the arena of the same lowered program with greedy.js, measures the object's flash, and
// prints a table; writes it as JSON to OUT/results.json.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const readline = require('readline');
const { execFileSync, spawn, spawnSync } = require('child_process');
const greedy = require('./greedy.js');

const ROOT = path.dirname(__dirname);
const CC = process.env.CC || 'cc';
const TOL = 1e-4;
const BUILDS = [
	{ key: 'o3', flags: ['-O3', '-march=native'] },
	{ key: 'o2', flags: ['-O2'] },
];

function parseArgs(argv) {
	const a = { out: path.join(ROOT, 'bench', 'out'), models: null, rounds: 10, axcc: null };
	for (let i = 0; i < argv.length; i++) {
		if (argv[i] === '--out') a.out = argv[++i];
		else if (argv[i] === '--axcc') a.axcc = argv[++i];
		else if (argv[i] === '--models') a.models = argv[++i].split(',');
		else if (argv[i] === '--rounds') a.rounds = Number(argv[++i]);
		else throw new Error(`unexpected argument ${argv[i]}`);
	}
	if (!a.axcc)
		throw new Error('usage: bench.js --axcc AXCC [--out DIR] [--models a,b] [--rounds R]');
	return a;
}

// {wall, cpu} seconds of a synchronous command; cpu (user + system, from GNU time's
// report on stderr) is null where /usr/bin/time is missing
const GNU_TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
function timed(cmd, args) {
	const t0 = process.hrtime.bigint();
	if (!GNU_TIME) {
		execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
		return { wall: Number(process.hrtime.bigint() - t0) / 1e9, cpu: null };
	}
	const r = spawnSync(GNU_TIME, ['-f', 'bench-time %U %S', cmd, ...args],
		{ stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
	const wall = Number(process.hrtime.bigint() - t0) / 1e9;
	const lines = r.stderr.split('\n');
	const m = lines.map(l => /^bench-time (\S+) (\S+)$/.exec(l)).filter(Boolean).pop();
	process.stderr.write(lines.filter(l => !l.startsWith('bench-time ')).join('\n'));
	if (r.status !== 0)
		throw new Error(`${cmd} ${args.join(' ')}: exit status ${r.status}`);
	return { wall, cpu: m ? Number(m[1]) + Number(m[2]) : null };
}

function median(xs) {
	const s = [...xs].sort((x, y) => x - y);
	const n = s.length;
	return n % 2 ? s[n >> 1] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

// flash of an object from `size -A`: code, read-only data and initialized data
// (.text*, .rodata*, .data*, incl. .data.rel.ro); .bss (the arena), .eh_frame,
// .comment and .note* are not counted.
function flashBytes(obj) {
	const out = execFileSync('size', ['-A', obj], { encoding: 'utf8' });
	const sec = { text: 0, rodata: 0, data: 0, bss: 0 };
	for (const line of out.split('\n')) {
		const m = /^\.(text|rodata|data|bss)\S*\s+(\d+)/.exec(line);
		if (m)
			sec[m[1]] += Number(m[2]);
	}
	return { flash: sec.text + sec.rodata + sec.data, ...sec };
}

// One driver process: sends a command line, resolves with its answer line.
class Driver {
	constructor(exe, inBin, outBin) {
		this.outBin = outBin;
		this.proc = spawn(exe, [inBin, outBin], { stdio: ['pipe', 'pipe', 'inherit'] });
		this.waiting = [];
		readline.createInterface({ input: this.proc.stdout }).on('line', l => {
			const w = this.waiting.shift();
			if (w) w.resolve(l);
		});
		this.proc.on('exit', code => {
			for (const w of this.waiting.splice(0))
				w.reject(new Error(`${exe} exited with ${code}`));
		});
	}
	cmd(s) {
		return new Promise((resolve, reject) => {
			this.waiting.push({ resolve, reject });
			this.proc.stdin.write(s + '\n');
		});
	}
	// k runs: [{wall, cpu}] in ms
	async time(k) {
		const l = await this.cmd(`t ${k}`);
		return l.split(' ').slice(1).map(x => {
			const [w, c] = x.split(':').map(Number);
			return { wall: w / 1e6, cpu: c / 1e6 };
		});
	}
	async outputs() {
		await this.cmd('o');
		const b = fs.readFileSync(this.outBin);
		return new Float32Array(b.buffer, b.byteOffset, b.length / 4);
	}
	quit() {
		this.proc.stdin.end('q\n');
	}
}

function ortEngine(ort, sess, feeds) {
	return {
		async time(k) {
			const ms = [];
			for (let i = 0; i < k; i++) {
				const c0 = process.cpuUsage(), t0 = process.hrtime.bigint();
				await sess.run(feeds);
				const t1 = process.hrtime.bigint(), c = process.cpuUsage(c0);
				ms.push({ wall: Number(t1 - t0) / 1e6, cpu: (c.user + c.system) / 1e3 });
			}
			return ms;
		},
		async outputs() {
			const r = await sess.run(feeds);
			const parts = sess.outputNames.map(n => r[n].data);
			const n = parts.reduce((s, p) => s + p.length, 0);
			const all = new Float32Array(n);
			let o = 0;
			for (const p of parts) { all.set(p, o); o += p.length; }
			return all;
		},
	};
}

function maxAbsDiff(a, b) {
	if (a.length !== b.length)
		throw new Error(`output sizes differ: ${a.length} vs ${b.length}`);
	let m = 0;
	for (let i = 0; i < a.length; i++)
		m = Math.max(m, Math.abs(a[i] - b[i]));
	return m;
}

// compiles the model with axcc (median of 3) and both C builds; returns their facts
function build(a, mdir, bdir) {
	fs.rmSync(bdir, { recursive: true, force: true });
	fs.mkdirSync(bdir, { recursive: true });
	const model = path.join(mdir, 'model.onnx');
	const ax = [0, 1, 2].map(() => timed(a.axcc, ['compile', model, '-o', bdir, '--name', 'model', '-q']));
	const report = JSON.parse(fs.readFileSync(path.join(bdir, 'model.report.json'), 'utf8'));
	const res = { axcc_compile_s: median(ax.map(t => t.wall)),
		axcc_compile_cpu_s: ax[0].cpu === null ? null : median(ax.map(t => t.cpu)), report, builds: {} };
	for (const b of BUILDS) {
		const obj = path.join(bdir, `model_${b.key}.o`), exe = path.join(bdir, `driver_${b.key}`);
		const cc = timed(CC, ['-std=c99', ...b.flags, '-c', path.join(bdir, 'model.c'), '-o', obj]);
		execFileSync(CC, ['-std=c99', '-D_POSIX_C_SOURCE=199309L', ...b.flags, '-I', bdir,
			path.join(__dirname, 'driver.c'), obj, '-o', exe, '-lm'], { stdio: 'inherit' });
		res.builds[b.key] = { cc_s: cc.wall, cc_cpu_s: cc.cpu, exe, size: flashBytes(obj) };
	}
	return res;
}

// warm-up, then rounds of one batch per engine (order reversed every other round)
async function timeEngines(engines, rounds) {
	const est = {};
	for (const [k, e] of Object.entries(engines)) {
		await e.time(2);
		est[k] = median((await e.time(3)).map(t => t.wall));
	}
	// runs per batch: about 0.1 s of the slowest engine, at least 2, so rounds*k >= 20
	const per = Math.max(...Object.values(est));
	const k = Math.max(2, Math.ceil(20 / rounds), Math.min(100, Math.floor(100 / per)));
	const ms = Object.fromEntries(Object.keys(engines).map(x => [x, []]));
	const keys = Object.keys(engines);
	for (let r = 0; r < rounds; r++)
		for (const x of r % 2 ? [...keys].reverse() : keys)
			ms[x].push(...await engines[x].time(k));
	return ms;
}

async function benchModel(a, ort, m) {
	const mdir = path.join(a.out, 'models', m.name), bdir = path.join(a.out, 'build', m.name);
	process.stdout.write(`${m.name}: axcc compile, cc -O3 -march=native, cc -O2 ... `);
	const b = build(a, mdir, bdir);
	const rep = b.report;
	const bufs = greedy.arenaBuffers(rep);
	const g = greedy.plan(bufs);
	greedy.check(bufs, g.offsets);
	const sumAct = rep.buffers.filter(x => x.kind === 'arena' || x.kind === 'alias')
		.reduce((s, x) => s + x.size, 0);
	process.stdout.write(`timing ...\n`);

	const sess = await ort.InferenceSession.create(path.join(mdir, 'model.onnx'), {
		intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential',
		graphOptimizationLevel: 'all',
	});
	const raw = fs.readFileSync(path.join(mdir, 'input.bin'));
	const x = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
	const feeds = { [sess.inputNames[0]]: new ort.Tensor('float32', x, m.input_shape) };
	const inBin = path.join(mdir, 'input.bin');
	const drv = Object.fromEntries(BUILDS.map(bb =>
		[bb.key, new Driver(b.builds[bb.key].exe, inBin, path.join(bdir, `out_${bb.key}.bin`))]));
	const engines = { ort: ortEngine(ort, sess, feeds), ...drv };
	const ms = await timeEngines(engines, a.rounds);
	const ref = await engines.ort.outputs();
	const diff = {};
	for (const bb of BUILDS)
		diff[bb.key] = maxAbsDiff(await drv[bb.key].outputs(), ref);
	for (const d of Object.values(drv))
		d.quit();
	await sess.release();

	const stat = (f, key) => Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, f(v.map(t => t[key]))]));
	const med = stat(median, 'cpu'), wall = stat(median, 'wall');
	const low = stat(xs => Math.min(...xs), 'cpu');
	return {
		model: m.name,
		runs: ms.ort.length,
		ort_ms: med.ort, axcc_o3_ms: med.o3, axcc_o2_ms: med.o2,
		ratio_o3: med.o3 / med.ort, ratio_o2: med.o2 / med.ort,
		wall_ms: wall, wall_ratio_o3: wall.o3 / wall.ort, wall_ratio_o2: wall.o2 / wall.ort,
		min_ms: low,
		arena_axcc: rep.arena_bytes, arena_greedy: g.arena,
		arena_vs_greedy: rep.arena_bytes / g.arena,
		sum_activations: sumAct,
		flash_o2: b.builds.o2.size.flash, flash_o3: b.builds.o3.size.flash,
		sections_o2: b.builds.o2.size, sections_o3: b.builds.o3.size,
		weight_bytes: rep.weight_bytes, macs: rep.macs,
		axcc_compile_s: b.axcc_compile_s, axcc_compile_cpu_s: b.axcc_compile_cpu_s,
		cc_o3_s: b.builds.o3.cc_s, cc_o2_s: b.builds.o2.cc_s,
		cc_o3_cpu_s: b.builds.o3.cc_cpu_s, cc_o2_cpu_s: b.builds.o2.cc_cpu_s,
		max_abs_diff_o3: diff.o3, max_abs_diff_o2: diff.o2,
		outputs_match: diff.o3 <= TOL && diff.o2 <= TOL,
	};
}

const COLS = [
	['model', 14, r => r.model],
	['ORT ms', 8, r => r.ort_ms.toFixed(2)],
	['axcc ms', 8, r => r.axcc_o3_ms.toFixed(2)],
	['ratio', 6, r => r.ratio_o3.toFixed(2)],
	['-O2 ms', 8, r => r.axcc_o2_ms.toFixed(2)],
	['ratio', 6, r => r.ratio_o2.toFixed(2)],
	['wall r', 6, r => r.wall_ratio_o3.toFixed(2)],
	['arena', 9, r => String(r.arena_axcc)],
	['greedy', 9, r => String(r.arena_greedy)],
	['a/g', 5, r => r.arena_vs_greedy.toFixed(2)],
	['sum act', 9, r => String(r.sum_activations)],
	['flash', 9, r => String(r.flash_o2)],
	['axcc s', 6, r => r.axcc_compile_s.toFixed(2)],
	['cpu s', 5, r => r.axcc_compile_cpu_s === null ? '-' : r.axcc_compile_cpu_s.toFixed(2)],
	['cc-O3 s', 7, r => r.cc_o3_s.toFixed(1)],
	['cc-O2 s', 7, r => r.cc_o2_s.toFixed(1)],
	['max|diff|', 9, r => r.max_abs_diff_o3.toExponential(1)],
];

function printTable(rows) {
	const line = cells => cells.map((c, i) => i ? c.padStart(COLS[i][1]) : c.padEnd(COLS[i][1])).join(' ');
	console.log(line(COLS.map(c => c[0])));
	for (const r of rows)
		console.log(line(COLS.map(c => c[2](r))));
}

function geomean(xs) {
	return Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);
}

function sysinfo(ort, a) {
	const sh = (cmd, args) => {
		try { return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch (e) { return null; }
	};
	const ortPkg = require(path.join(__dirname, 'node_modules', 'onnxruntime-node', 'package.json'));
	return {
		date: new Date().toISOString(),
		cpu: os.cpus()[0].model, cpus: os.cpus().length, loadavg: os.loadavg(),
		node: process.version, onnxruntime_node: ortPkg.version,
		cc: sh(CC, ['--version']).split('\n')[0],
		axcc: sh(a.axcc, ['--version']),
		git: sh('git', ['-C', ROOT, 'describe', '--always', '--dirty']),
		rounds: a.rounds,
		flash: 'size -A of the -O2 object: .text* + .rodata* + .data* (flash_o3: the -O3 -march=native object)',
		sum_activations: 'sum of the sizes of all activation buffers of the lowered program (report kinds arena and alias: every intermediate tensor and scratch buffer in its own memory)',
		arena_greedy: 'TF-Lite-Micro-style greedy-by-size planner (bench/greedy.js) over the report\'s arena buffers, 16-byte aligned',
		latency: 'median CPU ms of one run after warm-up (wall_ms: median wall ms); ORT timed around await session.run() in node (process.cpuUsage), axcc around model_run_ptrs() in bench/driver.c (CLOCK_THREAD_CPUTIME_ID)',
	};
}

async function main() {
	const a = parseArgs(process.argv.slice(2));
	const ort = require(path.join(__dirname, 'node_modules', 'onnxruntime-node'));
	let models = JSON.parse(fs.readFileSync(path.join(a.out, 'models', 'models.json'), 'utf8'));
	if (a.models)
		models = models.filter(m => a.models.includes(m.name));
	const rows = [];
	for (const m of models)
		rows.push(await benchModel(a, ort, m));
	console.log('');
	printTable(rows);
	const big = rows.filter(r => r.model !== 'fmnist_cnn');
	const gm = big.length ? geomean(big.map(r => r.ratio_o3)) : NaN;
	const gm2 = big.length ? geomean(big.map(r => r.ratio_o2)) : NaN;
	const gmw = big.length ? geomean(big.map(r => r.wall_ratio_o3)) : NaN;
	if (big.length)
		console.log(`\ngeometric mean latency ratio axcc/ORT over the 224x224 models: ` +
			`${gm.toFixed(2)} (-O3 -march=native), ${gm2.toFixed(2)} (-O2); wall time: ${gmw.toFixed(2)} (-O3)`);
	if (big.length) {
		const lows = big.map(r => r.min_ms.o3 / r.min_ms.ort);
		console.log(`ratio of the fastest runs (CPU time; the runs least disturbed by other processes): ` +
			big.map((r, i) => `${r.model} ${lows[i].toFixed(2)}`).join(', ') + `; geometric mean ${geomean(lows).toFixed(2)}`);
	}
	for (const r of rows)
		console.log(`${r.model}: outputs vs ORT max abs diff ${r.max_abs_diff_o3.toExponential(2)} (-O3), ` +
			`${r.max_abs_diff_o2.toExponential(2)} (-O2): ${r.outputs_match ? 'ok' : 'MISMATCH'} (tolerance ${TOL})`);
	console.log('\nratio: median latency axcc/ORT (ms: median CPU time of one run), single thread (ORT: intraOpNumThreads 1, ' +
		'graphOptimizationLevel all); engines alternating in rounds after warm-up; timed runs per engine: ' +
		rows.map(r => `${r.model} ${r.runs}`).join(', ') +
		'; wall r: the -O3 ratio of median wall times');
	console.log('arena: axcc\'s planned arena; greedy: TF-Lite-Micro greedy-by-size on the same buffers; a/g = arena/greedy');
	console.log('sum act: every activation tensor in its own memory; flash: size -A of the -O2 object, .text+.rodata+.data (bytes)');
	console.log('axcc s: axcc compile, median wall seconds of 3 (cpu s: their median user+system seconds); cc-O3 s, cc-O2 s: wall seconds of cc -c of the generated C');
	const result = { system: sysinfo(ort, a), geomean_ratio_o3: gm, geomean_ratio_o2: gm2, geomean_wall_ratio_o3: gmw,
		geomean_min_ratio_o3: big.length ? geomean(big.map(r => r.min_ms.o3 / r.min_ms.ort)) : NaN, models: rows };
	const file = path.join(a.out, 'results.json');
	fs.writeFileSync(file, JSON.stringify(result, null, 1) + '\n');
	console.log(`wrote ${file}`);
	if (rows.some(r => !r.outputs_match))
		process.exitCode = 1;
}

main().catch(e => { console.error(`bench.js: ${e.stack || e.message}`); process.exit(1); });
