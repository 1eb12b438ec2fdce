// examples/long-range — training one cell on one long-range task, on rnnc's public surfaces
// (rnnc/compiler's compileCell, rnnc/runtime's instantiateModel, initParams, trainStep). In: a
// cell file and name, the task, T and a budget. Out: the held-out score before training and at
// each evaluation, whether and when the task was solved, and the trivial baseline's score.
//
// The cell becomes the one layer of a model with a linear readout (dense O for adding's sum,
// dense C over copy's classes): a model text, never written to disk, named as a file beside the
// cell's so that its import of the cell resolves.
// Every minibatch is fresh data (mixSeed(seed, update)), as in the papers, so there is no
// training set to overfit; the held-out set comes from another seed.

import { readFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { compileCell, describeUnit } from "rnnc/compiler";
import { initParams, instantiateModel, mixSeed } from "rnnc/runtime";
import { ALPHABET, CLASSES, SYMBOLS, adding, copyMemory, recalledSteps } from "./tasks.js";

/**
 * @typedef {"adding" | "copy"} Task
 * @typedef {{ file: string, name: string, forgetBias: string[] }} CellChoice
 * @typedef {{ updates: number, batch: number, hidden: number, lr: number, clip: number,
 *   evalEvery: number, testSize: number, seed: number }} Budget
 * @typedef {{ updates: number, score: number }} Evaluation
 * @typedef {{ task: Task, steps: number, cell: string, file: string, solved: boolean, updates: number,
 *   score: number, baseline: number, target: number, seconds: number, cpuSeconds: number,
 *   curve: Evaluation[] }} RunResult
 */

/** What each task's score means, what solves it, and the trivial baseline's score on the held-out set. */
export const scoring = {
  adding: {
    what: "test MSE",
    better: /** @param {number} a @param {number} b */ (a, b) => a < b,
    // Below a tenth of the baseline's MSE (answering the training targets' mean, about 1/6).
    target: /** @param {number} baseline */ (baseline) => baseline / 10,
  },
  copy: {
    what: "recalled-symbol accuracy",
    better: /** @param {number} a @param {number} b */ (a, b) => a > b,
    target: () => 0.99,
  },
};

/** The cell's name in its file (its only cell, or the one asked for). @param {string} file @param {string} [name] */
export function cellChoice(file, name, forgetBias = /** @type {string[]} */ ([])) {
  const unit = describeUnit({ file, text: readFileSync(file, "utf8"), cell: name });
  if (unit.kind !== "cell") throw new Error(`${file}: '${unit.name}' is a model; the long-range runner takes a cell`);
  return { file, name: unit.name, forgetBias };
}

/**
 * The model text: the cell as one layer, read out by a dense layer of `size`.
 * @param {CellChoice} cell @param {string} size
 */
export function readerModel(cell, size) {
  const file = join(dirname(cell.file), `long-range-${cell.name}.ts`);
  const from = `./${basename(cell.file).replace(/\.ts$/, ".js")}`;
  const text = [
    `import { dense, model } from "rnnc";`,
    `import { ${cell.name} } from "${from}";`,
    `export const reader = model({ input: { x: "I" }, layers: [${cell.name}], readout: dense("${size}") });`,
    "",
  ].join("\n");
  return { file, text };
}

/** CPU seconds of this process (user and system) since `from`. @param {NodeJS.CpuUsage} from */
export const cpuSince = (from) => {
  const { user, system } = process.cpuUsage(from);
  return (user + system) / 1e6;
};

/** @param {Task} task @param {number} count @param {number} steps @param {number} seed */
const generate = (task, count, steps, seed) =>
  task === "adding" ? adding(count, steps, seed) : copyMemory(count, steps, seed);

/**
 * Writes sequences (all of one length) into the module, time-major.
 * @param {import("rnnc/runtime").RnncModel} model @param {Task} task
 * @param {{ x: number[][], y: number[] }[]} batch
 */
export function feed(model, task, batch) {
  const size = { batch: batch.length, steps: batch[0].x.length };
  const features = batch[0].x[0].length;
  const x = new Float64Array(size.steps * size.batch * features);
  batch.forEach((s, j) => s.x.forEach((v, t) => x.set(v, (t * size.batch + j) * features)));
  model.set("x", "input", x);
  model.set("lengths", "lengths", new Int32Array(size.batch).fill(size.steps));
  if (task === "adding") model.set("y", "target", batch.map((s) => s.y[0]));
  else {
    const y = new Int32Array(size.steps * size.batch);
    batch.forEach((s, j) => s.y.forEach((c, t) => (y[t * size.batch + j] = c)));
    model.set("y", "target", y);
  }
  return size;
}

/**
 * The held-out score, read off the outputs: adding's MSE at the last step, copy's accuracy over
 * the recalled steps (argmax of the readout).
 * @param {import("rnnc/runtime").RnncModel} model @param {Task} task
 * @param {{ x: number[][], y: number[] }[]} test
 */
export function evaluate(model, task, test) {
  let [sum, count] = [0, 0];
  for (let at = 0; at < test.length; at += model.capacity.batch) {
    const batch = test.slice(at, at + model.capacity.batch);
    const size = feed(model, task, batch);
    model.forward(size.batch, size.steps);
    const out = model.view("y", "output", size);
    if (task === "adding") {
      batch.forEach((s, j) => (sum += (out[(size.steps - 1) * size.batch + j] - s.y[0]) ** 2));
      count += batch.length;
      continue;
    }
    const { from, to } = recalledSteps(size.steps);
    batch.forEach((s, j) => {
      for (let t = from; t < to; t++) {
        const at = (t * size.batch + j) * CLASSES;
        let best = 0;
        for (let c = 1; c < CLASSES; c++) if (out[at + c] > out[at + best]) best = c;
        sum += best === s.y[t] ? 1 : 0;
        count++;
      }
    });
  }
  return sum / count;
}

/**
 * The trivial baseline on the held-out set: for adding, always the mean of `train`'s targets; for
 * copy, no memory (blanks, then a uniform guess among the symbols): 1/ALPHABET expected.
 * @param {Task} task @param {{ x: number[][], y: number[] }[]} test @param {{ x: number[][], y: number[] }[]} train
 */
export function baseline(task, test, train) {
  if (task === "copy") return 1 / ALPHABET;
  const mean = train.reduce((s, q) => s + q.y[0], 0) / train.length;
  return test.reduce((s, q) => s + (q.y[0] - mean) ** 2, 0) / test.length;
}

/**
 * Trains `cell` on `task` at length `steps` for at most `budget.updates` Adam updates, scoring the
 * held-out set every `budget.evalEvery` updates and stopping once it is solved.
 * @param {CellChoice} cell @param {Task} task @param {number} steps @param {Budget} budget
 * @returns {RunResult}
 */
export function trainOnTask(cell, task, steps, budget) {
  const [started, cpu] = [performance.now(), process.cpuUsage()];
  const { file, text } = readerModel(cell, task === "adding" ? "O" : "C");
  const length = task === "adding" ? steps : steps + 2 * SYMBOLS;
  const dims = task === "adding" ? { I: 2, O: 1, H: budget.hidden } : { I: CLASSES, C: CLASSES, H: budget.hidden };
  const { binary } = compileCell({
    file, text, cell: "reader", dims,
    capacity: { batch: budget.batch, steps: length },
    loss: task === "adding" ? "mse-last" : "softmax-ce",
    train: { kind: "adam", beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
    readFile: (path) => readFileSync(path, "utf8"),
  });
  const model = instantiateModel(binary);
  initParams(model, budget.seed, { forgetBias: cell.forgetBias });
  const test = generate(task, budget.testSize, steps, mixSeed(budget.seed, 1 << 30));
  const reference = baseline(task, test, generate(task, budget.testSize, steps, mixSeed(budget.seed, 1 << 29)));
  const rule = scoring[task];
  const target = rule.target(reference);
  /** @type {Evaluation[]} */
  const curve = [{ updates: 0, score: evaluate(model, task, test) }];
  let update = 0;
  while (update < budget.updates) {
    const size = feed(model, task, generate(task, budget.batch, steps, mixSeed(budget.seed, update)));
    const loss = model.trainStep(size.batch, size.steps, { learning_rate: budget.lr, clip_norm: budget.clip });
    update++;
    if (!Number.isFinite(loss)) break;
    if (update % budget.evalEvery !== 0 && update !== budget.updates) continue;
    const score = evaluate(model, task, test);
    curve.push({ updates: update, score });
    if (rule.better(score, target)) break;
  }
  const last = /** @type {Evaluation} */ (curve.at(-1));
  return {
    task, steps, cell: cell.name, file: relative(process.cwd(), cell.file),
    solved: rule.better(last.score, target), updates: last.updates, score: last.score,
    baseline: reference, target, seconds: (performance.now() - started) / 1000, cpuSeconds: cpuSince(cpu), curve,
  };
}
