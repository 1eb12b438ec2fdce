// spec/e2e — independent forward implementations of example cells, for the
// specs that compare a compiled module's outputs with them: plain loops over
// units, weights row-major [out, in] as the ABI stores them, written from each
// cell's published equations and sharing nothing with the compiler. Each names
// its file in examples/, its states (the first is the output) and the states
// whose initial values must be positive to lie in the cell's domain.

import type { RnncModel } from "../../runtime/model.js";

export type Params = Readonly<Record<string, Float64Array>>;
export type State = Record<string, Float64Array>;

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/** Row `row` of the row-major matrix W (with v.length columns) times v. */
function dot(W: Float64Array, row: number, v: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < v.length; k++) s += W[row * v.length + k]! * v[k]!;
  return s;
}

export interface Reference {
  readonly file: string;
  readonly states: readonly string[];
  /** States that start positive (in [0.5, 1]): sLSTM's normaliser n, which the output divides by. */
  readonly positive?: readonly string[];
  readonly step: (p: Params, x: Float64Array, s: State, H: number) => State;
}

export const references: Record<string, Reference> = {
  // ONNX peepholes: i and f see c(t-1), o sees c(t).
  lstmPeephole: {
    file: "lstm-peephole.ts",
    states: ["h", "c"],
    step: (p, x, { h, c }, H) => {
      const hNext = new Float64Array(H);
      const cNext = new Float64Array(H);
      for (let j = 0; j < H; j++) {
        const i = sigmoid(dot(p.Wi!, j, x) + dot(p.Ui!, j, h!) + p.pi![j]! * c![j]! + p.bi![j]!);
        const f = sigmoid(dot(p.Wf!, j, x) + dot(p.Uf!, j, h!) + p.pf![j]! * c![j]! + p.bf![j]!);
        const g = Math.tanh(dot(p.Wg!, j, x) + dot(p.Ug!, j, h!) + p.bg![j]!);
        cNext[j] = f * c![j]! + i * g;
        const o = sigmoid(dot(p.Wo!, j, x) + dot(p.Uo!, j, h!) + p.po![j]! * cNext[j]! + p.bo![j]!);
        hNext[j] = o * Math.tanh(cNext[j]!);
      }
      return { h: hNext, c: cNext };
    },
  },
  // PyTorch nn.GRU: reset after the recurrent product, h' = (1 − z) n + z h.
  gruResetAfter: {
    file: "gru-reset-after.ts",
    states: ["h"],
    step: (p, x, { h }, H) => {
      const hNext = new Float64Array(H);
      for (let j = 0; j < H; j++) {
        const z = sigmoid(dot(p.Wz!, j, x) + p.bxz![j]! + dot(p.Uz!, j, h!) + p.bhz![j]!);
        const r = sigmoid(dot(p.Wr!, j, x) + p.bxr![j]! + dot(p.Ur!, j, h!) + p.bhr![j]!);
        const n = Math.tanh(dot(p.Wn!, j, x) + p.bxn![j]! + r * (dot(p.Un!, j, h!) + p.bhn![j]!));
        hNext[j] = (1 - z) * n + z * h![j]!;
      }
      return { h: hNext };
    },
  },
  // Reset before the recurrent product (Keras reset_after=False), h' = (1 − z) h + z n.
  gru: {
    file: "gru.ts",
    states: ["h"],
    step: (p, x, { h }, H) => {
      const rh = new Float64Array(H);
      for (let j = 0; j < H; j++) rh[j] = sigmoid(dot(p.Wr!, j, x) + dot(p.Ur!, j, h!) + p.br![j]!) * h![j]!;
      const hNext = new Float64Array(H);
      for (let j = 0; j < H; j++) {
        const z = sigmoid(dot(p.Wz!, j, x) + dot(p.Uz!, j, h!) + p.bz![j]!);
        const n = Math.tanh(dot(p.Wh!, j, x) + dot(p.Uh!, j, rh) + p.bh![j]!);
        hNext[j] = (1 - z) * h![j]! + z * n;
      }
      return { h: hNext };
    },
  },
  // xLSTM's sLSTM, stabilised (Beck et al. 2024): exponential input gate, normaliser n, stabiliser m.
  slstm: {
    file: "slstm.ts",
    states: ["h", "c", "n", "m"],
    positive: ["n"],
    step: (p, x, { h, c, n, m }, H) => {
      const next: State = {
        h: new Float64Array(H), c: new Float64Array(H), n: new Float64Array(H), m: new Float64Array(H),
      };
      for (let j = 0; j < H; j++) {
        const pre = (gate: string) => dot(p[`W${gate}`]!, j, x) + dot(p[`R${gate}`]!, j, h!) + p[`b${gate}`]![j]!;
        const z = Math.tanh(pre("z"));
        const logI = pre("i");
        const f = pre("f");
        const logF = f < 0 ? f - Math.log1p(Math.exp(f)) : -Math.log1p(Math.exp(-f));
        const o = sigmoid(pre("o"));
        const mNext = Math.max(logF + m![j]!, logI);
        const iStable = Math.exp(logI - mNext);
        const fStable = Math.exp(logF + m![j]! - mNext);
        next.c![j] = fStable * c![j]! + iStable * z;
        next.n![j] = fStable * n![j]! + iStable;
        next.m![j] = mNext;
        next.h![j] = o * next.c![j]! / next.n![j]!;
      }
      return next;
    },
  },
  // minGRU (Feng et al. 2024): the gate and the candidate read only x.
  minGru: {
    file: "min-gru.ts",
    states: ["h"],
    step: (p, x, { h }, H) => {
      const hNext = new Float64Array(H);
      for (let j = 0; j < H; j++) {
        const z = sigmoid(dot(p.Wz!, j, x) + p.bz![j]!);
        hNext[j] = (1 - z) * h![j]! + z * (dot(p.Wh!, j, x) + p.bh![j]!);
      }
      return { h: hNext };
    },
  },
  // minLSTM (Feng et al. 2024): forget and input gates of x alone, normalised to sum to 1.
  minLstm: {
    file: "min-lstm.ts",
    states: ["h"],
    step: (p, x, { h }, H) => {
      const hNext = new Float64Array(H);
      for (let j = 0; j < H; j++) {
        const f = sigmoid(dot(p.Wf!, j, x) + p.bf![j]!);
        const i = sigmoid(dot(p.Wi!, j, x) + p.bi![j]!);
        hNext[j] = (f * h![j]! + i * (dot(p.Wh!, j, x) + p.bh![j]!)) / (f + i);
      }
      return { h: hNext };
    },
  },
  // Multiplicative integration (Wu et al. 2016), the general form with gains α, β₁, β₂.
  miRnn: {
    file: "mi-rnn.ts",
    states: ["h"],
    step: (p, x, { h }, H) => {
      const hNext = new Float64Array(H);
      for (let j = 0; j < H; j++) {
        const wx = dot(p.W!, j, x);
        const uh = dot(p.U!, j, h!);
        hNext[j] = Math.tanh(p.alpha![j]! * wx * uh + p.beta1![j]! * uh + p.beta2![j]! * wx + p.b![j]!);
      }
      return { h: hNext };
    },
  },
  // IndRNN (Li et al. 2018): each unit reads back only its own value, through u.
  indrnn: {
    file: "indrnn.ts",
    states: ["h"],
    step: (p, x, { h }, H) => {
      const hNext = new Float64Array(H);
      for (let j = 0; j < H; j++) hNext[j] = Math.max(0, dot(p.W!, j, x) + p.u![j]! * h![j]! + p.b![j]!);
      return { h: hNext };
    },
  },
};

