// runtime — the public entry point ("rnnc/runtime"); it only re-exports.
// Everything not listed here may change without notice.

export {
  instantiateModel, loadModel, RnncModel, type LoadOptions, type ModelSource, type TensorView,
} from "./model.js";
export {
  ABI_VERSION, ABI_VERSIONS, INTERNAL_ROLES, LAYOUT_STATUS, PARAM_INITS, PUBLIC_ROLES,
  type Abi, type AbiVersion, type CallSize, type Dim, type Dtype, type ElementType, type InternalRole, type Loss,
  type OffsetForm, type ParamInit, type PublicRole, type Role, type TensorEntry,
} from "./abi.js";
export { parseAbi, readAbiSection } from "./abi-parse.js";
export { MAX_MEMORY_BYTES, type Placement } from "./layout.js";
export { initParams, type InitOptions } from "./init.js";
export { RnncStream, type StreamInputs, type StreamOutputs } from "./stream.js";
/** Sequences longer than a call: chunks with the state carried, truncated BPTT. */
export { carryStates, isCausal, resetStates, runInChunks, trainTruncated, type Chunks } from "./truncated.js";
/** The one seeded generator and shuffle: initialisation, gradient checks and training draw from them. */
export { mixSeed, normal, prng, Random, shuffle } from "./random.js";
/** Gradient checking against finite differences of the module's own loss (rnnc gradcheck). */
export { gradcheck, type GradcheckOptions, type GradcheckReport, type TensorCheck } from "./gradcheck.js";
export { RnncAbiError, RnncError, RnncParamsError } from "./errors.js";
// Parameter files without a module, for programs that write or read weights (rnnc import, export).
export { decodeParams, encodeParams, type ParamRecord } from "./params.js";
// A plain safetensors file (no rnnc metadata), for weights under another tool's names (rnnc export).
export { encodeSafetensors } from "./safetensors.js";
/** CRC-32 (IEEE), the checksum of parameter files (and of zip archives, which the importer reads). */
export { crc32 } from "./crc32.js";
/** Data-parallel training: a batch's shards on workers, their gradients summed before one update. */
export {
  createDataParallelTrainer, DataParallelTrainer, type DataParallelOptions, type WorkerHandle,
} from "./parallel.js";
