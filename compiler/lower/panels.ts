// compiler/lower — packed copies of parameters that outlive a call. In: the
// parameter matrices the schedules read in column panels (pack.ts), each with
// the pass (forward or backward) that reads it. Out: one panels buffer per
// parameter and form, shared by the passes; the `param_version` tensor (an
// i32 the host bumps whenever it writes parameters); and, per pass, a function
// that repacks that pass's panels only when the version differs from the one
// they were packed at. At batch 1 packing every matrix costs about as much as
// a step's products, so a stream of short calls would otherwise spend half
// its time copying weights that did not change.
//
// Version 0 means "not tracked": a host that knows nothing of the tensor (it
// starts zeroed) gets panels packed afresh on every call, as before, so it
// may keep writing parameters between calls. train_step bumps a tracked
// version after its update, as a host would.

import { regionStart, type Buffer } from "./buffers.js";
import type { Lanes } from "./lanes.js";
import type { Tiling } from "./kernel.js";
import { emitPack } from "./pack.js";
import { binaryen, type Expr, type FunctionBuilder, type WasmModule } from "./wasm.js";

export type Pass = "forward" | "backward";

interface Panels {
  readonly source: Buffer;
  readonly transpose: boolean;
  readonly dest: Buffer;
}

const i32 = binaryen.i32;

export class LastingPanels {
  readonly version: Buffer = {
    name: "params", role: "param_version", shape: [], perStep: false, batched: false, type: "i32", place: undefined,
  };
  private readonly panels = new Map<Buffer, Map<boolean, Panels>>();
  private readonly readBy: Record<Pass, Set<Panels>> = { forward: new Set(), backward: new Set() };

  /** Panels laid out for products cut by `tiling` (the one the schedules use). */
  constructor(private readonly tiling: Tiling) {}

  /** The lasting panels of parameter `source` (B = sourceᵀ if `transpose`, else source) that `pass` reads. */
  of(pass: Pass, source: Buffer, transpose: boolean): Buffer {
    const forms = this.panels.get(source) ?? new Map<boolean, Panels>();
    this.panels.set(source, forms);
    let p = forms.get(transpose);
    if (!p) {
      const dest: Buffer = {
        name: `panels.${source.name}${transpose ? ".T" : ""}`, role: "scratch", shape: source.shape,
        perStep: false, batched: false, type: source.type, place: undefined,
      };
      p = { source, transpose, dest };
      forms.set(transpose, p);
    }
    this.readBy[pass].add(p);
    return p.dest;
  }

  /** The buffers to place in memory: the version and every panels buffer; none if nothing is packed. */
  buffers(): Buffer[] {
    const all = [...this.panels.values()].flatMap((forms) => [...forms.values()].map((p) => p.dest));
    return all.length === 0 ? [] : [this.version, ...all];
  }

  /**
   * Adds the function that repacks the panels `pass` reads when they are
   * stale; returns the call to make at the start of the pass, or nothing if
   * the pass reads none.
   */
  emitRefresh(mod: WasmModule, vec: Lanes, scalar: Lanes, pass: Pass): Expr | undefined {
    const read = [...this.readBy[pass]];
    if (read.length === 0) return undefined;
    const m = mod.raw;
    const packedAt = `${pass}_panels_version`;
    m.addGlobal(packedAt, i32, true, m.i32.const(0));
    const fb = mod.function([]);
    const [version, px, pd] = [fb.local(i32), fb.local(i32), fb.local(i32)];
    const packs = read.flatMap(({ source, transpose, dest }) => [
      fb.set(px, regionStart(fb, source)),
      fb.set(pd, regionStart(fb, dest)),
      emitPack(fb, vec, scalar, px, pd, source.shape as [number, number], transpose, this.tiling.stripVectors),
    ]);
    const current = () => fb.get(version, i32);
    const stale = m.i32.or(m.i32.eqz(current()), m.i32.ne(current(), m.global.get(packedAt, i32)));
    const name = `refresh_${pass}_panels`;
    fb.finish(name, binaryen.none, [
      fb.set(version, m.i32.load(0, 4, regionStart(fb, this.version))),
      m.if(stale, m.block(null, [...packs, m.global.set(packedAt, current())])),
    ]);
    return m.call(name, [], binaryen.none);
  }

  /** After train_step's update: a tracked version goes up by one (skipping 0, which means untracked). */
  emitBump(fb: FunctionBuilder): Expr | undefined {
    if (this.buffers().length === 0) return undefined;
    const m = fb.mod.raw;
    const at = () => regionStart(fb, this.version);
    const next = () => m.i32.add(m.i32.load(0, 4, at()), m.i32.const(1));
    const load = m.i32.load(0, 4, at());
    return m.if(load, m.i32.store(0, 4, at(), m.select(m.i32.eqz(next()), m.i32.const(1), next())));
  }
}
