// apps/import/onnx — an ONNX graph as a Network. The reader follows the graph
// node by node (ops.ts says what each operator does to the values of
// values.ts): the shape glue torch.onnx.export emits is computed, constants
// are folded, and the network's own path is recognised — an input (vectors,
// or ids through a Gather of an embedding table), RNN/LSTM/GRU nodes joined by
// Squeeze, or Transpose and Reshape (concatenated directions), or ReduceSum
// (summed), or a Slice of each direction and Concat or Add, and a MatMul and
// Add (or Gemm) and activation readout, of every step or of the last layer's
// final state. Every graph output must be the end of that path or a final
// state. In: an OnnxGraph. Out: a Network, with how the graph's inputs and
// outputs map to the module's tensors.

import { ImportError } from "../errors.js";
import type { Network, Readout, RecurrentLayer } from "../network.js";
import { rules, type Builder } from "./ops.js";
import type { OnnxGraph } from "./proto.js";
import { describeValue, type Value } from "./values.js";

export function onnxNetwork(graph: OnnxGraph, file: string): Network {
  const values = new Map<string, Value>();
  for (const [name, tensor] of graph.initializers) values.set(name, { kind: "const", tensor });
  for (const info of graph.inputs) values.set(info.name, { kind: "input", info });
  const builder: Builder = { file, layers: [], layouts: [], bindings: [] };
  for (const node of graph.nodes) {
    const where = `${file}: node ${node.name} (${node.opType})`;
    const rule = node.domain === "" || node.domain === "ai.onnx" ? rules[node.opType] : undefined;
    if (!rule) {
      throw new ImportError(
        `${where}: rnnc does not import ${node.domain ? `${node.domain}.` : ""}${node.opType} nodes; it reads ` +
          "RNN, LSTM and GRU nodes, a Gather of an embedding before them, the Squeeze, Transpose, Reshape, " +
          "ReduceSum, Slice, Concat and Add that join their directions, a MatMul and Add (or Gemm) readout with an " +
          "activation after them, and the shape glue around them",
      );
    }
    const inputs = node.inputs.map((name) => {
      if (name === "") return undefined;
      const v = values.get(name);
      if (!v) throw new ImportError(`${where}: reads ${name}, which nothing before it computes`);
      if (v.kind === "unusable") throw new ImportError(`${where}: reads ${name}, ${v.why}`);
      return v;
    });
    const outputs = rule({ node, inputs, builder, where });
    node.outputs.forEach((name, i) => {
      if (name !== "") {
        values.set(
          name,
          outputs[i] ?? { kind: "unusable", why: `an output of ${node.opType} that rnnc does not compute` },
        );
      }
    });
  }
  return assemble(graph, values, builder, file);
}

function assemble(graph: OnnxGraph, values: ReadonlyMap<string, Value>, b: Builder, file: string): Network {
  if (b.layers.length === 0) throw new ImportError(`${file}: the graph has no RNN, LSTM or GRU node`);
  const last = b.layers.length - 1;
  let end: Extract<Value, { kind: "seq" }> | undefined;
  const bindings = [...b.bindings];
  for (const out of graph.outputs) {
    const v = values.get(out.name);
    if (!v) throw new ImportError(`${file}: graph output ${out.name} is computed by no node`);
    if (v.kind === "final") {
      const names = v.parts.flatMap(({ layer, state }) => {
        const prefixes =
          b.layers[layer]!.directions.length === 2 ? [`l${layer}.fwd.`, `l${layer}.bwd.`] : [`l${layer}.`];
        return prefixes.map((p) => `${p}${state}`);
      });
      bindings.push({
        source: out.name,
        role: "state_out",
        rnnc: names,
        note:
          b.layouts[0] === 1
            ? "ONNX's is [batch, layers·dirs, units] (layout 1); each rnnc state is [batch, units]"
            : "ONNX's is [layers·dirs, batch, units]; each rnnc state is [batch, units]",
      });
      continue;
    }
    if (v.kind !== "seq" || v.stage !== last || v.direction !== undefined || (end !== undefined && end !== v)) {
      throw new ImportError(
        `${file}: graph output ${out.name} is ${describeValue(v)}; rnnc's module outputs the end of the network (and ` +
          `final states)`,
      );
    }
    end = v;
    const time = b.time!;
    const name = (label: string) =>
      label === time ? "steps" : label === "features" || label === "dirs" ? label : "batch";
    const axes = v.axes.map((a) => (a.parts ? a.parts.map((p) => name(p.label)).join("·") : name(a.label)));
    const standard =
      axes.join() === "steps,batch,features" || (axes.join() === "steps,dirs,batch,features" && v.axes[1]!.size === 1);
    if (v.lastStep) {
      bindings.push({
        source: out.name,
        role: "output",
        rnnc: ["y"],
        note:
          "ONNX's is [batch, features], from each sequence's final state: rnnc's y at its last step (lengths[i] − 1)",
      });
      continue;
    }
    bindings.push({
      source: out.name,
      role: "output",
      rnnc: ["y"],
      ...(standard
        ? {}
        : {
            note:
              `ONNX's is [${axes.join(", ")}]; rnnc's y is [steps, batch, ` +
              `features]${axes.includes("dirs") ? ", the directions concatenated" : ""}`,
          }),
    });
  }
  if (!end) throw new ImportError(`${file}: no graph output is the end of the network`);
  if (b.time === "a1") {
    const at = bindings.findIndex((x) => x.role === "input");
    if (at >= 0) {
      bindings[at] = {
        ...bindings[at]!,
        note:
          `ONNX's is [batch, steps${b.input?.kind === "dense" ? ", features" : ""}]; rnnc's ` +
          `${bindings[at]!.rnnc[0]} is [steps, batch, ${b.input?.kind === "dense" ? "features" : "1"}]`,
      };
    }
  }
  const layers: RecurrentLayer[] = b.layers.map((l, i) =>
    i === last && l.directions.length === 2 ? { ...l, merge: end!.merge ?? "concat" } : l,
  );
  const floats = [...graph.initializers.values()].filter((t) => t.type !== "int");
  const network: Network = {
    framework: "onnx",
    file,
    dtype: floats.length > 0 && floats.every((t) => t.type === "f64") ? "f64" : "f32",
    input: b.input!,
    layers,
    ...(b.readout ? { readout: b.readout as Readout } : {}),
    bindings,
  };
  return network;
}
