// playground — what Compile and Gradcheck show. In: a compiled module's size
// and ABI, or a gradcheck report. Out: DOM nodes: the ABI summary (build,
// functions, tensors by role, the full ABI as JSON) and the worst relative
// error per tensor against the tolerance.

import type { GradcheckReport } from "../../../compiler/api.js";
import type { Abi, OffsetForm, TensorEntry } from "../../../runtime/index.js";

type Tag = keyof HTMLElementTagNameMap;

function element<K extends Tag>(tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className !== undefined) node.className = className;
  return node;
}

function table(head: readonly string[], rows: readonly (readonly string[])[]): HTMLTableElement {
  const t = element("table");
  const tr = t.createTHead().insertRow();
  for (const h of head) tr.appendChild(element("th", h));
  const body = t.createTBody();
  for (const row of rows) {
    const r = body.insertRow();
    for (const cell of row) r.insertCell().textContent = cell;
  }
  return t;
}

export function formatBytes(bytes: number): string {
  return bytes < 10_000 ? `${bytes} bytes` : `${(bytes / 1024).toFixed(1)} KiB`;
}

const shapeText = (entry: TensorEntry) => `[${entry.shape.join(", ")}]`;

/** A fixed offset, or (ABI 2) a region's offset at the capacity B × S a host chooses: 1024 + 64·B + 512·B·S. */
function offsetText(offset: number | OffsetForm): string {
  if (typeof offset === "number") return String(offset);
  const terms = [
    [offset.base, ""], [offset.batch, "·B"], [offset.steps, "·S"], [offset.batchSteps, "·B·S"],
    [offset.batchSegment ?? 0, "·B·⌈√S⌉"],
  ] as const;
  return terms.filter(([k], i) => k !== 0 || i === 0).map(([k, unit]) => `${k}${unit}`).join(" + ");
}

/** The module's size and ABI: the build, its functions, every tensor a host may touch, and the raw JSON. */
export function compileReport(abi: Abi, bytes: number, ms: number): HTMLElement {
  const root = element("section");
  const sizeText = `${abi.name ?? "module"}: ${formatBytes(bytes)} of wasm, compiled in ${ms.toFixed(0)} ms`;
  const size = root.appendChild(element("p", sizeText));
  size.id = "module-size";
  size.dataset["bytes"] = String(bytes);
  const build = [
    abi.dtype, abi.simd ? "SIMD128" : "scalar",
    `dims ${Object.entries(abi.dims).map(([k, v]) => `${k}=${v}`).join(",") || "none"}`,
    `${abi.abi === 1 ? "capacity" : "default capacity"} batch ${abi.capacity.batch}, steps ${abi.capacity.steps}`,
    ...(abi.memory ? [`memory ${offsetText(abi.memory)} bytes at capacity B × S`] : []),
    `loss ${abi.loss}`,
    abi.optimizer ? `train_step ${String(abi.optimizer["kind"])}` : "no train_step",
  ];
  root.appendChild(element("p", build.join(" · ")));
  root.appendChild(element("h3", "functions"));
  const functions = Object.entries(abi.functions).map(([name, params]) => [name, params.join(", ")]);
  root.appendChild(table(["function", "parameters"], functions));
  const internal = abi.tensors.filter((t) => t.role === "tape" || t.role === "scratch");
  root.appendChild(element("h3", `tensors (${abi.tensors.length - internal.length}, and ${internal.length} internal)`));
  const shown = abi.tensors.filter((t) => !internal.includes(t));
  const rows = shown.map((t) => [t.name, t.role, shapeText(t), t.dtype ?? abi.dtype, offsetText(t.offset)]);
  root.appendChild(table(["name", "role", "shape", "dtype", "offset at capacity B × S"], rows));
  const details = root.appendChild(element("details"));
  details.appendChild(element("summary", "the ABI as the module's rnnc section holds it"));
  const json = details.appendChild(element("pre", JSON.stringify(abi, null, 2)));
  json.id = "abi-json";
  return root;
}

/** Worst relative error per tensor, each against the tolerance; the worst overall on top. */
export function gradcheckReport(report: GradcheckReport, tolerance: number, bytes: number, ms: number): HTMLElement {
  const root = element("section");
  const passed = report.worst <= tolerance;
  const summary = root.appendChild(element("p", "", passed ? "pass" : "fail"));
  summary.id = "gradcheck-summary";
  summary.dataset["worst"] = String(report.worst);
  const call = `batch ${report.batch}, steps ${report.steps}, lengths ${report.lengths.join(",")}`;
  summary.textContent = `${passed ? "passed" : "FAILED"}: worst relative error ${report.worst.toExponential(2)} ` +
    `(tolerance ${tolerance}), f64 build of ${formatBytes(bytes)}, ${call}, ${ms.toFixed(0)} ms`;
  root.appendChild(table(
    ["tensor", "role", "entries", "worst relative error", "analytic", "finite difference"],
    report.tensors.map((t) => [
      t.name, t.role, String(t.checked), t.worst.toExponential(2),
      t.at ? t.at.analytic.toPrecision(8) : "", t.at ? t.at.numeric.toPrecision(8) : "",
    ]),
  ));
  const how = "Each gradient the backward pass computes, against a fourth-order central difference " +
    "of the module's own loss.";
  root.appendChild(element("p", how, "note"));
  return root;
}
