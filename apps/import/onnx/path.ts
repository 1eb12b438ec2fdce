// apps/import/onnx — the network's own path through the graph: the input (a
// graph input of vectors), the recurrent nodes, and what joins a
// bidirectional node's directions (a Reshape, as torch.onnx.export writes it;
// a Slice of each direction, then Concat or Add, as tf2onnx writes it). In: a
// node's context. Out: the sequences that flow on, and the layers added to
// the network being built.

import { elemTypes } from "./proto.js";
import { recurrentNode } from "./recurrent.js";
import { attr, constOf, fail, unknownSize, type NodeContext } from "./context.js";
import { describeValue, type Axis, type Seq, type Size, type Value } from "./values.js";

export function asSeq(c: NodeContext, v: Value | undefined): Seq {
  if (v?.kind === "seq") return v;
  if (v?.kind !== "input")
    return fail(c, `reads ${v ? describeValue(v) : "nothing"} where it needs the network's sequence`);
  const { info } = v;
  const dims = info.dims;
  if (c.builder.input) fail(c, `reads the graph input ${info.name} as a second input; rnnc's model has one`);
  if (info.elemType !== elemTypes.FLOAT && info.elemType !== elemTypes.DOUBLE)
    fail(c, `the graph input ${info.name} is not floating point`);
  if (!dims || dims.length !== 3 || typeof dims[2] !== "number") {
    fail(
      c,
      `the graph input ${info.name} must be [steps, batch, features] (or [batch, steps, features]) with a known number `
        + `of features`,
    );
  }
  const size = (d: number | string): Size => (d === "?" ? unknownSize() : d);
  c.builder.input = { kind: "dense", size: dims![2] as number };
  c.builder.bindings.push({ source: info.name, role: "input", rnnc: ["x"] });
  return {
    kind: "seq",
    axes: [
      { label: "a0", size: size(dims![0]!) },
      { label: "a1", size: size(dims![1]!) },
      { label: "features", size: dims![2]! },
    ],
    stage: -1,
    origin: info.name,
  };
}

export function latest(c: NodeContext, s: Seq): void {
  if (s.stage !== c.builder.layers.length - 1)
    fail(c, `reads ${s.origin}, an earlier point of the network than its last layer; rnnc models are one chain`);
}

export function sizesOf(v: Value, c: NodeContext): Size[] | undefined {
  if (v.kind === "sizes") return [...v.sizes];
  if (v.kind === "const" && v.tensor.type === "int" && v.tensor.dims.length <= 1) return [...v.tensor.values];
  return fail(c, `needs a list of sizes, got ${describeValue(v)}`);
}

/**
 * Reshape of a sequence: joining the directions with the units (concat),
 * flattening time and batch into rows (before a Gemm) or splitting rows into
 * them again, or changing nothing.
 */
export function reshapeSeq(c: NodeContext, s: Seq, target: Size[]): Seq {
  const allowZero = attr(c, "allowzero") === 1;
  const sizes = target.map((t, i) =>
    t === 0 && !allowZero ? (s.axes[i]?.size ?? fail(c, "copies a dimension the sequence does not have")) : t,
  );
  const flat = s.axes.flatMap((a) => a.parts ?? [a]);
  const known = (a: Axis[]) => a.every((x) => typeof x.size === "number");
  const product = (a: Axis[]) => a.reduce((n, x) => n * (x.size as number), 1);
  const cannot = () => fail(c, `reshapes ${describeValue(s)} to [${sizes.join(", ")}], which rnnc cannot follow`);
  const runs: Axis[][] = [];
  let at = 0;
  const wild = sizes.indexOf(-1);
  for (let k = 0; k < sizes.length; k++) {
    if (k === wild) {
      const after = sizes.length - 1 - k;
      runs.push(flat.slice(at, flat.length - after));
      at = flat.length - after;
      continue;
    }
    const want = sizes[k]!;
    const run: Axis[] = [];
    while (at < flat.length && (typeof want === "string" ? run.length === 0 : !known(run) || product(run) < want))
      run.push(flat[at++]!);
    const fits =
      typeof want === "string" ? run.length === 1 && run[0]!.size === want : known(run) && product(run) === want;
    if (!fits) cannot();
    runs.push(run);
  }
  if (at !== flat.length) cannot();
  let merge = s.merge;
  const axes = runs.map((run): Axis => {
    if (run.length === 1) return run[0]!;
    const labels = run.map((a) => a.label).join();
    if (labels === "dirs,features") {
      merge = "concat";
      return { label: "features", size: (run[0]!.size as number) * (run[1]!.size as number) };
    }
    if (labels === "a0,a1" || labels === "a1,a0")
      return { label: "rows", size: known(run) ? product(run) : unknownSize(), parts: run };
    return fail(
      c,
      `joins the axes ${run.map((a) => a.label).join(" and ")} of ${describeValue(s)}; rnnc joins directions ` +
        `with units, and time with batch`,
    );
  });
  return { ...s, axes, ...(merge ? { merge } : {}), origin: c.node.outputs[0]! };
}

