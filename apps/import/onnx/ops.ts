// apps/import/onnx — what each ONNX operator the reader knows does to the
// values it follows (values.ts), one rule per operator in one table: constant
// folding for the shape glue, the embedding Gather, the recurrent nodes and
// the joins of their directions (path.ts), and the readout (readout.ts). In: a node, its
// input values and the network built so far. Out: the node's output values;
// the network grows as its nodes are recognised. A node used in a way rnnc
// cannot map is an ImportError naming it.

import {
  attr,
  axesOf,
  constOf,
  fail,
  input,
  ints,
  intsAttr,
  unknownSize,
  type NodeContext,
  type Rule,
} from "./context.js";
import { asSeq, joinDirections, lastOutput, recurrent, reshapeSeq, sizesOf, sliceDirection } from "./path.js";
import { readoutBias, readoutRules } from "./readout.js";
import { elemTypes, type ConstTensor } from "./proto.js";
import {
  axisOf,
  concatConst,
  constant,
  describeValue,
  gatherConst,
  sliceConst,
  transposeConst,
  type Size,
  type Value,
} from "./values.js";

export type { Builder } from "./context.js";

const passThrough: Rule = (c) => [input(c, 0, "the data")];

function elementwiseConst(c: NodeContext, f: (a: number, b: number) => number): Value | undefined {
  const [a, b] = c.inputs;
  if (a?.kind !== "const" || b?.kind !== "const") return undefined;
  if (a.tensor.values.length !== b.tensor.values.length && b.tensor.values.length !== 1 && a.tensor.values.length !== 1)
    return fail(c, "broadcasts constants in a way rnnc does not fold");
  const big = a.tensor.values.length >= b.tensor.values.length ? a.tensor : b.tensor;
  const values = big.values.map((_, i) =>
    f(a.tensor.values[i % a.tensor.values.length]!, b.tensor.values[i % b.tensor.values.length]!),
  );
  return { kind: "const", tensor: { dims: big.dims, values, type: a.tensor.type } };
}

