// apps/import — `rnnc import` as a library: a trained network from PyTorch
// (a state_dict as .pt or .safetensors), ONNX, TF.js or Keras 3 (.keras),
// read into the neutral Network (network.ts), checked, and written as an rnnc
// model file (cells as equations) and a parameter file under the model's
// tensor names. Stands on rnnc's public surfaces only (rnnc/runtime's
// parameter files).

import { checkNetwork } from "./check.js";
import { ImportError } from "./errors.js";
import { readOnnx } from "./onnx/proto.js";
import { onnxNetwork } from "./onnx/read.js";
import { readKerasFile } from "./keras/keras-file.js";
import { tfjsNetwork } from "./tfjs/layers.js";
import { readTfjsModel } from "./tfjs/model-json.js";
import type { Network } from "./network.js";
import { readTorchFile } from "./torch/pt.js";
import { readSafetensorsFile } from "./torch/safetensors.js";
import { stateDictNetwork, type TorchOptions } from "./torch/state-dict.js";
import { writeModel, type WrittenModel } from "./write-model.js";
import { writeParams } from "./write-params.js";
import { readSkeleton, writeSkeleton } from "./skeleton.js";
import { torchStateDict } from "./export.js";
import { onnxModel, type OnnxExport } from "./onnx/export.js";
import { decodeParams, encodeSafetensors, RnncError } from "../../runtime/index.js";
import type { Tensor } from "./network.js";

export { ImportError } from "./errors.js";
export type { Network } from "./network.js";
export type { OnnxExport } from "./onnx/export.js";
export type { TorchOptions } from "./torch/state-dict.js";

export const sourceFormats = ["torch", "safetensors", "onnx", "tfjs", "keras"] as const;
export type SourceFormat = (typeof sourceFormats)[number];

/** The format a file's name says: .pt/.pth/.bin torch, .safetensors, .onnx, .json (a TF.js model.json), .keras. */
export function formatOf(file: string): SourceFormat | undefined {
  if (/\.(pt|pth|bin)$/i.test(file)) return "torch";
  if (/\.safetensors$/i.test(file)) return "safetensors";
  if (/\.onnx$/i.test(file)) return "onnx";
  if (/\.json$/i.test(file)) return "tfjs";
  if (/\.keras$/i.test(file)) return "keras";
  return undefined;
}

export interface ImportOptions extends TorchOptions {
  /** The exported model's name in the written file (default "imported"). */
  readonly name?: string;
  /** The entry of a torch.save'd checkpoint dict that holds the state_dict. */
  readonly key?: string;
}

/** Reads the files a source names besides itself (weight shards, external data), by path. */
export type ReadBytes = (path: string) => Uint8Array;

export interface Imported {
  readonly network: Network;
  readonly model: WrittenModel;
  /** The parameter file (safetensors) of the written model. */
  readonly params: Uint8Array;
  /** network.json: the network without its weights, which rnnc export fills with trained ones. */
  readonly skeleton: string;
}

const noFiles: ReadBytes = (path) => {
  throw new Error(`no way to read ${path} was given`);
};

/**
 * The network in a source file. `readBeside` reads the files it refers to
 * (an ONNX model's external data), by the path the source gives.
 */
export function readNetwork(
  file: string,
  bytes: Uint8Array,
  format: SourceFormat,
  options: ImportOptions = {},
  readBeside: ReadBytes = noFiles,
): Network {
  const torchOnly = (["rnnNonlinearity", "rnn", "embedding", "readout", "key"] as const).filter(
    (k) => options[k] !== undefined,
  );
  if (
    format !== "torch" &&
    format !== "safetensors" &&
    (torchOnly.length > 0 || options.readoutActivation !== undefined)
  ) {
    throw new ImportError(
      `${file}: ${[...torchOnly, ...(options.readoutActivation ? ["readoutActivation"] : [])].join(", ")} ` +
        `${torchOnly.length === 1 ? "is" : "are"} for PyTorch state_dicts, whose names do not say it; a ${format} ` +
        `file does`,
    );
  }
  switch (format) {
    case "torch":
      return stateDictNetwork(readTorchFile(bytes, file, options.key), options);
    case "safetensors":
      return stateDictNetwork(readSafetensorsFile(bytes, file), options);
    case "onnx":
      return onnxNetwork(readOnnx(bytes, file, readBeside), file);
    case "tfjs":
      return tfjsNetwork(readTfjsModel(bytes, file, readBeside), file);
    case "keras":
      return tfjsNetwork(readKerasFile(bytes, file), file);
  }
}