/**
 * Row `row` of final states (torch's h_n[-1], a Squeeze of one layer's Y_h):
 * when it is the last layer's h and that layer runs one way, it is each
 * sequence's output at its last step, which a classifier's readout reads.
 */
export function lastOutput(c: NodeContext, v: Extract<Value, { kind: "final" }>, row: number): Seq {
  const b = c.builder;
  const rows = v.parts.flatMap((p) => b.layers[p.layer]!.directions.map((_, direction) => ({ ...p, direction })));
  const r = rows[row < 0 ? row + rows.length : row] ?? fail(c, `picks final state ${row} of ${rows.length}`);
  const layer = b.layers[r.layer]!;
  if (r.state !== "h" || r.layer !== b.layers.length - 1 || layer.directions.length !== 1) {
    fail(
      c,
      `reads the final ${r.state} of ${layer.directions.length === 2 ? `direction ${r.direction} of ` : ""}layer ` +
        `${r.layer}; rnnc follows a final state on only as the last layer's h, of a layer that runs one way (each ` +
        "sequence's output at its last step)",
    );
  }
  return {
    kind: "seq",
    axes: [
      { label: b.time === "a1" ? "a0" : "a1", size: unknownSize() },
      { label: "features", size: layer.hiddenSize },
    ],
    stage: r.layer,
    lastStep: true,
    origin: c.node.outputs[0]!,
  };
}

/** A sequence a layer or the readout may read: not one direction alone of a bidirectional layer. */
export function joined(c: NodeContext, s: Seq): Seq {
  if (s.direction !== undefined)
    fail(c, `reads ${describeValue(s)} alone; rnnc's layers and readout read both directions, joined`);
  return s;
}

/** Slice of a sequence: one direction of a bidirectional layer's Y (tf2onnx's glue), along its dirs axis. */
export function sliceDirection(c: NodeContext, s: Seq, starts: number[], ends: number[], axes: number[]): Seq {
  const d = axes.length === 1 ? axes[0]! : -1;
  const dirs = s.axes[d < 0 ? d + s.axes.length : d];
  const [from, to] = [starts[0]!, Math.min(ends[0]!, 2)];
  if (dirs?.label !== "dirs" || dirs.size !== 2 || s.direction !== undefined || to !== from + 1 || from < 0)
    fail(c, `slices ${describeValue(s)} other than into one of its two directions`);
  return {
    ...s,
    axes: s.axes.map((a) => (a === dirs ? { ...a, size: 1 } : a)),
    direction: from as 0 | 1,
    origin: c.node.outputs[0]!,
  };
}

/** Concat (along the units) or Add of a bidirectional layer's two directions, sliced out by sliceDirection. */
export function joinDirections(c: NodeContext, parts: readonly Value[], merge: "concat" | "sum", axis = -1): Seq {
  const [a, b] = parts;
  const same =
    parts.length === 2 &&
    a?.kind === "seq" &&
    b?.kind === "seq" &&
    a.stage === b.stage &&
    a.axes.map((x) => x.label).join() === b.axes.map((x) => x.label).join() &&
    (merge === "sum" ? a.direction !== b.direction : a.direction === 0 && b.direction === 1);
  if (!same || a.direction === undefined || b.direction === undefined) {
    return fail(
      c,
      `${merge === "sum" ? "adds" : "concatenates"} ${parts.map(describeValue).join(" and ")}; rnnc joins only the ` +
        `two directions of one layer${merge === "concat" ? ", forward then backward" : ""}`,
    );
  }
  const features = a.axes.length - 1;
  if (merge === "concat" && (axis < 0 ? axis + a.axes.length : axis) !== features)
    fail(c, `concatenates the two directions along an axis other than their units`);
  const axes = a.axes.map((x, i) =>
    merge === "concat" && i === features ? { ...x, size: 2 * (x.size as number) } : x,
  );
  const { direction: _, ...rest } = a;
  return { ...rest, axes, merge, origin: c.node.outputs[0]! };
}