export const rules: Record<string, Rule> = {
  Identity: passThrough,
  Dropout: (c) => [
    input(c, 0, "the data"),
    { kind: "unusable", why: "a dropout mask, which an inference graph has no use for" },
  ],
  Constant: (c) => {
    const value = attr(c, "value");
    if (value !== undefined && typeof value === "object" && "dims" in value) return [{ kind: "const", tensor: value }];
    for (const [key, type] of [
      ["value_float", "f32"],
      ["value_floats", "f32"],
      ["value_int", "int"],
      ["value_ints", "int"],
    ] as const) {
      const v = attr(c, key);
      if (v !== undefined)
        return [Array.isArray(v) ? constant([v.length], v as number[], type) : constant([], [v as number], type)];
    }
    return fail(c, "has no value rnnc reads (value, value_float(s), value_int(s))");
  },
  Cast: (c) => {
    const v = input(c, 0, "the data");
    const to = attr(c, "to");
    const isInt = to !== elemTypes.FLOAT && to !== elemTypes.DOUBLE && to !== elemTypes.FLOAT16;
    if (v.kind === "const") {
      return [
        {
          kind: "const",
          tensor: {
            ...v.tensor,
            values: isInt ? v.tensor.values.map(Math.trunc) : v.tensor.values,
            type: isInt ? "int" : to === elemTypes.DOUBLE ? "f64" : "f32",
          },
        },
      ];
    }
    if (v.kind === "sizes" || v.kind === "fill" || (v.kind === "input" && isInt)) return [v];
    return fail(c, `casts ${describeValue(v)}, which rnnc does not follow`);
  },
  Shape: (c) => {
    const v = input(c, 0, "the data");
    let sizes: Size[];
    if (v.kind === "seq") sizes = v.axes.map((a) => a.size);
    else if (v.kind === "input" && v.info.dims) sizes = v.info.dims.map((d) => (d === "?" ? unknownSize() : d));
    else if (v.kind === "const") sizes = [...v.tensor.dims];
    else return fail(c, `takes the shape of ${describeValue(v)}, which rnnc does not know`);
    const rank = sizes.length;
    const start = attr(c, "start") as number | undefined;
    const end = attr(c, "end") as number | undefined;
    const from = start === undefined ? 0 : Math.min(Math.max(start < 0 ? start + rank : start, 0), rank);
    const to = end === undefined ? rank : Math.min(Math.max(end < 0 ? end + rank : end, 0), rank);
    return [{ kind: "sizes", sizes: sizes.slice(from, to), scalar: false }];
  },
  Gather: (c) => {
    const [data, indices] = [input(c, 0, "the data"), input(c, 1, "the indices")];
    const axis = (attr(c, "axis") as number | undefined) ?? 0;
    if (data.kind === "const" && indices.kind === "const") {
      return [
        {
          kind: "const",
          tensor: gatherConst(data.tensor, indices.tensor, axisOf(axis, data.tensor.dims.length, c.where)),
        },
      ];
    }
    if (data.kind === "sizes" && indices.kind === "const") {
      const picks = [...indices.tensor.values].map(
        (i) =>
          data.sizes[i < 0 ? i + data.sizes.length : i] ??
          fail(c, `index ${i} of a list of ${data.sizes.length} sizes`),
      );
      return [{ kind: "sizes", sizes: picks, scalar: indices.tensor.dims.length === 0 }];
    }
    if (data.kind === "final" && indices.kind === "const") {
      if (indices.tensor.dims.length !== 0 || axisOf(axis, 3, c.where) !== (c.builder.layouts[0] === 1 ? 1 : 0))
        fail(c, "gathers final states other than one of them by a scalar index along their directions");
      return [lastOutput(c, data, indices.tensor.values[0]!)];
    }
    if (data.kind === "const" && indices.kind === "input") {
      const { info } = indices;
      const table = data.tensor;
      if (table.dims.length !== 2 || table.type === "int" || axis !== 0)
        fail(c, "gathers ids from something that is not an embedding table [rows, dim]");
      if (c.builder.input) fail(c, "is a second input of the network; rnnc's model has one");
      if (!info.dims || info.dims.length !== 2)
        fail(c, `the ids ${info.name} must be [steps, batch] (or [batch, steps])`);
      c.builder.input = {
        kind: "embedding",
        table: { shape: table.dims, data: table.values },
        origin: `the Gather ${c.node.name} of ${c.node.inputs[0]}`,
      };
      c.builder.bindings.push({
        source: info.name,
        role: "input",
        rnnc: ["tokens"],
        note: "rnnc's ids are i32 [steps, batch, 1]",
      });
      const size = (d: number | string): Size => (d === "?" ? unknownSize() : d);
      return [
        {
          kind: "seq",
          axes: [
            { label: "a0", size: size(info.dims![0]!) },
            { label: "a1", size: size(info.dims![1]!) },
            { label: "features", size: table.dims[1]! },
          ],
          stage: -1,
          origin: c.node.outputs[0]!,
        },
      ];
    }
    return fail(c, `gathers from ${describeValue(data)} by ${describeValue(indices)}, which rnnc does not follow`);
  },
  Unsqueeze: (c) => {
    const v = input(c, 0, "the data");
    const axes = axesOf(c, 1) ?? fail(c, "has no axes");
    if (v.kind === "sizes" && v.scalar && axes.length === 1 && axes[0] === 0) return [{ ...v, scalar: false }];
    const t = constOf(c, v, "the data of an Unsqueeze");
    const rank = t.dims.length + axes.length;
    const dims = [...t.dims];
    for (const a of axes.map((a) => axisOf(a, rank, c.where)).sort((p, q) => p - q)) dims.splice(a, 0, 1);
    return [{ kind: "const", tensor: { ...t, dims } }];
  },
  Squeeze: (c) => {
    const v = input(c, 0, "the data");
    const axes = axesOf(c, 1);
    if (v.kind === "final") {
      const dirs = c.builder.layouts[0] === 1 ? 1 : 0;
      if ((axes ?? [dirs]).map((a) => axisOf(a, 3, c.where)).join() !== String(dirs))
        fail(c, "squeezes final states along an axis other than their directions");
      return [lastOutput(c, v, 0)];
    }
    if (v.kind === "seq") {
      const drop = (axes ?? v.axes.flatMap((a, i) => (a.size === 1 ? [i] : []))).map((a) =>
        axisOf(a, v.axes.length, c.where),
      );
      for (const a of drop) {
        if (v.axes[a]!.label !== "dirs" || v.axes[a]!.size !== 1)
          fail(c, `squeezes an axis of ${describeValue(v)} that is not a single direction`);
      }
      return [{ ...v, axes: v.axes.filter((_, i) => !drop.includes(i)), origin: c.node.outputs[0]! }];
    }
    const t = constOf(c, v, "the data of a Squeeze");
    const drop = (axes ?? t.dims.flatMap((d, i) => (d === 1 ? [i] : []))).map((a) => axisOf(a, t.dims.length, c.where));
    return [{ kind: "const", tensor: { ...t, dims: t.dims.filter((_, i) => !drop.includes(i)) } }];
  },
  Concat: (c) => {
    const parts = c.inputs.map((v, i) => v ?? fail(c, `input ${i} is missing`));
    const axis = (attr(c, "axis") as number | undefined) ?? 0;
    if (parts.every((p) => p.kind === "final")) {
      if (axisOf(axis, 3, c.where) !== (c.builder.layouts[0] === 1 ? 1 : 0))
        fail(c, "concatenates final states along an axis other than their directions");
      return [{ kind: "final", parts: parts.flatMap((p) => (p as Extract<Value, { kind: "final" }>).parts) }];
    }
    if (parts.some((p) => p.kind === "seq")) return [joinDirections(c, parts, "concat", axis)];
    if (parts.every((p) => p.kind === "const")) {
      const tensors = parts.map((p) => (p as Extract<Value, { kind: "const" }>).tensor);
      return [{ kind: "const", tensor: concatConst(tensors, axisOf(axis, tensors[0]!.dims.length, c.where)) }];
    }
    return [{ kind: "sizes", sizes: parts.flatMap((p) => sizesOf(p, c)!), scalar: false }];
  },
  Slice: (c) => {
    const v = input(c, 0, "the data");
    if (v.kind === "fill") return [v];
    const old = attr(c, "starts") !== undefined;
    const starts = old ? intsAttr(c, "starts")! : ints(c, c.inputs[1], "starts");
    const ends = old ? intsAttr(c, "ends")! : ints(c, c.inputs[2], "ends");
    const steps = old ? [] : c.inputs[4] ? ints(c, c.inputs[4], "steps") : [];
    const axesGiven = old ? intsAttr(c, "axes") : c.inputs[3] ? ints(c, c.inputs[3], "axes") : undefined;
    if (v.kind === "seq") {
      if (steps.some((s) => s !== 1)) fail(c, `slices ${describeValue(v)} with steps`);
      return [sliceDirection(c, v, starts, ends, axesGiven ?? starts.map((_, i) => i))];
    }
    if (v.kind === "sizes") {
      const t = sliceConst(
        { dims: [v.sizes.length], values: Float64Array.from(v.sizes.keys()), type: "int" },
        starts,
        ends,
        [0],
        steps,
      );
      return [{ kind: "sizes", sizes: [...t.values].map((i) => v.sizes[i]!), scalar: false }];
    }
    const t = constOf(c, v, "the data of a Slice");
    const axes = (axesGiven ?? starts.map((_, i) => i)).map((a) => axisOf(a, t.dims.length, c.where));
    return [{ kind: "const", tensor: sliceConst(t, starts, ends, axes, steps) }];
  },
  ConstantOfShape: (c) => {
    const value = attr(c, "value");
    const fill =
      value !== undefined && typeof value === "object" && "dims" in value ? ((value as ConstTensor).values[0] ?? 0) : 0;
    const shape = input(c, 0, "the shape");
    if (shape.kind !== "sizes" && shape.kind !== "const") fail(c, `takes its shape from ${describeValue(shape)}`);
    return [{ kind: "fill", value: fill }];
  },
  Expand: (c) => {
    const v = input(c, 0, "the data");
    if (v.kind === "fill") return [v];
    const t = constOf(c, v, "the data of an Expand");
    if (new Set(t.values).size > 1) fail(c, "expands a constant that is not a single value");
    return [{ kind: "fill", value: t.values[0] ?? 0 }];
  },
  Reshape: (c) => {
    const v = input(c, 0, "the data");
    const target = sizesOf(input(c, 1, "the shape"), c)!;
    if (v.kind === "seq") return [reshapeSeq(c, v, target)];
    const t = constOf(c, v, "the data of a Reshape");
    const dims = target.map((d, i) => (d === 0 ? t.dims[i]! : d));
    const wild = dims.indexOf(-1);
    if (dims.some((d) => typeof d !== "number")) fail(c, "reshapes a constant to a symbolic shape");
    if (wild >= 0) dims[wild] = t.values.length / (dims as number[]).filter((d) => d !== -1).reduce((n, d) => n * d, 1);
    return [{ kind: "const", tensor: { ...t, dims: dims as number[] } }];
  },
  Transpose: (c) => {
    const raw = input(c, 0, "the data");
    if (raw.kind === "const") {
      const perm = intsAttr(c, "perm") ?? raw.tensor.dims.map((_, i) => raw.tensor.dims.length - 1 - i);
      return [{ kind: "const", tensor: transposeConst(raw.tensor, perm) }];
    }
    const s = asSeq(c, raw);
    const perm = intsAttr(c, "perm") ?? s.axes.map((_, i) => s.axes.length - 1 - i);
    if (perm.length !== s.axes.length) fail(c, `permutes ${perm.length} axes of ${describeValue(s)}`);
    const axes = perm.map((p) => s.axes[p]!);
    if (axes[axes.length - 1]!.label !== "features")
      fail(c, `moves the features of ${describeValue(s)} off the last axis`);
    return [{ ...s, axes, origin: c.node.outputs[0]! }];
  },
  ReduceSum: (c) => {
    const s = input(c, 0, "the data");
    if (s.kind !== "seq") return fail(c, `sums ${describeValue(s)}`);
    const axes = (axesOf(c, 1) ?? []).map((a) => axisOf(a, s.axes.length, c.where));
    const keep = (attr(c, "keepdims") as number | undefined) ?? 1;
    if (axes.length !== 1 || s.axes[axes[0]!]!.label !== "dirs")
      fail(c, `sums ${describeValue(s)} over an axis other than its directions`);
    const axesOut = keep
      ? s.axes.map((a, i) => (i === axes[0] ? { label: "dirs" as const, size: 1 } : a))
      : s.axes.filter((_, i) => i !== axes[0]);
    return [{ ...s, axes: axesOut, merge: "sum", origin: c.node.outputs[0]! }];
  },
  RNN: recurrent,
  LSTM: recurrent,
  GRU: recurrent,
  Add: (c) => {
    const folded = elementwiseConst(c, (x, y) => x + y);
    if (folded) return [folded];
    const [a, b] = [input(c, 0, "a"), input(c, 1, "b")];
    if (a.kind === "seq" && b.kind === "seq") return [joinDirections(c, [a, b], "sum")];
    const [s, bias] = a.kind === "seq" ? [a, b] : [b, a];
    if (s.kind !== "seq")
      return fail(c, `adds ${describeValue(a)} and ${describeValue(b)}; rnnc adds only the readout's bias`);
    return [readoutBias(c, s, bias)];
  },
  Mul: (c) => [
    elementwiseConst(c, (x, y) => x * y) ??
      fail(c, "multiplies values of the network elementwise, which rnnc's models do not"),
  ],
  Sub: (c) => [
    elementwiseConst(c, (x, y) => x - y) ?? fail(c, "subtracts values of the network, which rnnc's models do not"),
  ],
  Div: (c) => {
    const integers = c.inputs[0]?.kind === "const" && c.inputs[0].tensor.type === "int";
    return [
      elementwiseConst(c, (x, y) => (integers ? Math.trunc(x / y) : x / y)) ??
        fail(c, "divides values of the network, which rnnc's models do not"),
    ];
  },
  ...readoutRules,
};
