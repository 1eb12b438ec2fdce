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
import { parse, parsePositive } from "./args.js";
import { runFolderIo } from "./folder.js";
import { readTextOf, UsageError, type Io } from "./io.js";
import { asUserErrors, modelSource, readData } from "./train.js";

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
  --json               the scores as JSON`;

export function evalCommand(argv: readonly string[], io: Io): number {
  const flags = {
    checkpoint: { type: "string" },
    cell: { type: "string" },
    batch: { type: "string" },
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  } as const;
  const { values, positionals } = parse(argv, flags, evalUsage);
  if (values.help) {
    io.out(evalUsage);
    return 0;
  }
  if (positionals.length !== 2) {
    throw new UsageError(
      `expected a model file and a labelled data file, got ${positionals.length} arguments\n\n${evalUsage}`,
    );
  }
  if (values.checkpoint === undefined) throw new UsageError(`--checkpoint DIR is required\n\n${evalUsage}`);
  const [file, data] = positionals as [string, string];
  const batch = parsePositive("batch", values.batch, 32);
  return asUserErrors(() => {
    const folder = runFolderIo(io);
    const source = modelSource(file, values.cell, io);
    const epochOf = (c: Checkpoint, params: "best" | "last") => (params === "best" ? c.best?.epoch : c.position.epoch);
    if (readCheckpoint(values.checkpoint!, folder).task === "sequences") {
      const trained = loadTrainedSequences(
        values.checkpoint!,
        folder,
        source,
        { file: data, text: readTextOf(io, data) },
        false,
        batch,
      );
      const scores = evaluateSequences(trained);
      const c = trained.checkpoint;
      const epoch = epochOf(c, trained.params);
      const count = trained.data.sequences.length;
      if (values.json) {
        const report = {
          file: data,
          checkpoint: values.checkpoint,
          model: c.model.name,
          params: trained.params,
          epoch,
          sequences: count,
          ...scores,
        };
        io.out(JSON.stringify(report, null, 2));
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
    const tagger = loadTrainedTagger(values.checkpoint!, folder, source, sentences, batch);
    const metrics = evaluateTagger(tagger.model, tagger.vocab, tagger.shape, sentences);
    const c = tagger.checkpoint;
    const epoch = epochOf(c, tagger.params);
    if (values.json) {
      const report = {
        file: data,
        checkpoint: values.checkpoint,
        model: c.model.name,
        params: tagger.params,
        epoch,
        sentences: sentences.length,
      };
      io.out(JSON.stringify({ ...report, ...(metricsJson(metrics) as object) }, null, 2));
    } else {
      io.out(
        `${data}: ${sentences.length} sentences, ${c.model.name} (${tagger.params} parameters, epoch ${epoch})\n` +
          formatMetrics(metrics),
      );
    }
    return 0;
  });
}
