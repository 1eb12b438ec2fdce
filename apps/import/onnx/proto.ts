// apps/import/onnx — an ONNX file as plain data: the graph's nodes (op type,
// name, inputs, outputs, attributes), its inputs and outputs with their
// shapes, and its initializers decoded to numbers (raw or typed fields, and
// external data files next to the model). Decoded with onnx-proto. In: the
// file's bytes and a way to read files beside it. Out: an OnnxGraph.

import onnxProto from "onnx-proto";
import { ImportError } from "../errors.js";
import { halfToNumber } from "../tensor.js";

const { onnx } = onnxProto;

/** A constant tensor: its values as numbers, ints and floats alike. */
export interface ConstTensor {
  readonly dims: readonly number[];
  readonly values: Float64Array;
  /** "float" for floating-point data (and which width), "int" for integers and booleans. */
  readonly type: "f32" | "f64" | "f16" | "int";
}

export type Attribute = number | string | readonly number[] | readonly string[] | ConstTensor;

export interface OnnxNode {
  readonly opType: string;
  readonly domain: string;
  /** The node's name, or a name made of its op type and position when it has none. */
  readonly name: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: ReadonlyMap<string, Attribute>;
}

/** A graph input or output: its name, element type and dimensions (numbers, or dim_param names). */
export interface OnnxValueInfo {
  readonly name: string;
  readonly elemType: number;
  readonly dims: readonly (number | string)[] | undefined;
}

export interface OnnxGraph {
  readonly nodes: readonly OnnxNode[];
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
  readonly initializers: ReadonlyMap<string, ConstTensor>;
  readonly opset: number;
}

export const elemTypes = onnx.TensorProto.DataType;

type Long = { toNumber(): number } | number;
const num = (v: Long | null | undefined): number =>
  v === null || v === undefined ? 0 : typeof v === "number" ? v : v.toNumber();

const rawReaders: Partial<
  Record<number, { size: number; read: (v: DataView, at: number) => number; type: ConstTensor["type"] }>
> = {
  [elemTypes.FLOAT]: { size: 4, read: (v, at) => v.getFloat32(at, true), type: "f32" },
  [elemTypes.DOUBLE]: { size: 8, read: (v, at) => v.getFloat64(at, true), type: "f64" },
  [elemTypes.FLOAT16]: { size: 2, read: (v, at) => halfToNumber(v.getUint16(at, true)), type: "f16" },
  [elemTypes.INT64]: { size: 8, read: (v, at) => Number(v.getBigInt64(at, true)), type: "int" },
  [elemTypes.INT32]: { size: 4, read: (v, at) => v.getInt32(at, true), type: "int" },
  [elemTypes.INT8]: { size: 1, read: (v, at) => v.getInt8(at), type: "int" },
  [elemTypes.UINT8]: { size: 1, read: (v, at) => v.getUint8(at), type: "int" },
  [elemTypes.BOOL]: { size: 1, read: (v, at) => v.getUint8(at), type: "int" },
};

