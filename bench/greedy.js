// greedy.js: the baseline arena planner, after TF Lite Micro's GreedyMemoryPlanner
// (tensorflow/lite/micro/memory_planner/greedy_memory_planner.cc).
//
// Buffers are placed largest first (stable: ties keep the report's order). Each one
// walks the buffers already placed that are live at the same time, in offset order,
// and takes the first gap big enough for it, else the end of the last of them.
// Lifetimes are inclusive [first_step, last_step]; sizes are rounded up to 16 bytes,
// TFLM's buffer alignment (and axcc's). It plans the same lowered program axcc does:
// every activation buffer of N.report.json with its own lifetime: kind "arena", and
// aliases of kind "shared" (memory axcc's planner shares in place or places inside a
// Concat output, which TF Lite Micro does not) as buffers of their own; "view" aliases
// (Reshape, Flatten...: no kernel runs for them) fold into the buffer they view.
//
//   node bench/greedy.js N.report.json      prints the baseline arena and axcc's
'use strict';

const ALIGN = 16;

function alignUp(n) {
	return Math.max(ALIGN, Math.ceil(n / ALIGN) * ALIGN);
}

// arena buffers of a report: [{name, size, first, last}]
function arenaBuffers(report) {
	return report.buffers
		.filter(b => b.own_first_step !== undefined && b.own_first_step >= 0)
		.map((b, i) => ({ name: `${i}:${b.name}`, size: b.size, first: b.own_first_step,
			last: b.own_last_step }));
}

function live(a, b) {
	return !(a.last < b.first || b.last < a.first);
}

// Returns {arena, offsets: Map name -> offset}.
function plan(bufs) {
	const order = bufs.map((b, i) => i)
		.sort((i, j) => alignUp(bufs[j].size) - alignUp(bufs[i].size) || i - j);
	const placed = [];	// {buf, size, offset}, kept sorted by offset
	let arena = 0;
	for (const i of order) {
		const b = bufs[i], size = alignUp(b.size);
		let offset = 0;
		for (const p of placed) {
			if (!live(p.buf, b))
				continue;
			if (p.offset >= offset + size)
				break;	// the gap before p fits
			offset = Math.max(offset, p.offset + p.size);
		}
		let k = placed.findIndex(p => p.offset > offset);
		placed.splice(k < 0 ? placed.length : k, 0, { buf: b, size, offset });
		arena = Math.max(arena, offset + size);
	}
	const offsets = new Map(placed.map(p => [p.buf.name, p.offset]));
	return { arena, offsets };
}

// Checks that no two buffers live at the same time overlap in memory.
function check(bufs, offsets) {
	for (let i = 0; i < bufs.length; i++)
		for (let j = i + 1; j < bufs.length; j++) {
			const a = bufs[i], b = bufs[j];
			const oa = offsets.get(a.name), ob = offsets.get(b.name);
			if (live(a, b) && oa < ob + b.size && ob < oa + a.size)
				throw new Error(`greedy: '${a.name}' and '${b.name}' overlap`);
		}
}

module.exports = { arenaBuffers, plan, check, ALIGN };

if (require.main === module) {
	const report = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));
	const bufs = arenaBuffers(report);
	const r = plan(bufs);
	check(bufs, r.offsets);
	console.log(`${bufs.length} arena buffers; greedy-by-size ${r.arena} bytes, axcc ${report.arena_bytes} bytes`);
}
