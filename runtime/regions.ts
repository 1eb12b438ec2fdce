// runtime — the checks a host makes of a module's memory plan before it
// writes anything. In: the ABI and each tensor's placement at the chosen
// capacity. Out: nothing, or an RnncAbiError naming the tensors at fault. An
// `rnnc` section whose regions overlap, are misaligned, or say a float dtype
// the module does not compute in would let one set() write into another
// tensor; such a module is refused when it loads.

import { BYTES_PER_ELEMENT, describeTensor, elementTypeOf, type Abi, type TensorEntry } from "./abi.js";
import { RnncAbiError } from "./errors.js";
import type { Placement } from "./layout.js";

export function checkRegions(abi: Abi, places: ReadonlyMap<TensorEntry, Placement>): void {
  for (const [t, { offset }] of places) {
    const type = elementTypeOf(abi, t);
    // Integer tensors (lengths, ids, class targets), int8 parameters (parseAbi checked each has its
    // scales) and the optimizer's f64 counters may differ from the module's floats.
    if (type !== "i32" && type !== "i8" && type !== abi.dtype && t.role !== "optimizer") {
      throw new RnncAbiError(`${describeTensor(t)} says dtype ${type}, but the module computes in ${abi.dtype}`);
    }
    if (offset % BYTES_PER_ELEMENT[type] !== 0)
      throw new RnncAbiError(`${describeTensor(t)} starts at byte ${offset}, not aligned to its ${type} elements`);
  }
  const sorted = [...places]
    .filter(([, p]) => p.bytes > 0)
    .sort(([, a], [, b]) => a.offset - b.offset || a.bytes - b.bytes);
  for (let i = 1; i < sorted.length; i++) {
    const [[a, pa], [b, pb]] = [sorted[i - 1]!, sorted[i]!];
    if (pa.offset + pa.bytes > pb.offset) {
      const range = (p: Placement) => `[${p.offset}, ${p.offset + p.bytes})`;
      throw new RnncAbiError(`${describeTensor(a)} at bytes ${range(pa)} overlaps ${describeTensor(b)} at ${
        range(pb)
      }: the module's memory plan is damaged`);
    }
  }
}
