// Types of session.js (plain JavaScript, loaded unbuilt by the demo page), for the browser specs.
import type * as runtime from "../../runtime/index.js";

export interface SessionResult {
  readonly label: string;
  readonly values: Float32Array | Float64Array | Int32Array;
}

/** The demo's calls on a module with train_step, every value from `seed`. */
export function runSession(rnnc: typeof runtime, model: runtime.RnncModel, seed: number): SessionResult[];

/** Three awaited data-parallel steps on a batch from `seed`: their losses and every parameter after them. */
export function runParallelSession(
  rnnc: typeof runtime, trainer: runtime.DataParallelTrainer, seed: number,
): Promise<SessionResult[]>;

/** The bytes of a typed array as hex. */
export function toHex(values: ArrayBufferView): string;
