// compiler/lower — the training step inside the module. In: the parameter
// and gradient buffers and the optimizer chosen at compile time. Out: its
// state buffers (role optimizer: momenta, Adam's moments and step powers),
// apply_update(learning_rate, clip_norm) = global-norm gradient clipping and
// the update from the gradients as they are in memory, and
// train_step(batch, steps, learning_rate, clip_norm) -> loss = forward,
// backward and apply_update in one call. The learning rate and clip norm are
// runtime values (clip_norm <= 0: no clipping). A host that computes the
// gradients elsewhere (data-parallel training: shards of a batch on other
// instances, their gradients summed) writes them and calls apply_update.

import { sizeOf } from "../ir/index.js";
import { regionStart, type Buffer } from "./buffers.js";
import { lanesFor, type Lanes } from "./lanes.js";
import { callMath } from "./math.js";
import { binaryen, type Expr, type FunctionBuilder, type WasmModule } from "./wasm.js";

export type Optimizer =
  | { readonly kind: "sgd"; readonly momentum: number }
  | { readonly kind: "adam"; readonly beta1: number; readonly beta2: number; readonly epsilon: number };

export interface TrainBuffers {
  /** Per parameter: [velocity] for SGD with momentum, [m, v] for Adam, [] for plain SGD. */
  readonly slots: ReadonlyMap<Buffer, readonly Buffer[]>;
  /** Adam: the number of updates so far, an f64 scalar (0 in a fresh module). */
  readonly step: Buffer | undefined;
}

type AddBuffer = (name: string, shape: readonly number[], type?: "f64") => Buffer;

export function trainBuffers(params: readonly Buffer[], optimizer: Optimizer, add: AddBuffer): TrainBuffers {
  const slots = new Map<Buffer, Buffer[]>();
  for (const p of params) {
    const names = optimizer.kind === "adam" ? ["m", "v"] : optimizer.momentum !== 0 ? ["velocity"] : [];
    slots.set(p, names.map((n) => add(`${p.name}.${n}`, p.shape)));
  }
  const step = optimizer.kind === "adam" ? add("step", [], "f64") : undefined;
  return { slots, step };
}

/**
 * Emits apply_update and train_step; `grads` pairs each parameter buffer with
 * its gradient buffer; `afterUpdate` runs once the parameters have changed
 * (the parameter version's bump, panels.ts).
 */
export function emitTrainStep(
  mod: WasmModule, vec: Lanes, scalar: Lanes, grads: ReadonlyMap<Buffer, Buffer>, state: TrainBuffers,
  optimizer: Optimizer, afterUpdate: (fb: FunctionBuilder) => readonly Expr[],
): void {
  emitApplyUpdate(mod, vec, scalar, grads, state, optimizer, afterUpdate);
  const m = mod.raw;
  const { f64, i32 } = binaryen;
  const fb = mod.function([i32, i32, f64, f64]);
  const [batch, steps, lr, clip] = [0, 1, 2, 3];
  const loss = fb.local(f64);
  fb.finish("train_step", f64, [
    fb.set(loss, m.call("forward", [fb.get(batch, i32), fb.get(steps, i32)], f64)),
    m.call("backward", [fb.get(batch, i32), fb.get(steps, i32)], binaryen.none),
    m.call("apply_update", [fb.get(lr, f64), fb.get(clip, f64)], binaryen.none),
    fb.get(loss, f64),
  ], "train_step");
}

/** apply_update(learning_rate, clip_norm): clipping and the optimizer's update from the gradients in memory. */
function emitApplyUpdate(
  mod: WasmModule, vec: Lanes, scalar: Lanes, grads: ReadonlyMap<Buffer, Buffer>, state: TrainBuffers,
  optimizer: Optimizer, afterUpdate: (fb: FunctionBuilder) => readonly Expr[],
): void {
  const m = mod.raw;
  const f64 = binaryen.f64;
  const fb = mod.function([f64, f64]);
  const [lr, clip] = [0, 1];
  const normSq = fb.local(f64);
  const scale = fb.local(f64);
  const toElem = (x: Expr) => (scalar.elem === "f32" ? m.f32.demote(x) : x);
  const f64Lanes = lanesFor(mod, "f64");
  const body: Expr[] = [fb.set(normSq, m.f64.const(0))];
  for (const grad of grads.values()) body.push(sumSquares(fb, scalar, grad, normSq));
  // scale = clip / ‖g‖ when clipping is on and the norm exceeds it, else 1.
  const norm = () => m.f64.sqrt(fb.get(normSq, f64));
  body.push(fb.set(scale, m.select(
    m.i32.and(m.f64.gt(fb.get(clip, f64), m.f64.const(0)), m.f64.gt(norm(), fb.get(clip, f64))),
    m.f64.div(fb.get(clip, f64), norm()),
    m.f64.const(1),
  )));

  const hyper = new Map<string, number>();
  const elemLocal = (name: string, value: Expr) => {
    const local = fb.local(scalar.type);
    hyper.set(name, local);
    body.push(fb.set(local, value));
  };
  elemLocal("scale", toElem(fb.get(scale, f64)));
  if (optimizer.kind === "adam") {
    const step = state.step!;
    const count = () => m.f64.load(0, 8, regionStart(fb, step));
    body.push(m.f64.store(0, 8, regionStart(fb, step), m.f64.add(count(), m.f64.const(1))));
    // β^t as exp(t·ln β): a counter, unlike a running power, never underflows into a restart.
    const power = (beta: number) => callMath(f64Lanes, "exp", m.f64.mul(count(), m.f64.const(Math.log(beta))));
    // Bias corrections folded into the step size: lr·√(1−β2^t)/(1−β1^t), and ε scaled alike.
    const c2 = () => m.f64.sqrt(m.f64.sub(m.f64.const(1), power(optimizer.beta2)));
    elemLocal(
      "step",
      toElem(m.f64.div(m.f64.mul(fb.get(lr, f64), c2()), m.f64.sub(m.f64.const(1), power(optimizer.beta1)))),
    );
    elemLocal("epsilon", toElem(m.f64.mul(m.f64.const(optimizer.epsilon), c2())));
  } else {
    elemLocal("step", toElem(fb.get(lr, f64)));
  }
  for (const [param, grad] of grads)
    body.push(update(fb, vec, scalar, param, grad, state.slots.get(param)!, optimizer, hyper));
  body.push(...afterUpdate(fb));
  fb.finish("apply_update", binaryen.none, body, "apply_update");
}