/**
 * Writes random parameters, inputs x (time-major, B sequences of T steps, of the given lengths)
 * and initial states into `model`, and returns what its forward pass must give: the output (the
 * first state, at every step, 0 past a sequence's length) and every final state, from `ref`.
 */
export function setReferenceCase(
  model: RnncModel,
  ref: Reference,
  rand: () => number,
  { I, H, B, T }: { I: number; H: number; B: number; T: number },
  lengths: readonly number[],
): { out: Float64Array; stateOut: State } {
  const random = (n: number, scale: number) => Float64Array.from({ length: n }, () => (rand() * 2 - 1) * scale);
  const params: Record<string, Float64Array> = {};
  for (const e of model.tensors().filter((t) => t.role === "param")) {
    const size = e.shape.reduce<number>((a, d) => a * (d as number), 1);
    params[e.name] = random(size, e.shape.length === 2 ? 1.5 / Math.sqrt(e.shape[1] as number) : 0.8);
    model.set(e.name, "param", params[e.name]!);
  }
  const x = random(T * B * I, 1);
  model.set("x", "input", x);
  model.set("lengths", "lengths", lengths);
  const state0: State = {};
  for (const s of ref.states) {
    state0[s] = ref.positive?.includes(s) ? random(B * H, 0.5).map((v) => 0.5 + Math.abs(v)) : random(B * H, 0.5);
    model.set(s, "state_in", state0[s]!);
  }

  const out = new Float64Array(T * B * H);
  const stateOut: State = Object.fromEntries(ref.states.map((s) => [s, new Float64Array(B * H)]));
  for (let b = 0; b < B; b++) {
    let state: State = Object.fromEntries(ref.states.map((s) => [s, state0[s]!.slice(b * H, (b + 1) * H)]));
    for (let t = 0; t < lengths[b]!; t++) {
      state = ref.step(params, x.slice((t * B + b) * I, (t * B + b + 1) * I), state, H);
      out.set(state[ref.states[0]!]!, (t * B + b) * H);
    }
    for (const s of ref.states) stateOut[s]!.set(state[s]!, b * H);
  }
  return { out, stateOut };
}
