// apps/import/torch — a state_dict saved as safetensors (safetensors.torch's
// save_file, or any tool's). In: the file's bytes. Out: its tensors as a
// StateDict, read by the runtime's own safetensors reader. The format sorts
// its tensors, so the StateDict is not in the module order.

import { decodeParams, RnncError } from "../../../runtime/index.js";
import { ImportError } from "../errors.js";
import type { StateDict } from "./state-dict.js";

export function readSafetensorsFile(bytes: Uint8Array, file: string): StateDict {
  let records;
  try {
    records = decodeParams(bytes);
  } catch (e) {
    if (!(e instanceof RnncError)) throw e;
    const half = /dtype "(F16|BF16)"/.test(e.message) ? "; save the weights as float32 first (model.float())" : "";
    throw new ImportError(`${file}: ${e.message}${half}`);
  }
  return {
    file,
    ordered: false,
    tensors: records.map((r) => {
      const view = new DataView(r.data.buffer, r.data.byteOffset, r.data.byteLength);
      const count = r.shape.reduce((n, d) => n * d, 1);
      if (r.dtype === "i32") return { name: r.name, shape: r.shape, dtype: "i32" };
      const data = new Float64Array(count);
      for (let i = 0; i < count; i++)
        data[i] = r.dtype === "f32" ? view.getFloat32(4 * i, true) : view.getFloat64(8 * i, true);
      return { name: r.name, shape: r.shape, dtype: r.dtype, data };
    }),
  };
}
