// apps/import — `rnnc import` as a library: a trained network from PyTorch
// (a state_dict as .pt or .safetensors), ONNX or TF.js, read into the neutral
// Network (network.ts), checked, and written as an rnnc model file (cells as
// equations) and a parameter file under the model's tensor names. Stands on
// rnnc's public surfaces only (rnnc/runtime's parameter files).

import { checkNetwork } from "./check.js";
import { ImportError } from "./errors.js";
import { readOnnx } from "./onnx/proto.js";
import { onnxNetwork } from "./onnx/read.js";
import { tfjsNetwork } from "./tfjs/layers.js";
import { readTfjsModel } from "./tfjs/model-json.js";
import type { Network } from "./network.js";
import { readTorchFile } from "./torch/pt.js";
import { readSafetensorsFile } from "./torch/safetensors.js";
import { stateDictNetwork, type TorchOptions } from "./torch/state-dict.js";
import { writeModel, type WrittenModel } from "./write-model.js";
import { writeParams } from "./write-params.js";

export { ImportError } from "./errors.js";
export type { Network } from "./network.js";
export type { TorchOptions } from "./torch/state-dict.js";

export const sourceFormats = ["torch", "safetensors", "onnx", "tfjs"] as const;
export type SourceFormat = (typeof sourceFormats)[number];

/** The format a file's name says: .pt/.pth/.bin torch, .safetensors, .onnx, .json (a TF.js model.json). */
export function formatOf(file: string): SourceFormat | undefined {
  if (/\.(pt|pth|bin)$/i.test(file)) return "torch";
  if (/\.safetensors$/i.test(file)) return "safetensors";
  if (/\.onnx$/i.test(file)) return "onnx";
  if (/\.json$/i.test(file)) return "tfjs";
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
}

const noFiles: ReadBytes = (path) => {
  throw new Error(`no way to read ${path} was given`);
};

/**
 * The network in a source file. `readBeside` reads the files it refers to
 * (an ONNX model's external data), by the path the source gives.
 */
export function readNetwork(file: string, bytes: Uint8Array, format: SourceFormat, options: ImportOptions = {}, readBeside: ReadBytes = noFiles): Network {
  const torchOnly = (["rnnNonlinearity", "rnn", "embedding", "readout", "key"] as const).filter((k) => options[k] !== undefined);
  if (format !== "torch" && format !== "safetensors" && (torchOnly.length > 0 || options.readoutActivation !== undefined)) {
    throw new ImportError(`${file}: ${[...torchOnly, ...(options.readoutActivation ? ["readoutActivation"] : [])].join(", ")} `
      + `${torchOnly.length === 1 ? "is" : "are"} for PyTorch state_dicts, whose names do not say it; a ${format} file does`);
  }
  switch (format) {
    case "torch": return stateDictNetwork(readTorchFile(bytes, file, options.key), options);
    case "safetensors": return stateDictNetwork(readSafetensorsFile(bytes, file), options);
    case "onnx": return onnxNetwork(readOnnx(bytes, file, readBeside), file);
    case "tfjs": return tfjsNetwork(readTfjsModel(bytes, file, readBeside), file);
  }
}

/** Checks a network and writes its model file and parameter file. */
export function writeNetwork(network: Network, name?: string): Imported {
  checkNetwork(network);
  const model = writeModel(network, name);
  return { network, model, params: writeParams(network, model.plans) };
}

export function importFile(file: string, bytes: Uint8Array, format: SourceFormat, options: ImportOptions = {}, readBeside?: ReadBytes): Imported {
  return writeNetwork(readNetwork(file, bytes, format, options, readBeside), options.name);
}