/** normSq += Σ grad², accumulated in f64. */
function sumSquares(fb: FunctionBuilder, scalar: Lanes, grad: Buffer, normSq: number): Expr {
  const m = fb.mod.raw;
  const k = fb.local(binaryen.i32);
  const at = () => m.i32.add(regionStart(fb, grad), fb.get(k, binaryen.i32));
  const x = () => (scalar.elem === "f32" ? m.f64.promote(scalar.load(at())) : scalar.load(at()));
  return fb.forLoop(k, m.i32.const(0), m.i32.const(sizeOf(grad.shape) * scalar.bytes), scalar.bytes, [
    fb.set(normSq, m.f64.add(fb.get(normSq, binaryen.f64), m.f64.mul(x(), x()))),
  ]);
}

function update(
  fb: FunctionBuilder,
  vec: Lanes,
  scalar: Lanes,
  param: Buffer,
  grad: Buffer,
  slots: readonly Buffer[],
  optimizer: Optimizer,
  hyper: ReadonlyMap<string, number>,
): Expr {
  const m = fb.mod.raw;
  const size = sizeOf(param.shape);
  const k = fb.local(binaryen.i32);
  const body = (l: Lanes): Expr[] => {
    const at = (b: Buffer) => m.i32.add(regionStart(fb, b), fb.get(k, binaryen.i32));
    const h = (name: string) => l.splat(fb.get(hyper.get(name)!, scalar.type));
    const g = l.mul(l.load(at(grad)), h("scale"));
    if (optimizer.kind === "sgd" && slots.length === 0)
      return [l.store(at(param), l.sub(l.load(at(param)), l.mul(h("step"), g)))];
    if (optimizer.kind === "sgd") {
      const [velocity] = slots as [Buffer];
      const v = l.add(l.mul(l.const(optimizer.momentum), l.load(at(velocity))), g);
      return [
        l.store(at(velocity), v),
        l.store(at(param), l.sub(l.load(at(param)), l.mul(h("step"), l.load(at(velocity))))),
      ];
    }
    const [mb, vb] = slots as [Buffer, Buffer];
    const gLocal = fb.local(l.type);
    return [
      fb.set(gLocal, g),
      l.store(at(mb), l.add(
        l.mul(l.const(optimizer.beta1), l.load(at(mb))),
        l.mul(l.const(1 - optimizer.beta1), fb.get(gLocal, l.type)),
      )),
      l.store(at(vb), l.add(
        l.mul(l.const(optimizer.beta2), l.load(at(vb))),
        l.mul(l.const(1 - optimizer.beta2), l.mul(fb.get(gLocal, l.type), fb.get(gLocal, l.type))),
      )),
      l.store(at(param), l.sub(
        l.load(at(param)),
        l.div(l.mul(h("step"), l.load(at(mb))), l.add(l.sqrt(l.load(at(vb))), h("epsilon"))),
      )),
    ];
  };
  const full = vec.width > 1 ? Math.floor(size / vec.width) * vec.width : 0;
  const loops: Expr[] = [];
  if (full > 0) loops.push(fb.forLoop(k, m.i32.const(0), m.i32.const(full * scalar.bytes), 16, body(vec)));
  if (full < size) {
    loops.push(
      fb.forLoop(k, m.i32.const(full * scalar.bytes), m.i32.const(size * scalar.bytes), scalar.bytes, body(scalar)),
    );
  }
  return m.block(null, loops);
}
