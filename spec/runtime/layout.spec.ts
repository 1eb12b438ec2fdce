// spec/runtime — runtime/layout.ts without a module: which capacity a model
// runs at (version 2: any that fits 4 GiB; version 1: at most the compiled
// one), the memory a capacity needs, where each tensor is placed, and the
// error each status of layout() becomes.

import { describe, expect, it } from "vitest";
import { LAYOUT_STATUS, parseAbi, RnncError } from "../../runtime/index.js";
import { chooseCapacity, layoutError, memoryBytes, placeTensors } from "../../runtime/layout.js";
import { tinyAbi } from "./tiny-module.js";

/** tinyAbi as version 2: x moves with B·S, the memory form ends after it. */
function abiV2() {
  const raw = tinyAbi() as unknown as Record<string, unknown> & {
    tensors: Record<string, unknown>[]; functions: Record<string, string[]>
  };
  raw.abi = 2;
  raw.memory = { base: 2048, batch: 0, steps: 0, batchSteps: 12 };
  raw.functions = { layout: ["batch", "steps"], ...raw.functions };
  raw.tensors[4]!.offset = { base: 2048, batch: 0, steps: 0, batchSteps: 0 };
  return parseAbi(JSON.stringify(raw));
}

describe("chooseCapacity", () => {
  it("takes the ABI's capacity when none is asked for", () => {
    expect(chooseCapacity(abiV2(), undefined)).toEqual({ batch: 4, steps: 5 });
    expect(chooseCapacity(parseAbi(JSON.stringify(tinyAbi())), undefined)).toEqual({ batch: 4, steps: 5 });
  });

  it("takes any capacity whose memory fits for version 2, and only the compiled one or less for version 1", () => {
    expect(chooseCapacity(abiV2(), { batch: 1000, steps: 7 })).toEqual({ batch: 1000, steps: 7 });
    const v1 = parseAbi(JSON.stringify(tinyAbi()));
    expect(chooseCapacity(v1, { batch: 1, steps: 5 })).toEqual({ batch: 1, steps: 5 });
    expect(() => chooseCapacity(v1, { batch: 5, steps: 5 })).toThrow(/fixed when it is compiled \(batch 4, steps 5\)/);
    // 2048 + 12·B·S bytes: B·S = 2^29 needs 6 GiB.
    expect(() => chooseCapacity(abiV2(), { batch: 2 ** 15, steps: 2 ** 14 })).toThrow(
      /needs 6144\.0 MiB of memory, more than wasm's 4 GiB/,
    );
  });
});

describe("memoryBytes and placeTensors", () => {
  it("evaluate the forms at the capacity", () => {
    const abi = abiV2();
    const capacity = { batch: 3, steps: 7 };
    expect(memoryBytes(abi, capacity)).toBe(2048 + 12 * 21);
    const places = placeTensors(abi, capacity);
    expect(places.get(abi.tensors[4]!)).toEqual({ offset: 2048, bytes: 21 * 3 * 4 });
    expect(places.get(abi.tensors[0]!)).toEqual({ offset: 64, bytes: 24 });
  });

  it("take a version 1 module's offsets as they are, and its memory as the end of the last region", () => {
    const abi = parseAbi(JSON.stringify(tinyAbi()));
    expect(placeTensors(abi, { batch: 2, steps: 5 }).get(abi.tensors[4]!)).toEqual({ offset: 256, bytes: 10 * 3 * 4 });
    expect(memoryBytes(abi, abi.capacity)).toBe(2048 + 400);
  });
});

describe("layoutError", () => {
  const capacity = { batch: 3, steps: 9 };
  it("is nothing for status 0 and names the capacity otherwise", () => {
    expect(layoutError(LAYOUT_STATUS.ok, capacity, 1)).toBeUndefined();
    expect(layoutError(LAYOUT_STATUS.badBatch, capacity, 1)).toEqual(
      new RangeError("layout(3, 9) refused the batch: it must be at least 1"),
    );
    expect(layoutError(LAYOUT_STATUS.badSteps, capacity, 1)).toBeInstanceOf(RangeError);
    expect(layoutError(LAYOUT_STATUS.tooLarge, capacity, 5 * 2 ** 30)!.message).toBe(
      "layout(3, 9) needs 5120.0 MiB, more than wasm's 4 GiB",
    );
    const refused = layoutError(LAYOUT_STATUS.growRefused, capacity, 3 * 2 ** 30)!;
    expect(refused).toBeInstanceOf(RnncError);
    expect(refused.message).toMatch(/the engine refused to grow the memory to 3072\.0 MiB; choose a smaller capacity/);
    expect(layoutError(9, capacity, 1)!.message).toMatch(/returned 9, which ABI versions 2 and 3 do not define/);
  });
});
