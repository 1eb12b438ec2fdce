// examples/browser — the demo page's script. In: lstm.wasm next to the page
// (see README.md), the browser runtime through the page's import map, and
// ?seed=N in the address (default 1). Out: a table of what forward,
// backward, train_step and a stream computed, and window.rnncDemo, the bytes
// of every result as hex, which spec/browser/runtime.spec.ts compares with Node.

import * as rnnc from "rnnc/runtime";
import { runSession, toHex } from "./session.js";

const status = document.querySelector("#status");
const table = document.querySelector("#results");

try {
  const seedText = new URLSearchParams(location.search).get("seed") ?? "1";
  const seed = Number(seedText);
  if (!Number.isSafeInteger(seed)) throw new Error(`?seed= must be an integer; got "${seedText}"`);
  let started = performance.now();
  const model = await rnnc.loadModel(new URL("./lstm.wasm", import.meta.url));
  const loaded = performance.now() - started;
  started = performance.now();
  const results = runSession(rnnc, model, seed);
  const ran = performance.now() - started;
  const dims = Object.entries(model.dims).map(([k, v]) => `${k}=${v}`).join(", ");
  status.textContent = `${model.abi.name ?? "module"} (${dims}; ${model.dtype}${model.abi.simd ? ", SIMD128" : ""}), `
    + `loaded in ${loaded.toFixed(1)} ms; seed ${seed}: every call below in ${ran.toFixed(1)} ms`;
  for (const { label, values } of results) table.append(row(label, values));
  window.rnncDemo = { seed, results: Object.fromEntries(results.map((r) => [r.label, toHex(r.values)])) };
} catch (e) {
  status.textContent = `failed: ${e.message}`;
  status.className = "error";
  window.rnncDemo = { error: e.message };
}

function row(label, values) {
  const tr = document.createElement("tr");
  const shown = Array.from(values.subarray(0, 6), (v) => v.toPrecision(6)).join("  ");
  for (const text of [label, String(values.length), values.length > 6 ? `${shown}  …` : shown]) {
    const td = document.createElement("td");
    td.textContent = text;
    tr.append(td);
  }
  return tr;
}
