// spec/e2e — the reference scan: a cell run over time by the float64 IR
// interpreter, with the ABI's semantics of lengths and loss written out here
// rather than taken from compiler/time. In: a cell file, its dims, and the
// values a host wrote into a module (read back from the module). Out: the
// output sequence, the final states and the MSE loss, to compare with what the
// compiled module computed.

import { Graph, evaluate, sizeOf, varKey, type Node } from "../../compiler/ir/index.js";
import { instantiateCell, parseCells, selectCell } from "../../compiler/frontend/index.js";
import type { RnncModel } from "../../runtime/model.js";
import type { CallSize } from "../../runtime/abi.js";

export interface ScanResult {
  /** The first state's next value at each valid step, 0 past a sequence's length; [steps, batch, F]. */
  readonly output: Float64Array;
  readonly stateOut: ReadonlyMap<string, Float64Array>;
  /** ½ · Σ over valid steps, batch and units of (output − target)². */
  readonly loss: number;
}

const copy = (model: RnncModel, name: string, role: "param" | "input" | "state_in" | "target", size: CallSize) =>
  Float64Array.from(model.view(name, role, size));

/** The value of `node` for batch entry b: a row of a batched value, or the one copy of an unbatched one. */
function row(node: Node, value: Float64Array, b: number): Float64Array {
  const n = sizeOf(node.shape);
  return node.batched ? value.subarray(b * n, (b + 1) * n) : value.subarray(0, n);
}

export function referenceScan(
  source: string, dims: Readonly<Record<string, number>>, model: RnncModel, size: CallSize,
): ScanResult {
  const { batch, steps } = size;
  const graph = new Graph();
  const cell = instantiateCell(selectCell(parseCells("cell.ts", source)), { ...dims }, graph);
  const name = (node: Node) => varKey(node).split(":")[1]!;
  const lengths = Array.from(model.view("lengths", "lengths", size));
  const params = new Map(cell.params.map((p) => [varKey(p), copy(model, name(p), "param", size)]));
  const inputs = cell.inputs.map((x) => ({
    key: varKey(x), width: sizeOf(x.shape), all: copy(model, name(x), "input", size),
  }));
  let states = cell.states.map((s) => copy(model, name(s), "state_in", size));

  // The output: the first declared one, else the first state.
  const first = cell.outputs[0] ?? cell.next[0]!;
  const width = sizeOf(first.node.shape);
  const hasTarget = model.tensors().some((e) => e.role === "target");
  const target = hasTarget ? copy(model, first.name, "target", size) : undefined;
  const output = new Float64Array(steps * batch * width);
  let loss = 0;

  for (let t = 0; t < steps; t++) {
    const vars = new Map(params);
    for (const x of inputs) vars.set(x.key, x.all.slice(t * batch * x.width, (t + 1) * batch * x.width));
    cell.states.forEach((s, k) => vars.set(varKey(s), states[k]!));
    const values = evaluate([...cell.next, ...cell.outputs].map((n) => n.node), vars, batch);
    states = cell.next.map(({ node }, k) => {
      const n = sizeOf(node.shape);
      const next = Float64Array.from(states[k]!);
      for (let b = 0; b < batch; b++) if (t < lengths[b]!) next.set(row(node, values.get(node)!, b), b * n);
      return next;
    });
    for (let b = 0; b < batch; b++) {
      if (t >= lengths[b]!) continue;
      const value = row(first.node, values.get(first.node)!, b);
      const at = (t * batch + b) * width;
      output.set(value, at);
      if (target) value.forEach((v, j) => (loss += 0.5 * (v - target[at + j]!) ** 2));
    }
  }
  return { output, stateOut: new Map(cell.states.map((s, k) => [name(s), states[k]!])), loss };
}
