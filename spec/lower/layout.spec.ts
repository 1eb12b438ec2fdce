// spec/lower — the memory plan of ABI 2 (compiler/lower/layout.ts) checked
// against what docs/abi.md promises, on random sets of buffers: fixed regions
// first from byte 64, 16-byte aligned and disjoint; at any capacity every
// moving region starts at or past the fixed ones, is aligned to its elements
// (and to 16 bytes when its rows are), ends within the memory form, and
// overlaps no other; moving regions come in the stated groups.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { atCapacity } from "../../runtime/abi.js";
import { bytesOf, type Buffer, type BufferType } from "../../compiler/lower/buffers.js";
import { planMemory } from "../../compiler/lower/layout.js";

const buffer = fc.record({
  shape: fc.array(fc.integer({ min: 1, max: 9 }), { maxLength: 2 }),
  perStep: fc.boolean(),
  batched: fc.boolean(),
  type: fc.constantFrom<BufferType>("f32", "f64", "i32"),
}).map((b): Buffer => ({ name: "b", role: "scratch", ...b, place: undefined }));

const capacity = fc.record({ batch: fc.integer({ min: 1, max: 300 }), steps: fc.integer({ min: 1, max: 300 }) });

const rowBytes = (b: Buffer) => b.shape.reduce((n, d) => n * d, 1) * bytesOf(b.type);
const copies = (b: Buffer, c: { batch: number; steps: number }) =>
  (b.perStep ? c.steps : 1) * (b.batched ? c.batch : 1);

describe("planMemory", () => {
  it("places regions by the rule docs/abi.md states, disjoint and aligned at every capacity", () => {
    fc.assert(fc.property(
      fc.array(buffer, { minLength: 1, maxLength: 24 }), fc.array(capacity, { minLength: 1, maxLength: 4 }),
      (buffers, capacities) => {
        const plan = planMemory(buffers);
        const fixed = buffers.filter((b) => !b.perStep && !b.batched);
        let end = 64;
        for (const b of fixed) {
          expect(b.place).toEqual({ kind: "fixed", offset: end });
          end += Math.ceil(rowBytes(b) / 16) * 16;
        }
        expect(plan.fixedBytes).toBe(end);
        expect(plan.memory.base).toBe(end);
        const moving = buffers.filter((b) => b.perStep || b.batched);
        const group = (b: Buffer) => (rowBytes(b) % 16 === 0 ? 0 : rowBytes(b) % 8 === 0 ? 1 : 2);
        expect(plan.moving.map(group)).toEqual([...plan.moving.map(group)].sort());
        expect(new Set(plan.moving)).toEqual(new Set(moving));
        for (const c of capacities) {
          const regions = buffers.map((b) => {
            const start = b.place!.kind === "fixed" ? b.place!.offset : atCapacity(b.place!.form, c);
            return { b, start, end: start + rowBytes(b) * copies(b, c) };
          });
          for (const { b, start, end: stop } of regions) {
            expect(start % bytesOf(b.type)).toBe(0);
            if (rowBytes(b) % 16 === 0) expect(start % 16).toBe(0);
            expect(stop).toBeLessThanOrEqual(atCapacity(plan.memory, c));
            if (b.place!.kind === "moving") expect(start).toBeGreaterThanOrEqual(plan.fixedBytes);
          }
          const sorted = [...regions].sort((x, y) => x.start - y.start);
          for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.start).toBeGreaterThanOrEqual(sorted[i - 1]!.end);
        }
      },
    ), { numRuns: 200 });
  });

  it("gives every moving region its own global", () => {
    const buffers: Buffer[] = [1, 2, 3].map((n) => ({
      name: `s${n}`, role: "scratch", shape: [n], perStep: true, batched: true, type: "f32", place: undefined,
    }));
    const plan = planMemory(buffers);
    const globals = plan.moving.map((b) => (b.place!.kind === "moving" ? b.place!.global : ""));
    expect(new Set(globals).size).toBe(3);
  });
});
