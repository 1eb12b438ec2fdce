// runtime — where each tensor sits at the capacity a host chose. In: a parsed
// ABI and a requested capacity (versions 2 and 3: any that fits wasm's 4 GiB;
// version 1: at most the compiled one). Out: the checked capacity, the bytes
// of memory it needs, and each tensor's byte offset and region size there.

import { atCapacity, LAYOUT_STATUS, regionBytes, type Abi, type CallSize, type TensorEntry } from "./abi.js";
import { RnncError } from "./errors.js";

/** wasm32's whole address space: 65536 pages of 64 KiB. */
export const MAX_MEMORY_BYTES = 2 ** 32;

export interface Placement {
  /** Byte offset of the region in the exported memory. */
  readonly offset: number;
  /** Size of the region at the capacity. */
  readonly bytes: number;
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** The capacity a model runs at: the requested one, checked, or the ABI's own. Throws RangeError on bad values. */
export function chooseCapacity(abi: Abi, requested: unknown): CallSize {
  if (requested === undefined) return abi.capacity;
  if (typeof requested !== "object" || requested === null) {
    throw new RangeError(`capacity must be an object { batch, steps }; got ${String(requested)}`);
  }
  const raw = requested as Record<string, unknown>;
  const [batch, steps] = (["batch", "steps"] as const).map((axis) => {
    const v = raw[axis];
    // Arguments reach the module as i32: anything past 2^31 - 1 would wrap.
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > 2 ** 31 - 1) {
      const got = typeof v === "number" ? v : JSON.stringify(v);
      throw new RangeError(`capacity.${axis} must be an integer in [1, ${2 ** 31 - 1}]; got ${got}`);
    }
    return v;
  }) as [number, number];
  const capacity = { batch, steps };
  if (abi.abi === 1) {
    if (batch > abi.capacity.batch || steps > abi.capacity.steps) {
      const fixed = `batch ${abi.capacity.batch}, steps ${abi.capacity.steps}`;
      throw new RangeError(
        `this module is ABI version 1, whose capacity is fixed when it is compiled (${fixed}); ` +
        `capacity batch ${batch}, steps ${steps} exceeds it: recompile with rnnc compile --batch/--steps, ` +
        "or with a current rnnc, whose modules take their capacity at load time",
      );
    }
    return capacity;
  }
  const needed = memoryBytes(abi, capacity);
  if (needed > MAX_MEMORY_BYTES) {
    throw new RangeError(
      `capacity batch ${batch}, steps ${steps} needs ${mib(needed)} of memory, more than wasm's 4 GiB: ` +
      "choose a smaller batch or steps",
    );
  }
  return capacity;
}

/**
 * Bytes of memory a capacity needs: the ABI's memory form (versions 2, 3), or the end of the last region (version
 * 1).
 */
export function memoryBytes(abi: Abi, capacity: CallSize): number {
  if (abi.memory) return atCapacity(abi.memory, capacity);
  return Math.max(0, ...abi.tensors.map((t) => atCapacity(t.offset, capacity) + regionBytes(abi, t, capacity)));
}

/** Each tensor's offset and region at the capacity (version 1: the compiled offsets, whatever the capacity). */
export function placeTensors(abi: Abi, capacity: CallSize): Map<TensorEntry, Placement> {
  const place = (t: TensorEntry) => ({ offset: atCapacity(t.offset, capacity), bytes: regionBytes(abi, t, capacity) });
  return new Map(abi.tensors.map((t) => [t, place(t)]));
}

/** Why layout(batch, steps) refused, as an error naming the capacity; undefined when it succeeded. */
export function layoutError(status: number, capacity: CallSize, needed: number): Error | undefined {
  const at = `layout(${capacity.batch}, ${capacity.steps})`;
  switch (status) {
    case LAYOUT_STATUS.ok: return undefined;
    case LAYOUT_STATUS.badBatch: return new RangeError(`${at} refused the batch: it must be at least 1`);
    case LAYOUT_STATUS.badSteps: return new RangeError(`${at} refused the steps: they must be at least 1`);
    case LAYOUT_STATUS.tooLarge: return new RangeError(`${at} needs ${mib(needed)}, more than wasm's 4 GiB`);
    case LAYOUT_STATUS.growRefused:
      return new RnncError(`${at}: the engine refused to grow the memory to ${mib(needed)}; choose a smaller capacity`);
    default: return new RnncError(`${at} returned ${status}, which ABI versions 2 and 3 do not define`);
  }
}
