// compiler/cli — `rnnc eval`: scores of a trained checkpoint on labelled
// data, by the training application (apps/train). In: the model file, the
// checkpoint directory, a labelled JSONL file. Out: for a tagger, token
// accuracy (overall, out-of-vocabulary) and chunk P/R/F1 per type; for vector
// sequences, the mean loss and, for classes, the accuracy.

import {
  evaluateSequences,
  evaluateTagger,
  formatMetric,
  formatMetrics,
  loadTrainedSequences,
  loadTrainedTagger,
  metricsJson,
  readCheckpoint,
  type Checkpoint,
} from "../../apps/train/index.js";
import { runFolderIo } from "./folder.js";
import type { Io } from "./io.js";
import { asUserErrors, dataFile, modelSource, parseCheckpointArgs, readData } from "./train.js";

export const evalUsage = `usage: rnnc eval MODEL.ts --checkpoint DIR FILE.jsonl [options]

Scores the best parameters of the checkpoint in DIR on labelled data of the
kind it was trained on. A tagger's sentences ({"tokens": [...], "tags": [...]}
per line): token accuracy, overall and on words outside the training
vocabulary, and for BIO tags conlleval's chunk precision, recall and F1, per
entity type and overall. Vector sequences ({"x": [[...], ...], "y": ...}): the
mean loss (per step, or per sequence for a last-step target) and, for class
ids, the accuracy.

  --checkpoint DIR     the training run's output directory
  --cell NAME          the exported model (default: the checkpoint's)
  --batch N            sentences (sequences) per forward call (default 32)
  --json               the scores as JSON
  --quantize int8      score an int8 inference build of the model (rnnc compile --quantize int8)`;

export function evalCommand(argv: readonly string[], io: Io): number {
  const args = parseCheckpointArgs(argv, io, evalUsage, "a labelled data file");
  if (!args) return 0;
  const { file, data, batch } = args;
  return asUserErrors(() => {
    const folder = runFolderIo(io);
    const source = modelSource(file, args.cell, io);
    /** What was scored, by which parameters: the head of the JSON report. */
    const reportOf = (c: Checkpoint, params: "best" | "last") => ({
      file: data,
      checkpoint: args.checkpoint,
      model: c.model.name,
      params,
      epoch: params === "best" ? c.best?.epoch : c.position.epoch,
    });
    if (readCheckpoint(args.checkpoint, folder).task === "sequences") {
      const trained = loadTrainedSequences(
        args.checkpoint,
        folder,
        source,
        dataFile(io, data),
        false,
        batch,
        args.quantize,
      );
      const scores = evaluateSequences(trained);
      const c = trained.checkpoint;
      const report = reportOf(c, trained.params);
      const { epoch } = report;
      const count = trained.data.sequences.length;
      if (args.json) {
        io.out(JSON.stringify({ ...report, sequences: count, ...scores }, null, 2));
      } else {
        const accuracy = scores.accuracy === null ? "" : `; accuracy ${formatMetric("accuracy", scores.accuracy)}`;
        io.out(
          `${data}: ${count} sequences, ${c.model.name} (${trained.params} parameters, epoch ${epoch})\n` +
            `loss ${formatMetric("loss", scores.loss)}${accuracy}`,
        );
      }
      return 0;
    }
    const { sentences } = readData(data, io, true);
    const tagger = loadTrainedTagger(args.checkpoint, folder, source, sentences, batch, args.quantize);
    const metrics = evaluateTagger(tagger.model, tagger.vocab, tagger.shape, sentences);
    const c = tagger.checkpoint;
    const report = reportOf(c, tagger.params);
    const { epoch } = report;
    if (args.json) {
      io.out(JSON.stringify({ ...report, sentences: sentences.length, ...(metricsJson(metrics) as object) }, null, 2));
    } else {
      io.out(
        `${data}: ${sentences.length} sentences, ${c.model.name} (${tagger.params} parameters, epoch ${epoch})\n` +
          formatMetrics(metrics),
      );
    }
    return 0;
  });
}
