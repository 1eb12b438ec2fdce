// compiler/lower — rows of a table picked by integer ids: the embedding
// lookup of 1-of-N and word-hashing inputs and its gradient. In: locals
// holding one batch entry's addresses (its `slots` ids, its row of the
// batch-side value, the table), the table's [rows, cols]. Out: for each id,
// gather adds table row `id` into the entry's row; scatter adds the entry's
// row into table row `id`. Ids outside [0, rows) — padding is −1 — are
// skipped, so nothing outside the table is read or written.

import { overElements } from "./loops.js";
import type { Lanes } from "./lanes.js";
import { binaryen, type Expr, type FunctionBuilder } from "./wasm.js";

const i32 = binaryen.i32;

export interface IdRows {
  readonly mode: "gather" | "scatter";
  /** Table rows and columns. */
  readonly rows: number;
  readonly cols: number;
  /** Ids per batch entry. */
  readonly slots: number;
  /** Locals: the entry's ids, the entry's row of the batch-side value, the table. */
  readonly ids: number;
  readonly entry: number;
  readonly table: number;
}

export function emitIdRows(fb: FunctionBuilder, vec: Lanes, scalar: Lanes, r: IdRows): Expr {
  const m = fb.mod.raw;
  const c = (n: number) => m.i32.const(n);
  const get = (local: number) => fb.get(local, i32);
  const [i, jb, id, pRow] = [fb.local(i32), fb.local(i32), fb.local(i32), fb.local(i32)];
  const add = (l: Lanes) => {
    const [to, from] = r.mode === "gather" ? [r.entry, pRow] : [pRow, r.entry];
    const at = (p: number) => m.i32.add(get(p), get(jb));
    return l.store(at(to), l.add(l.load(at(to)), l.load(at(from))));
  };
  return fb.forLoop(i, c(0), c(r.slots), 1, [
    fb.set(id, m.i32.load(0, 4, m.i32.add(get(r.ids), m.i32.mul(get(i), c(4))))),
    m.if(m.i32.lt_u(get(id), c(r.rows)), m.block(null, [
      fb.set(pRow, m.i32.add(get(r.table), m.i32.mul(get(id), c(r.cols * scalar.bytes)))),
      ...overElements(fb, vec, scalar, r.cols, jb, add),
    ])),
  ]);
}
