// examples/charlm — a character-level language model trained with truncated BPTT, through rnnc's
// public surfaces alone (rnnc/compiler's compileCell, rnnc/runtime's module, initParams,
// runInChunks, RnncStream, prng). In: texts as character ids (text.js). Out: the compiled model,
// training on a stream of ids in chunks with the state carried, the held-out cross-entropy in
// bits per character, the unigram baseline, and text sampled step by step from the model.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { compileCell } from "rnnc/compiler";
import { initParams, instantiateModel, prng, resetStates, RnncStream, runInChunks } from "rnnc/runtime";

const modelFile = fileURLToPath(new URL("model.ts", import.meta.url));

/**
 * The model of model.ts for `vocab` characters, compiled for `batch`
 * streams of `chunk` steps with softmax cross-entropy and Adam, its
 * parameters drawn from `seed` (the LSTM's forget-gate bias at 1); without
 * Binaryen's optimiser if `optimize` is false (a faster compile of a slower
 * module that computes the same values, for the spec).
 * @param {{
 *   vocab: number, embed: number, hidden: number, batch: number, chunk: number, seed: number, optimize?: boolean
 * }} o
 */
export function charModel(o) {
  const readFile = (/** @type {string} */ p) => readFileSync(p, "utf8");
  const { binary } = compileCell({
    file: modelFile,
    text: readFile(modelFile),
    cell: "charLm",
    dims: { V: o.vocab, E: o.embed, H: o.hidden },
    capacity: { batch: o.batch, steps: o.chunk },
    loss: "softmax-ce",
    train: { kind: "adam", beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
    readFile,
    optimize: o.optimize ?? true,
  });
  const model = instantiateModel(binary);
  initParams(model, o.seed, { forgetBias: ["bf"] });
  return model;
}

/**
 * A text cut into `batch` streams read side by side, in order: stream j is
 * the j-th of `batch` nearly equal pieces. Every character is a target once;
 * each one's input is the character before it ("\n" before the text's first,
 * as before any line).
 * @param {Int32Array} ids
 * @param {number} batch
 * @param {number} newline the id of "\n"
 */
export function streams(ids, batch, newline) {
  const per = Math.ceil(ids.length / batch);
  const pieces = [];
  for (let j = 0; j < batch && j * per < ids.length; j++) {
    const from = j * per;
    const to = Math.min(ids.length, from + per);
    const inputs = new Int32Array(to - from);
    inputs[0] = from === 0 ? newline : ids[from - 1];
    inputs.set(ids.subarray(from, to - 1), 1);
    pieces.push({ inputs, targets: ids.subarray(from, to) });
  }
  return pieces;
}

/**
 * Writes steps [start, start + steps) of the streams into the module,
 * time-major; each stream's steps there as its length.
 * @param {import("rnnc/runtime").RnncModel} model
 * @param {{ inputs: Int32Array, targets: Int32Array }[]} pieces
 */
function writer(model, pieces) {
  const batch = pieces.length;
  return (/** @type {number} */ start, /** @type {number} */ steps) => {
    const x = new Int32Array(steps * batch);
    const y = new Int32Array(steps * batch);
    const lengths = pieces.map((p) => Math.max(0, Math.min(steps, p.inputs.length - start)));
    pieces.forEach((p, j) => {
      for (let t = 0; t < lengths[j]; t++) {
        x[t * batch + j] = p.inputs[start + t];
        y[t * batch + j] = p.targets[start + t];
      }
    });
    model.set("chars", "input", x);
    model.set("y", "target", y);
    model.set("lengths", "lengths", lengths);
  };
}

/**
 * Trains on the text `ids` for `updates` updates: the text as `batch`
 * streams, run in chunks of `chunk` steps every `stride` steps (TBPTT(stride,
 * chunk)) with the state carried, from the start again (state zero) once the
 * streams end; the learning rate decays from `lr` to 0 on a cosine. Calls
 * `progress` after each update with the update's mean bits per character.
 * @param {import("rnnc/runtime").RnncModel} model
 * @param {Int32Array} ids
 * @param {{
 *   updates: number, batch: number, chunk: number, stride: number, lr: number, clip: number, newline: number
 * }} o
 * @param {(update: number, bits: number) => void} [progress]
 */
export function trainStreams(model, ids, o, progress = () => {}) {
  const pieces = streams(ids, o.batch, o.newline);
  const steps = pieces[0].inputs.length;
  const write = writer(model, pieces);
  let done = 0;
  while (done < o.updates) {
    // Enough of the streams for the updates left: chunks start every stride steps.
    const left = o.updates - done;
    const span = Math.min(steps, (left - 1) * o.stride + o.chunk);
    runInChunks(model, {
      batch: pieces.length, steps: span, chunk: o.chunk, stride: o.stride, write,
    }, (size, start) => {
      const lr = (o.lr * (1 + Math.cos((Math.PI * done) / o.updates))) / 2;
      const loss = model.trainStep(size.batch, size.steps, { learning_rate: lr, clip_norm: o.clip }) ?? NaN;
      const count = pieces.reduce((n, p) => n + Math.max(0, Math.min(size.steps, p.inputs.length - start)), 0);
      done++;
      if (!Number.isFinite(loss)) throw new Error(`the loss became ${loss} at update ${done}; lower the learning rate`);
      progress(done, loss / count / Math.LN2);
      return loss;
    });
  }
}

/**
 * The cross-entropy of the model on the text `ids` in bits per character:
 * every character of the text predicted once, from the characters before it
 * in its stream (the text cut into as many streams as the module's batch
 * capacity, the state carried across chunks).
 * @param {import("rnnc/runtime").RnncModel} model
 * @param {Int32Array} ids
 * @param {number} newline
 */
export function bitsPerChar(model, ids, newline) {
  const pieces = streams(ids, model.capacity.batch, newline);
  const write = writer(model, pieces);
  const chunks = { batch: pieces.length, steps: pieces[0].inputs.length, write };
  const nats = runInChunks(model, chunks, (size) => model.forward(size.batch, size.steps));
  return nats / ids.length / Math.LN2;
}

/**
 * The cross-entropy in bits per character of the characters' frequencies in
 * `train`, one added to every count (a character `train` lacks still has a
 * chance), on `heldOut`; and of the uniform distribution over the vocabulary.
 * @param {Int32Array} train
 * @param {Int32Array} heldOut
 * @param {number} vocab
 */
export function baselines(train, heldOut, vocab) {
  const counts = new Float64Array(vocab).fill(1);
  for (const id of train) counts[id]++;
  const total = train.length + vocab;
  let bits = 0;
  for (const id of heldOut) bits -= Math.log2(counts[id] / total);
  return { uniform: Math.log2(vocab), unigram: bits / heldOut.length };
}

/**
 * `length` characters drawn from the model one step at a time (a stream of
 * batch 1, the state carried from step to step), after it has read `prime`;
 * each from the softmax of the scores divided by `temperature`, with the
 * generator seeded by `seed`. Id 0 (no character) is never drawn. It starts
 * from zero states and leaves the model's initial states where it ended.
 * @param {import("rnnc/runtime").RnncModel} model
 * @param {readonly string[]} chars
 * @param {{ prime: string, length: number, temperature: number, seed: number }} o
 */
export function sample(model, chars, o) {
  const id = new Map(chars.map((c, i) => [c, i]));
  resetStates(model);
  const stream = new RnncStream(model, 1);
  const random = prng(o.seed);
  const prime = [...o.prime].map((c) => id.get(c) ?? 0);
  let scores = stream.run({ chars: prime }, prime.length).y.slice(-chars.length);
  let text = "";
  const weights = new Float64Array(chars.length);
  for (let n = 0; n < o.length; n++) {
    let most = -Infinity;
    for (let k = 1; k < chars.length; k++) most = Math.max(most, scores[k] / o.temperature);
    let sum = 0;
    for (let k = 1; k < chars.length; k++) sum += weights[k] = Math.exp(scores[k] / o.temperature - most);
    let u = random() * sum;
    let next = chars.length - 1;
    for (let k = 1; k < chars.length; k++) if ((u -= weights[k]) < 0) { next = k; break; }
    text += chars[next];
    scores = stream.step({ chars: [next] }).y;
  }
  return text;
}
