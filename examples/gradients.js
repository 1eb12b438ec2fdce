// The gradient demo (npm run gradients): compile the LSTM of examples/lstm.ts to wasm, run it
// on a random batch of sequences of different lengths, print what it computes,
// then check its BPTT gradients against finite differences in an f64 build.
import { readFileSync } from "node:fs";
import { compileCell } from "../dist/compiler/api.js";
import { gradcheck, instantiateModel, loadModel, prng } from "../dist/runtime/index.js";

const file = new URL("./lstm.ts", import.meta.url).pathname;
const text = readFileSync(file, "utf8");
const dims = { I: 8, H: 16 };

let started = performance.now();
const compiled = compileCell({ file, text, dims, capacity: { batch: 4, steps: 32 } });
console.log(`compiled examples/lstm.ts (I=${dims.I}, H=${dims.H}) to ${
  compiled.binary.length
} bytes of wasm, f32 SIMD128, in ${(performance.now() - started).toFixed(0)} ms`);
console.log(`imports: ${
  WebAssembly.Module.imports(new WebAssembly.Module(compiled.binary)).length
}; exports: forward(batch, steps), backward(batch, steps), memory`);

const model = await loadModel(compiled.binary);
const size = { batch: 3, steps: 6 };
const rand = prng(7);
for (const t of model.tensors()) {
  if (["param", "input", "target", "state_in"].includes(t.role)) {
    const v = model.view(t.name, t.role, size);
    for (let i = 0; i < v.length; i++) v[i] = (rand() * 2 - 1) * (t.role === "param" ? 0.4 : 1);
  }
}
const lengths = [6, 4, 2];
model.set("lengths", "lengths", lengths);
started = performance.now();
const loss = model.forward(size.batch, size.steps);
model.backward(size.batch, size.steps);
const took = performance.now() - started;

const out = model.view("h", "output", size);
console.log(`\nforward + backward on batch ${size.batch}, lengths [${lengths}] in ${took.toFixed(2)} ms; MSE loss ${
  loss.toFixed(6)
}`);
console.log("output h(t), first 4 units of each sequence (0 past its length):");
for (let t = 0; t < size.steps; t++) {
  const row = [];
  for (let b = 0; b < size.batch; b++) {
    const at = (t * size.batch + b) * dims.H;
    row.push(Array.from(out.slice(at, at + 4), (x) => x.toFixed(3).padStart(6)).join(" "));
  }
  console.log(`  t=${t}  ${row.join("   |")}`);
}
const gU = model.view("Ui", "grad", size);
console.log(`dLoss/dUi[0, 0..3] = ${Array.from(gU.slice(0, 4), (x) => x.toExponential(3)).join(", ")}`);

console.log("\ngradient check (f64 build, 4th-order central differences of the module's own loss):");
const f64 = compileCell({ file, text, dims: { I: 3, H: 4 }, dtype: "f64", capacity: { batch: 3, steps: 5 } });
const report = gradcheck(instantiateModel(f64.binary), { seed: 1, batch: 3, steps: 5 });
for (const t of report.tensors)
  console.log(`  ${t.name.padEnd(3)} ${t.role.padEnd(9)} worst relative error ${t.worst.toExponential(2)}`);
console.log(report.worst < 1e-6
  ? `ok: every gradient within ${report.worst.toExponential(2)} (tolerance 1e-6)`
  : `FAILED: worst ${report.worst}`);
process.exitCode = report.worst < 1e-6 ? 0 : 1;