/** Checks a network and writes its model file and parameter file. */
export function writeNetwork(network: Network, name?: string): Imported {
  checkNetwork(network);
  const model = writeModel(network, name);
  return { network, model, params: writeParams(network, model.plans), skeleton: writeSkeleton(network) };
}

export function importFile(
  file: string,
  bytes: Uint8Array,
  format: SourceFormat,
  options: ImportOptions = {},
  readBeside?: ReadBytes,
): Imported {
  return writeNetwork(readNetwork(file, bytes, format, options, readBeside), options.name);
}

/** A parameter file of an imported model's module, read into its network.json: the network with those weights. */
function trainedNetwork(
  skeleton: string,
  skeletonFile: string,
  params: Uint8Array,
  paramsFile: string,
): { network: Network; dtype: "f32" | "f64" } {
  let records;
  try {
    records = decodeParams(params);
  } catch (e) {
    if (e instanceof RnncError) throw new ImportError(`${paramsFile}: ${e.message}`);
    throw e;
  }
  const tensors = new Map<string, Tensor>();
  for (const r of records) {
    if (r.dtype === "i32")
      throw new ImportError(`${paramsFile}: ${r.name} holds integers; parameters are floating point`);
    const view = new DataView(r.data.buffer, r.data.byteOffset, r.data.byteLength);
    const size = r.dtype === "f32" ? 4 : 8;
    const data = Float64Array.from({ length: r.data.byteLength / size }, (_, i) =>
      size === 4 ? view.getFloat32(4 * i, true) : view.getFloat64(8 * i, true),
    );
    tensors.set(r.name, { shape: r.shape, data });
  }
  const network = readSkeleton(skeleton, skeletonFile, tensors);
  return { network, dtype: records.every((r) => r.dtype === "f64") ? "f64" : "f32" };
}

/**
 * `rnnc export`: the parameters of an imported model (its params.safetensors,
 * or a trained file of the same model) as a PyTorch state_dict in a
 * safetensors file, under the names network.json keeps (those of the
 * state_dict it was imported from; else rnn., embedding., fc.).
 */
export function exportTorch(
  skeleton: string,
  skeletonFile: string,
  params: Uint8Array,
  paramsFile: string,
): { file: Uint8Array; names: readonly string[] } {
  const { network, dtype } = trainedNetwork(skeleton, skeletonFile, params, paramsFile);
  const named = torchStateDict(network);
  const file = encodeSafetensors(
    named.map(({ name, tensor }) => {
      const bytes = new Uint8Array(tensor.data.length * (dtype === "f32" ? 4 : 8));
      const view = new DataView(bytes.buffer);
      tensor.data.forEach((v, i) =>
        dtype === "f32" ? view.setFloat32(4 * i, v, true) : view.setFloat64(8 * i, v, true),
      );
      return { name, shape: tensor.shape, dtype, data: bytes };
    }),
    { format: "pt" },
  );
  return { file, names: named.map((t) => t.name) };
}

/**
 * `rnnc export` to ONNX: an imported model with these parameters as an ONNX
 * model of RNN, LSTM and GRU nodes (onnx/export.ts), its weights in `dtype`
 * (default: the parameter file's).
 */
export function exportOnnx(
  skeleton: string,
  skeletonFile: string,
  params: Uint8Array,
  paramsFile: string,
  dtype?: "f32" | "f64",
): OnnxExport {
  const trained = trainedNetwork(skeleton, skeletonFile, params, paramsFile);
  return onnxModel(trained.network, dtype ?? trained.dtype);
}
