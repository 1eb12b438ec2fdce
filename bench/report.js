// bench — the printed report. In: result records from run.js. Out: text
// tables: one block per shape (median, GFLOP/s, time relative to rnnc), a
// summary of the ratios, and the footprint.

const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);

function ms(v) {
  if (v === undefined || Number.isNaN(v)) return "—";
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toFixed(3);
}

export function ratioText(r) {
  return r === undefined ? "—" : `${r >= 10 ? r.toFixed(0) : r.toFixed(2)}x`;
}

/** One shape's block: every implementation of each work, or why it was not timed. */
export function shapeBlock(title, rows) {
  const lines = [title];
  lines.push(`  ${pad("work", 9)}${pad("implementation", 17)}${lpad("median ms", 10)}${lpad("GFLOP/s", 9)}${
    lpad("vs rnnc", 9)
  }${lpad("samples", 10)}${lpad("IQR", 6)}  check`);
  for (const r of rows) {
    const samples = r.samples ? `${r.samples}x${r.callsPerSample}` : "";
    const iqr = r.iqrPercent === undefined ? "" : `${r.iqrPercent.toFixed(0)}%`;
    const check = r.checkError === undefined
      ? ""
      : r.name === "rnnc" ? "reference" : `${r.checkError.toExponential(1)}`;
    if (r.status === "timed") {
      lines.push(`  ${pad(r.work, 9)}${pad(r.name, 17)}${lpad(ms(r.medianMs), 10)}${lpad(r.gflops.toFixed(2), 9)}${
        lpad(ratioText(r.ratioToRnnc), 9)
      }${lpad(samples, 10)}${lpad(iqr, 6)}  ${check}`);
    } else {
      lines.push(`  ${pad(r.work, 9)}${pad(r.name, 17)}${lpad("—", 10)}${lpad("", 9)}${lpad("", 9)}${lpad("", 10)}${
        lpad("", 6)
      }  ${r.note.startsWith(r.status) ? "" : `${r.status}: `}${r.note}`);
    }
  }
  return lines.join("\n");
}

/** Rows shape × work, columns implementations: each peer's median time divided by rnnc's. */
export function ratioSummary(results, names) {
  const keys = [...new Set(results.map((r) => `${r.shape}|${r.work}`))];
  const width = Math.max(...names.map((n) => n.length)) + 2;
  const lines = ["peer time / rnnc time (above 1: rnnc is faster)"];
  lines.push(`  ${pad("shape work", 16)}${lpad("rnnc ms", 9)}${names.map((n) => lpad(n, width)).join("")}`);
  for (const key of keys) {
    const [shape, work] = key.split("|");
    const row = results.filter((r) => r.shape === shape && r.work === work);
    const rnnc = row.find((r) => r.name === "rnnc");
    const cells = names.map((n) => {
      const r = row.find((x) => x.name === n);
      return lpad(!r ? "" : r.status === "timed" ? ratioText(r.ratioToRnnc) : r.status, width);
    });
    lines.push(`  ${pad(`(${shape}) ${work}`, 16)}${lpad(ms(rnnc?.medianMs), 9)}${cells.join("")}`);
  }
  return lines.join("\n");
}

const kb = (b) => `${(b / 1024).toFixed(1)} KiB`;
const mib = (b) => `${(b / 2 ** 20).toFixed(2)} MiB`;

export function footprintBlock(footprint) {
  const lines = ["footprint"];
  if (footprint.modules.length > 0) {
    const columns = [
      "bytes", 9, "gzip", 11, "compileCell", 13, "loadModel", 11,
      "capacity", 10, "memory", 11, "fixed", 11, "1st call", 10,
    ];
    const header = [];
    for (let i = 0; i < columns.length; i += 2) header.push(lpad(columns[i], columns[i + 1]));
    lines.push(`  ${pad("module", 22)}${header.join("")}`);
    for (const m of footprint.modules) {
      for (const kind of ["inference", "training"]) {
        const f = m[kind];
        const cells = [
          f.bytes, kb(f.gzipBytes), `${ms(f.compileMs)} ms`, `${ms(f.instantiateMs)} ms`,
          `${f.capacity.batch}×${f.capacity.steps}`, mib(f.memoryBytes), mib(f.fixedBytes),
          f.firstCallMs === undefined ? "—" : `${ms(f.firstCallMs)} ms`,
        ];
        lines.push(`  ${pad(`(${m.shape}) ${kind}`, 22)}${cells.map((c, i) => lpad(c, columns[2 * i + 1])).join("")}`);
      }
    }
  }
  if (footprint.cli) {
    const c = footprint.cli;
    const inspect = c.inspectMs === undefined ? "" : `; rnnc inspect of it ${ms(c.inspectMs)} ms`;
    lines.push(`  cold CLI compile, wall time (${c.shape}): ${ms(c.inferenceMs)} ms with --inference, ${
      ms(c.trainingMs)
    } ms with --optimizer sgd (node startup alone: ${ms(c.nodeStartupMs)} ms${inspect})`);
    lines.push(`    ${c.command}`);
  }
  if (footprint.peakRss) {
    const p = footprint.peakRss;
    const parts = p.entries.map((e) => (e.note
      ? `${e.kind}: ${e.note}`
      : `${e.kind === "none" ? "node + rnnc runtime, idle" : e.kind} ${e.maxRssMiB.toFixed(0)} MiB`));
    lines.push(`  peak RSS, shape (${p.shape}) training, ${p.steps} steps in a fresh process: ${parts.join("; ")}`);
  }
  return lines.join("\n");
}