export function recurrent(c: NodeContext): (Value | undefined)[] {
  const b = c.builder;
  if (b.readout) fail(c, "comes after the readout; rnnc's readout is the last layer");
  const x = joined(c, asSeq(c, c.inputs[0]));
  latest(c, x);
  if (x.head) fail(c, "reads the output of a MatMul; rnnc's layers read the previous layer's output directly");
  const weights = {
    W: constOf(c, c.inputs[1], "W"),
    R: constOf(c, c.inputs[2], "R"),
    ...(c.inputs[3] ? { B: constOf(c, c.inputs[3], "B") } : {}),
    ...(c.inputs[7] ? { P: constOf(c, c.inputs[7], "P") } : {}),
  };
  const { layer, layout } = recurrentNode(c.node, weights, c.where);
  const want = layout === 0 ? ["time", "batch", "features"] : ["batch", "time", "features"];
  const labels = x.axes.map((a) => a.label);
  if (labels.length !== 3 || labels[2] !== "features" || labels.includes("dirs"))
    fail(c, `reads ${describeValue(x)}, not a sequence of vectors [${want.join(", ")}]`);
  const time = labels[layout === 0 ? 0 : 1] as "a0" | "a1";
  if (b.time === undefined) b.time = time;
  else if (b.time !== time)
    fail(c, `reads its input with time and batch swapped relative to the layers before it (layout ${layout})`);
  const index = b.layers.length;
  if (index > 0 && b.layers[index - 1]!.directions.length === 2) {
    const prev = b.layers[index - 1]!;
    b.layers[index - 1] = {
      ...prev,
      merge: x.merge ?? fail(c, `reads ${describeValue(x)} before its directions are joined`),
    };
  }
  b.layers.push(layer);
  b.layouts.push(layout);
  const lengths = c.inputs[4];
  if (lengths) {
    if (lengths.kind !== "input")
      return fail(c, `sequence_lens must be a graph input (the module's lengths), got ${describeValue(lengths)}`);
    const name = lengths.info.name;
    if (b.lengths === undefined) {
      b.lengths = name;
      b.bindings.push({ source: name, role: "lengths", rnnc: ["lengths"] });
    } else if (b.lengths !== name)
      fail(c, `takes sequence_lens from ${name}, another input than the layers before it (${b.lengths})`);
  } else if (b.lengths !== undefined)
    fail(c, `takes no sequence_lens, unlike the layers before it: it would run past each sequence's end`);
  const prefixes = layer.directions.length === 2 ? [`l${index}.fwd.`, `l${index}.bwd.`] : [`l${index}.`];
  (["h", "c"] as const).forEach((state, k) => {
    const init = c.inputs[5 + k];
    if (!init) return;
    if (state === "c" && layer.kind !== "lstm") return;
    if (init.kind === "fill" || init.kind === "const") {
      const value = init.kind === "fill" ? [init.value] : [...init.tensor.values];
      if (value.some((v) => v !== 0)) {
        fail(
          c,
          `its initial_${state} is a nonzero constant; the module starts from the state_in tensors its host writes ` +
            `(zero unless written)`,
        );
      }
      return;
    }
    if (init.kind !== "input") {
      fail(
        c,
        `its initial_${state} is ${describeValue(init)}; rnnc starts a layer from a state the host writes, or zero`,
      );
    }
    const name = (init as Extract<Value, { kind: "input" }>).info.name;
    b.bindings.push({
      source: name,
      role: "state_in",
      rnnc: prefixes.map((p) => `${p}${state}`),
      ...(layout === 1 ? { note: "ONNX's is [batch, dirs, units] (layout 1); each rnnc state is [batch, units]" } : {}),
    });
  });
  const D = layer.directions.length;
  const H = layer.hiddenSize;
  const [tAxis, bAxis] = [x.axes[layout === 0 ? 0 : 1]!, x.axes[layout === 0 ? 1 : 0]!];
  const dirs: Axis = { label: "dirs", size: D };
  const units: Axis = { label: "features", size: H };
  const y: Seq = {
    kind: "seq",
    axes: layout === 0 ? [tAxis, dirs, bAxis, units] : [bAxis, tAxis, dirs, units],
    stage: index,
    origin: c.node.outputs[0] ?? c.node.name,
  };
  return [
    y,
    { kind: "final", parts: [{ layer: index, state: "h" }] },
    { kind: "final", parts: [{ layer: index, state: "c" }] },
  ];
}