export function decodeTensor(
  t: onnxProto.onnx.ITensorProto,
  where: string,
  readBeside: (path: string) => Uint8Array,
): ConstTensor {
  const dims = (t.dims ?? []).map(num);
  if (!dims.every((d) => Number.isSafeInteger(d) && d >= 0))
    throw new ImportError(`${where} has a malformed shape [${dims.join(", ")}]`);
  const count = dims.reduce((n, d) => n * d, 1);
  const dataType = t.dataType ?? 0;
  const reader = rawReaders[dataType];
  const typeName = onnx.TensorProto.DataType[dataType] ?? String(dataType);
  if (!reader)
    throw new ImportError(`${where} holds ${typeName} data; rnnc reads float, double, float16 and integer tensors`);
  let raw = t.rawData && t.rawData.length > 0 ? t.rawData : undefined;
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    const entry = (key: string) => t.externalData?.find((e) => e.key === key)?.value ?? undefined;
    const location = entry("location");
    if (!location) throw new ImportError(`${where} says its data is external but names no file`);
    let file: Uint8Array;
    try {
      file = readBeside(location);
    } catch (e) {
      throw new ImportError(`${where} keeps its data in ${location}, which cannot be read: ${(e as Error).message}`);
    }
    const offset = Number(entry("offset") ?? 0);
    const length = entry("length") !== undefined ? Number(entry("length")) : count * reader.size;
    if (!(offset >= 0 && length >= 0 && offset + length <= file.length))
      throw new ImportError(`${where}: its data at [${offset}, ${offset + length}) runs past the end of ${location}`);
    raw = file.subarray(offset, offset + length);
  }
  if (raw) {
    if (raw.length !== count * reader.size)
      throw new ImportError(`${where}: ${raw.length} bytes of data for ${count} ${typeName} values`);
    const values = new Float64Array(count);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < count; i++) values[i] = reader.read(view, i * reader.size);
    return { dims, values, type: reader.type };
  }
  const typed: readonly Long[] | undefined =
    dataType === elemTypes.FLOAT
      ? (t.floatData ?? undefined)
      : dataType === elemTypes.DOUBLE
        ? (t.doubleData ?? undefined)
        : dataType === elemTypes.INT64
          ? (t.int64Data ?? undefined)
          : (t.int32Data ?? undefined);
  const list = typed ?? [];
  if (list.length !== count) throw new ImportError(`${where}: ${list.length} values for shape [${dims.join(", ")}]`);
  const values = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const v = num(list[i]);
    values[i] = dataType === elemTypes.FLOAT16 ? halfToNumber(v) : v;
  }
  return { dims, values, type: reader.type };
}

function valueInfo(v: onnxProto.onnx.IValueInfoProto): OnnxValueInfo {
  const tensor = v.type?.tensorType;
  const dims = tensor?.shape?.dim?.map((d) =>
    d.dimParam ? d.dimParam : d.dimValue !== null && d.dimValue !== undefined ? num(d.dimValue) : "?",
  );
  return { name: v.name ?? "", elemType: tensor?.elemType ?? 0, dims };
}

export function readOnnx(bytes: Uint8Array, file: string, readBeside: (path: string) => Uint8Array): OnnxGraph {
  let model: onnxProto.onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new ImportError(`${file}: not an ONNX model (it does not decode as ModelProto: ${(e as Error).message})`);
  }
  const graph = model.graph;
  if (!graph || (graph.node ?? []).length === 0)
    throw new ImportError(`${file}: an ONNX model without a graph of nodes`);
  const opset = num(model.opsetImport?.find((o) => (o.domain ?? "") === "" || o.domain === "ai.onnx")?.version ?? 0);
  const initializers = new Map<string, ConstTensor>();
  for (const t of graph.initializer ?? [])
    initializers.set(t.name ?? "", decodeTensor(t, `${file}: initializer ${t.name}`, readBeside));
  const nodes = (graph.node ?? []).map((n, i): OnnxNode => {
    const name = n.name || `${n.opType}#${i}`;
    const attributes = new Map<string, Attribute>();
    for (const a of n.attribute ?? []) {
      const T = onnx.AttributeProto.AttributeType;
      const where = `${file}: node ${name} (${n.opType}), attribute ${a.name}`;
      const decoded: Attribute | undefined =
        a.type === T.FLOAT
          ? (a.f ?? 0)
          : a.type === T.INT
            ? num(a.i)
            : a.type === T.STRING
              ? new TextDecoder().decode(a.s ?? new Uint8Array())
              : a.type === T.FLOATS
                ? [...(a.floats ?? [])]
                : a.type === T.INTS
                  ? (a.ints ?? []).map(num)
                  : a.type === T.STRINGS
                    ? (a.strings ?? []).map((s) => new TextDecoder().decode(s))
                    : a.type === T.TENSOR && a.t
                      ? decodeTensor(a.t, where, readBeside)
                      : undefined;
      if (decoded === undefined)
        throw new ImportError(`${where} is of a kind rnnc does not read (${T[a.type ?? 0] ?? a.type})`);
      attributes.set(a.name ?? "", decoded);
    }
    return {
      opType: n.opType ?? "",
      domain: n.domain ?? "",
      name,
      inputs: n.input ?? [],
      outputs: n.output ?? [],
      attributes,
    };
  });
  return {
    nodes,
    inputs: (graph.input ?? []).map(valueInfo).filter((v) => !initializers.has(v.name)),
    outputs: (graph.output ?? []).map(valueInfo),
    initializers,
    opset,
  };
}
