// playground — the trainer worker: the runtime alone, no compiler. In: a
// module with train_step and a toy task (protocol.ts TrainRequest). Out: the
// loss of every step, posted in small batches so the page can plot as it
// goes, then "done". The page ends a run early by terminating the worker.

import { initParams, loadModel, prng } from "../../../runtime/index.js";
import type { TrainReply, TrainRequest, LossPoint, WorkerScope } from "./protocol.js";
import { fillBatch, taskLayout } from "./task.js";

const scope = self as unknown as WorkerScope<TrainRequest, TrainReply>;

/** How often losses are posted: often enough for a smooth plot, rarely enough not to flood the page. */
const postEveryMs = 30;

async function train(request: TrainRequest): Promise<void> {
  const model = await loadModel(request.binary);
  const layout = taskLayout(model);
  if (typeof layout === "string") throw new Error(layout);
  initParams(model, request.seed);
  const rand = prng(request.seed + 1);
  const size = { batch: request.batch, steps: request.steps };
  const values = size.batch * size.steps * layout.units;
  const args = { learning_rate: request.learningRate, clip_norm: request.clipNorm };
  const started = performance.now();
  let points: LossPoint[] = [];
  let posted = started;
  for (let iteration = 1; iteration <= request.iterations; iteration++) {
    fillBatch(model, layout, request.task, size, rand);
    const loss = model.trainStep(size.batch, size.steps, args)! / values;
    if (!Number.isFinite(loss)) throw new Error(`the loss is ${loss} at step ${iteration}: lower the learning rate`);
    points.push({ iteration, loss });
    const now = performance.now();
    if (now - posted >= postEveryMs || iteration === request.iterations) {
      scope.postMessage({ kind: "progress", points });
      points = [];
      posted = now;
    }
  }
  scope.postMessage({ kind: "done", ms: performance.now() - started });
}

scope.onmessage = (event) => {
  train(event.data).catch((error: unknown) => {
    scope.postMessage({ kind: "failed", message: error instanceof Error ? error.message : String(error) });
  });
};
