// bench — issue 14's targets against this run. In: the run's records. Out: per shape and work,
// each target ratio, where rnnc stands, and whether it is met. Every ratio comes from this run:
// onnxruntime-web's forward, tfjs-wasm's and native PyTorch's training step (the PyTorch peer,
// peers/pytorch.js). A verdict reads the paired ratio (harness.js: the median of the rounds'
// ratios, which cancels the drifts both sides of a round share); the ratio of the two medians,
// which the tables show, is printed beside it. Where a peer was not timed, the row says why.

import { pairedRatio } from "./harness.js";

/** Forward: at least this many times faster than onnxruntime-web. */
const onnxForward = { a: 1.4, b: 1.8, c: 1.8, d: 1.8 };
/** Training: at most this fraction of native PyTorch's time, and at least this many times faster than tfjs-wasm. */
const pytorchAllowed = { a: 0.8, b: 0.8, c: 1.0, d: 0.8 };
const tfjsTraining = 20;
/** Data-parallel training (on this 2-core machine): 2 workers at least this many times one instance's throughput. */
const workersTraining = { b: 1.7, c: 1.7, d: 1.7 };
/** The 8-bit build's forward pass: at least this many times faster than the f32 build's. */
const int8Forward = { b: 1.7, c: 1.7 };

const fmt = (x) => `${x.toFixed(x >= 100 ? 0 : x >= 10 ? 1 : 2)}x`;

/** slow's time over fast's, paired where both kept their samples, else as the ratio of their medians. */
const ratio = (slow, fast) => pairedRatio(slow, fast) ?? slow.medianMs / fast.medianMs;
/** A ratio and, where it differs in print, the ratio of the medians the tables show. */
const withMedians = (x, slow, fast) => {
  const medians = fmt(slow.medianMs / fast.medianMs);
  return medians === fmt(x) ? fmt(x) : `${fmt(x)} (medians ${medians})`;
};

/** Rows of [shape, work, target, standing, met], met undefined where the peer has no time in this run. */
export function targetRows(results, implementation = "rnnc") {
  const rows = [];
  const find = (shape, work, name) => results.find((r) => r.shape === shape && r.work === work && r.name === name);
  const timed = (r) => r?.status === "timed";
  const missing = (peer) => [peer ? `${peer.status}` : "not run", undefined];
  /** [standing, met] of a ratio, or the peer's status where it has no time. */
  const standing = (ratio, text, met, peer) => (ratio ? [text(ratio), met(ratio)] : missing(peer));
  for (const shape of Object.keys(onnxForward)) {
    const fwd = find(shape, "forward", implementation);
    const train = find(shape, "train", implementation);
    if (timed(fwd)) {
      const onnx = find(shape, "forward", "onnxruntime-web");
      const target = `≥ ${onnxForward[shape]}x faster than onnxruntime-web`;
      const speedup = timed(onnx) && ratio(onnx, fwd);
      const text = (x) => withMedians(x, onnx, fwd);
      rows.push([shape, "forward", target, ...standing(speedup, text, (x) => x >= onnxForward[shape], onnx)]);
      const int8 = find(shape, "forward", `${implementation} int8`);
      if (int8Forward[shape] !== undefined && int8 !== undefined) {
        const faster = timed(int8) && ratio(fwd, int8);
        const int8Target = `int8 ≥ ${int8Forward[shape]}x faster than f32`;
        const text = (x) => withMedians(x, fwd, int8);
        rows.push([shape, "forward", int8Target, ...standing(faster, text, (x) => x >= int8Forward[shape], int8)]);
      }
    }
    if (!timed(train)) continue;
    const tfjs = find(shape, "train", "tfjs-wasm");
    const speedup = timed(tfjs) && ratio(tfjs, train);
    const tfjsTarget = `≥ ${tfjsTraining}x faster than tfjs-wasm`;
    const tfjsText = (x) => withMedians(x, tfjs, train);
    rows.push([shape, "train", tfjsTarget, ...standing(speedup, tfjsText, (x) => x >= tfjsTraining, tfjs)]);
    const torch = find(shape, "train", "PyTorch");
    const share = timed(torch) && ratio(train, torch);
    const text = (x) => `${x.toFixed(2)}x (medians ${train.medianMs.toFixed(1)} / ${torch.medianMs.toFixed(1)} ms)`;
    const torchTarget = `≤ ${pytorchAllowed[shape].toFixed(1)}x PyTorch's time`;
    rows.push([shape, "train", torchTarget, ...standing(share, text, (x) => x <= pytorchAllowed[shape], torch)]);
    const goal = workersTraining[shape];
    const workers = find(shape, "train", `${implementation} 2 workers`);
    if (goal !== undefined && workers !== undefined) {
      const throughput = timed(workers) && ratio(train, workers);
      const workersTarget = `2 workers ≥ ${goal}x one instance's steps/s`;
      const text = (x) => withMedians(x, train, workers);
      rows.push([shape, "train", workersTarget, ...standing(throughput, text, (x) => x >= goal, workers)]);
    }
  }
  return rows;
}

export function targetsBlock(results, implementation = "rnnc") {
  const rows = targetRows(results, implementation);
  if (rows.length === 0) return "";
  const lines = [`issue 14's targets, ${implementation} (every ratio from this run; paired by round, harness.js)`];
  for (const [shape, work, target, standing, met] of rows) {
    const verdict = met === undefined ? "no ratio" : met ? "met" : "not met";
    lines.push(`  (${shape}) ${work.padEnd(8)} ${target.padEnd(36)} ${standing.padStart(36)}  ${verdict}`);
  }
  return lines.join("\n");
}
