// bench — issue 5's targets against this run. In: the run's records. Out: per shape and work,
// each target ratio, where rnnc stands, and whether it is met. Ratios to onnxruntime-web and
// tfjs-wasm come from this run's medians; the native PyTorch (OpenBLAS) training times were
// measured once on the machine and are quoted, not re-measured: no Python peer runs here.

/** Native PyTorch training medians quoted in issue 5 (ms), and the largest rnnc/PyTorch time ratio asked for. */
export const pytorchTraining = { a: 15.0, b: 19.6, c: 178, d: 13.5 };
const pytorchAllowed = { a: 1.0, b: 1.0, c: 1.5, d: 1.0 };
/** Forward: at least this many times faster than onnxruntime-web. Training: at least 15× tfjs-wasm. */
const onnxForward = { a: 1.1, b: 1.6, c: 1.3, d: 1.6 };
const tfjsTraining = 15;

const fmt = (x) => `${x >= 10 ? x.toFixed(0) : x.toFixed(2)}x`;

/** Rows of [shape, work, target, standing, met], for every target the run can speak to. */
export function targetRows(results, implementation = "rnnc") {
  const rows = [];
  const find = (shape, work, name) => results.find((r) => r.shape === shape && r.work === work && r.name === name && r.status === "timed");
  for (const shape of Object.keys(onnxForward)) {
    const fwd = find(shape, "forward", implementation);
    const onnx = find(shape, "forward", "onnxruntime-web");
    if (fwd && onnx) {
      const speedup = onnx.medianMs / fwd.medianMs;
      rows.push([shape, "forward", `≥ ${onnxForward[shape]}x faster than onnxruntime-web`, `${fmt(speedup)}`, speedup >= onnxForward[shape]]);
    }
    const train = find(shape, "train", implementation);
    const tfjs = find(shape, "train", "tfjs-wasm");
    if (train && tfjs) {
      const speedup = tfjs.medianMs / train.medianMs;
      rows.push([shape, "train", `≥ ${tfjsTraining}x faster than tfjs-wasm`, `${fmt(speedup)}`, speedup >= tfjsTraining]);
    }
    if (train) {
      const ratio = train.medianMs / pytorchTraining[shape];
      rows.push([shape, "train", `≤ ${pytorchAllowed[shape]}x PyTorch's quoted ${pytorchTraining[shape]} ms`, `${ratio.toFixed(2)}x (${train.medianMs.toFixed(1)} ms)`, ratio <= pytorchAllowed[shape]]);
    }
  }
  return rows;
}

export function targetsBlock(results, implementation = "rnnc") {
  const rows = targetRows(results, implementation);
  if (rows.length === 0) return "";
  const lines = [`issue 5's targets, ${implementation} (PyTorch: the issue's quoted native medians, not run here)`];
  for (const [shape, work, target, standing, met] of rows) lines.push(`  (${shape}) ${work.padEnd(8)} ${target.padEnd(44)} ${standing.padStart(18)}  ${met ? "met" : "not met"}`);
  return lines.join("\n");
}
