// playground — the messages between the page and its two workers. The
// compiler worker (ts-morph and Binaryen) checks, compiles and gradchecks; the
// trainer worker (the runtime alone) runs train_step and streams the losses.
// Both reply with plain data: diagnostics, ABI and report are structured
// clones, a module's bytes are transferred.

import type { Checked, Diagnostic, GradcheckReport, Optimizer } from "../../../compiler/api.js";
import type { Abi } from "../../../runtime/index.js";
import type { TaskName } from "./task.js";

/** The text to compile and how to read it, as the user gave it. */
export interface Source {
  readonly file: string;
  readonly text: string;
  readonly cell: string | undefined;
  readonly dims: Readonly<Record<string, number>>;
}

export type CompilerRequest =
  | { readonly id: number; readonly kind: "check"; readonly source: Source }
  | { readonly id: number; readonly kind: "compile"; readonly source: Source; readonly optimizer: Optimizer }
  | { readonly id: number; readonly kind: "gradcheck"; readonly source: Source };

/** Why a request failed: the user's located errors, a build the options rule out, or a compiler bug. */
export type Failure =
  | { readonly kind: "diagnostics"; readonly diagnostics: readonly Diagnostic[] }
  | { readonly kind: "build"; readonly message: string }
  | { readonly kind: "internal"; readonly message: string };

export type CompilerReply =
  | { readonly kind: "ready"; readonly ms: number }
  | { readonly kind: "warm"; readonly ms: number }
  | { readonly id: number; readonly kind: "failed"; readonly failure: Failure; readonly ms: number }
  | { readonly id: number; readonly kind: "checked"; readonly checked: Checked; readonly ms: number }
  | { readonly id: number; readonly kind: "compiled";
      readonly binary: Uint8Array; readonly abi: Abi; readonly ms: number }
  | {
      readonly id: number; readonly kind: "gradchecked";
      readonly report: GradcheckReport; readonly bytes: number; readonly ms: number;
    };

export interface TrainRequest {
  readonly binary: Uint8Array;
  readonly task: TaskName;
  readonly batch: number;
  readonly steps: number;
  readonly iterations: number;
  readonly learningRate: number;
  readonly clipNorm: number;
  readonly seed: number;
}

export interface LossPoint {
  readonly iteration: number;
  /** train_step's loss over the batch, per output value: ½·mean (y − target)². */
  readonly loss: number;
}

export type TrainReply =
  | { readonly kind: "progress"; readonly points: readonly LossPoint[] }
  | { readonly kind: "done"; readonly ms: number }
  | { readonly kind: "failed"; readonly message: string };

/** A worker's global scope as the code inside it uses it (the DOM library types `self` as a window). */
export interface WorkerScope<In, Out> {
  onmessage: ((event: MessageEvent<In>) => void) | null;
  postMessage(message: Out, transfer?: Transferable[]): void;
}

/** Compile options the playground fixes, so a build in Node with the same text gives the same module. */
export const buildOptions = {
  capacity: { batch: 16, steps: 32 },
  loss: "mse",
  dtype: "f32",
  simd: true,
} as const;

/** The optimizers Train offers, with the constants rnnc's command line defaults to (SGD with momentum). */
export const optimizers = {
  adam: { kind: "adam", beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
  sgd: { kind: "sgd", momentum: 0.9 },
} as const satisfies Record<string, Optimizer>;

/** Gradcheck compiles in f64 for this small a call and checks at most 16 entries per tensor. */
export const gradcheckOptions = { seed: 1, batch: 3, steps: 5, maxEntries: 16, tolerance: 1e-6 } as const;
