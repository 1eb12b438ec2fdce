// examples/browser — the demo's sequence of calls, plain ESM with no DOM, so
// that it runs the same in a page and in Node (spec/browser/runtime.spec.ts
// runs it in both and compares the bytes). In: the runtime's exports, a
// loaded module with train_step (an LSTM: input x, states h and c), a seed.
// Out: named results as typed arrays: the forward loss, every gradient after
// backward, every parameter after one training step, a few stream steps; and
// for a data-parallel trainer (a cross-origin isolated page), the losses and
// parameters of a few awaited steps.

/** Runs the sequence on `model`; every value it uses comes from `seed`. */
export function runSession(rnnc, model, seed) {
  const { prng, RnncStream } = rnnc;
  if (!model.hasFunction("train_step")) {
    throw new Error("this module has no train_step: compile it with --optimizer adam (see examples/browser/README.md)");
  }
  const results = [];
  const record = (label, values) => results.push({ label, values });
  const rand = prng(seed ^ 0x5eed);
  const { batch, steps } = fillBatch(rnnc, model, seed, rand, 3);
  const size = { batch, steps };

  record("forward: loss", Float64Array.of(model.forward(batch, steps)));
  model.backward(batch, steps);
  for (const t of model.tensors().filter((t) => t.role === "grad")) {
    record(`backward: gradient of ${t.name}`, model.get(t.name, "grad", size));
  }

  const loss = model.trainStep(batch, steps, { learning_rate: 0.01, clip_norm: 1 });
  record("train_step: loss", Float64Array.of(loss ?? Number.NaN));
  for (const t of model.tensors().filter((t) => t.role === "param")) {
    record(`train_step: ${t.name} after the update`, model.get(t.name, "param"));
  }

  // The stream starts from sequence 0's initial state and carries it from step to step.
  const stream = new RnncStream(model, 1);
  const inputs = model.tensors().filter((t) => t.role === "input");
  for (let step = 0; step < 4; step++) {
    const sample = (t) => Array.from({ length: t.shape.at(-1) }, () => rand() * 2 - 1);
    const values = Object.fromEntries(inputs.map((t) => [t.name, sample(t)]));
    for (const [name, output] of Object.entries(stream.step(values))) record(`stream step ${step}: ${name}`, output);
  }
  return results;
}

/**
 * Parameters from `seed`, and a batch of up to `most` sequences of up to 12
 * steps drawn from `rand`, with ragged lengths: steps past a sequence's end
 * must change nothing, in every engine alike. Returns the batch's size.
 */
function fillBatch(rnnc, model, seed, rand, most) {
  rnnc.initParams(model, seed, { forgetBias: ["bf"] });
  const fill = (view, scale) => {
    for (let i = 0; i < view.length; i++) view[i] = (rand() * 2 - 1) * scale;
  };
  const size = { batch: Math.min(most, model.capacity.batch), steps: Math.min(12, model.capacity.steps) };
  for (const t of model.tensors()) {
    if (t.role === "input" || t.role === "target") fill(model.view(t.name, t.role, size), 1);
    if (t.role === "state_in") fill(model.view(t.name, t.role, size), 0.5);
  }
  model.set("lengths", "lengths", Array.from({ length: size.batch }, (_, b) => Math.max(1, size.steps - 4 * b)));
  return size;
}

/**
 * Three awaited steps of a data-parallel trainer (rnnc's DataParallelTrainer)
 * on the batch fillBatch draws from `seed`: their losses, then every parameter.
 */
export async function runParallelSession(rnnc, trainer, seed) {
  const { model } = trainer;
  const { batch, steps } = fillBatch(rnnc, model, seed, rnnc.prng(seed ^ 0x5eed), model.capacity.batch);
  const losses = [];
  const args = { learning_rate: 0.01, clip_norm: 1 };
  for (let i = 0; i < 3; i++) losses.push(await trainer.trainStepAsync(batch, steps, args));
  const results = [{ label: `${trainer.workers} workers: losses`, values: Float64Array.from(losses) }];
  for (const t of model.tensors().filter((t) => t.role === "param")) {
    results.push({ label: `${trainer.workers} workers: ${t.name} after 3 steps`, values: model.get(t.name, "param") });
  }
  return results;
}

/** The bytes of a typed array as hex (little-endian, as wasm memory holds them). */
export function toHex(values) {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
