// spec/apps/import/onnx — ONNX models built here with onnx-proto, for the
// attributes torch.onnx.export never writes (peepholes, clip, input_forget,
// activations with their alphas and betas, linear_before_reset = 0,
// sequence_lens and initial states as graph inputs, a ReduceSum of the
// directions), and onnxruntime-web loaded as bench/peers/onnx.js loads it.

import onnxProto from "onnx-proto";
import { prng } from "../../../../compiler/api.js";

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT32 = onnx.TensorProto.DataType.INT32;
const A = onnx.AttributeProto.AttributeType;

export type Ort = typeof import("onnxruntime-web");

let ortLoaded: Promise<Ort> | undefined;
export function loadOrt(): Promise<Ort> {
  ortLoaded ??= import("onnxruntime-web").then((ort) => {
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.proxy = false;
    ort.env.logLevel = "error";
    return ort;
  });
  return ortLoaded;
}

export type Feed = { data: Float32Array | Int32Array | BigInt64Array; dims: number[] };

/** Runs a model in onnxruntime-web (wasm, one thread) on the given inputs. */
export async function runOrt(
  bytes: Uint8Array,
  feeds: Record<string, Feed>,
): Promise<Record<string, { data: ArrayLike<number>; dims: readonly number[] }>> {
  const ort = await loadOrt();
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ["wasm"] });
  const tensors = Object.fromEntries(
    Object.entries(feeds).map(([k, f]) => [
      k,
      new ort.Tensor(
        f.data instanceof Float32Array ? "float32" : f.data instanceof Int32Array ? "int32" : "int64",
        f.data,
        f.dims,
      ),
    ]),
  );
  const out = await session.run(tensors);
  await session.release();
  return Object.fromEntries(
    Object.entries(out).map(([k, v]) => [k, { data: [...(v.data as Float32Array)], dims: v.dims }]),
  );
}

export type AttributeValue = number | string | number[] | string[];

function attribute(name: string, v: AttributeValue): onnxProto.onnx.IAttributeProto {
  if (typeof v === "string") return { name, type: A.STRING, s: new TextEncoder().encode(v) };
  if (typeof v === "number")
    return Number.isInteger(v) && name !== "clip" ? { name, type: A.INT, i: v } : { name, type: A.FLOAT, f: v };
  if (v.length > 0 && typeof v[0] === "string")
    return { name, type: A.STRINGS, strings: (v as string[]).map((s) => new TextEncoder().encode(s)) };
  return name.startsWith("activation_")
    ? { name, type: A.FLOATS, floats: v as number[] }
    : { name, type: A.INTS, ints: v as number[] };
}

export function tensor(
  name: string,
  dims: number[],
  values: ArrayLike<number>,
  type: "float" | "int64" = "float",
): onnxProto.onnx.ITensorProto {
  const data = type === "float" ? Float32Array.from(values) : BigInt64Array.from(Array.from(values, BigInt));
  return {
    name,
    dims,
    dataType: type === "float" ? FLOAT : onnx.TensorProto.DataType.INT64,
    rawData: new Uint8Array(data.buffer),
  };
}

function valueInfo(name: string, dims: (number | string)[], elemType = FLOAT): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

export interface NodeSpec {
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes?: Readonly<Record<string, AttributeValue>>;
}

export interface GraphSpec {
  readonly nodes: readonly NodeSpec[];
  readonly initializers: readonly onnxProto.onnx.ITensorProto[];
  readonly inputs: readonly { name: string; dims: (number | string)[]; int?: boolean }[];
  readonly outputs: readonly { name: string; dims: (number | string)[] }[];
}

export function buildModel(spec: GraphSpec): Uint8Array {
  const graph = onnx.GraphProto.create({
    name: "spec",
    node: spec.nodes.map((n, i) =>
      onnx.NodeProto.create({
        opType: n.opType,
        name: `${n.opType.toLowerCase()}${i}`,
        input: [...n.inputs],
        output: [...n.outputs],
        attribute: Object.entries(n.attributes ?? {}).map(([k, v]) => attribute(k, v)),
      }),
    ),
    initializer: [...spec.initializers],
    input: spec.inputs.map((i) => valueInfo(i.name, i.dims, i.int ? INT32 : FLOAT)),
    output: spec.outputs.map((o) => valueInfo(o.name, o.dims)),
  });
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [{ domain: "", version: 14 }],
      producerName: "rnnc-spec",
      graph,
    }),
  ).finish();
}

/** Uniform values in [−scale, scale), rounded to f32, from a seed. */
export function uniform(seed: number) {
  const rand = prng(seed);
  return (count: number, scale: number) => Float32Array.from({ length: count }, () => (rand() * 2 - 1) * scale);
}

/** [a, b, rest] → [b, a, rest]: batch-major to time-major and back. */
export function swap01(data: ArrayLike<number>, a: number, b: number, rest: number): number[] {
  const out = new Array<number>(a * b * rest);
  for (let i = 0; i < a; i++) {
    for (let j = 0; j < b; j++)
      for (let k = 0; k < rest; k++) out[(j * a + i) * rest + k] = data[(i * b + j) * rest + k]!;
  }
  return out;
}
