// runtime — the int8 parameters of a loaded 8-bit module (ABI `quantize:
// "int8"`). In: the module's ABI, its memory and where each tensor lies. Out:
// a parameter's f32 values written as int8 weights and row scales, and read
// back as the f32 values they stand for (the layout is quantize.ts's). The
// host only ever sees f32: RnncModel's set, get, saveParams and loadParams
// come here for an int8 parameter.

import { describeTensor, type Abi, type TensorEntry } from "./abi.js";
import { RnncError } from "./errors.js";
import type { Placement } from "./layout.js";
import { dequantizeRows, int8Bytes, quantizeRows } from "./quantize.js";

/** Whether the tensor is stored in int8 (a parameter matrix of an 8-bit module). */
export const isInt8 = (entry: TensorEntry): boolean => entry.dtype === "i8";

export class Int8Params {
  constructor(
    readonly abi: Abi,
    readonly memory: WebAssembly.Memory,
    readonly places: ReadonlyMap<TensorEntry, Placement>,
  ) {}

  /** Quantises f32 `data` (the whole matrix, row-major) into the parameter's rows and their scales. */
  write(entry: TensorEntry, data: ArrayLike<number>): void {
    const [rows, cols] = entry.shape as [number, number];
    if (data.length !== rows * cols) {
      throw new RnncError(`set ${describeTensor(entry)}: got ${data.length} values, expected exactly ${rows * cols}`);
    }
    const { q, scales } = this.#views(entry);
    quantizeRows(data, rows, cols, q, scales);
  }

  /** The f32 values the parameter's int8 weights and scales stand for. */
  read(entry: TensorEntry): Float32Array {
    const [rows, cols] = entry.shape as [number, number];
    const { q, scales } = this.#views(entry);
    return dequantizeRows(q, scales, rows, cols);
  }

  // Made afresh from memory.buffer on every call: a grown memory detaches old views.
  #views(entry: TensorEntry): { q: Int8Array; scales: Float32Array } {
    const [rows, cols] = entry.shape as [number, number];
    const scales = this.abi.tensors.find((t) => t.role === "param_scale" && t.name === entry.name)!;
    return {
      q: new Int8Array(this.memory.buffer, this.places.get(entry)!.offset, int8Bytes(rows, cols)),
      scales: new Float32Array(this.memory.buffer, this.places.get(scales)!.offset, rows),
    };
  }
}
