// runtime — streaming inference: one time step per call, the state carried
// from call to call (online use: a chat box, a sensor). In: a loaded model
// and a batch size. Out: each step's outputs. Built on forward(batch, 1):
// after every step the final states become the next step's initial states.

import { RnncError } from "./errors.js";
import type { RnncModel, TensorView } from "./model.js";

export class RnncStream {
  readonly #model: RnncModel;
  readonly #batch: number;
  readonly #initial: Map<string, Float64Array>;

  constructor(model: RnncModel, batch: number) {
    const reverse = model.tensors().find((t) => t.role === "state_in" && t.name.includes(".bwd."));
    if (reverse) throw new RnncError(`a bidirectional model cannot stream: its reverse direction (${reverse.name}) needs the whole sequence`);
    this.#model = model;
    this.#batch = batch;
    this.#initial = new Map(this.#states().map((name) => [name, Float64Array.from(model.view(name, "state_in", { batch, steps: 1 }))]));
  }

  #states(): string[] {
    return this.#model.tensors().filter((t) => t.role === "state_in").map((t) => t.name);
  }

  /** Back to the initial states the model held when the stream was made. */
  reset(): void {
    for (const [name, values] of this.#initial) this.#model.view(name, "state_in", { batch: this.#batch, steps: 1 }).set(values);
  }

  /** Runs one step on `inputs` (name → batch × features values); returns each output of that step. */
  step(inputs: Readonly<Record<string, ArrayLike<number>>>): Record<string, TensorView> {
    const model = this.#model;
    const size = { batch: this.#batch, steps: 1 };
    for (const entry of model.tensors().filter((t) => t.role === "input")) {
      const data = inputs[entry.name];
      if (!data) throw new RnncError(`step() needs a value for input "${entry.name}"`);
      const view = model.view(entry.name, "input", size);
      if (data.length !== view.length) throw new RnncError(`input "${entry.name}": got ${data.length} values, expected ${view.length} (batch ${this.#batch})`);
      view.set(data);
    }
    model.view("lengths", "lengths", size).fill(1);
    model.forward(size.batch, size.steps);
    for (const name of this.#states()) model.view(name, "state_in", size).set(model.view(name, "state_out", size));
    return Object.fromEntries(model.tensors().filter((t) => t.role === "output").map((t) => [t.name, model.get(t.name, "output", size)]));
  }
}
