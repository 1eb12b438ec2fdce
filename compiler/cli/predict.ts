// compiler/cli — `rnnc predict`: outputs for new data from a trained
// checkpoint, by the training application (apps/train). In: the model file,
// the checkpoint directory, a JSONL or plain text file. Out: for a tagger,
// each sentence's tokens with their tags; for vector sequences, each
// sequence's outputs as JSON, one line each.

import {
  loadTrainedSequences,
  loadTrainedTagger,
  predictSequences,
  predictTags,
  readCheckpoint,
} from "../../apps/train/index.js";
import { parse, parsePositive } from "./args.js";
import { runFolderIo } from "./folder.js";
import { readTextOf, UsageError, type Io } from "./io.js";
import { asUserErrors, modelSource, readData } from "./train.js";

export const predictUsage = `usage: rnnc predict MODEL.ts --checkpoint DIR FILE [options]

Runs the best parameters of the checkpoint in DIR (the output folder of rnnc
train) on FILE. A tagger tags sentences: FILE is JSONL ({"tokens": [...]} per
line; tags, if present, are ignored) or, named *.txt, one sentence per line
with tokens separated by spaces; it prints one sentence per line as token/TAG
pairs. A model of vector sequences reads {"x": [[...], ...]} per line (y, if
present, is ignored) and prints {"y": ...} per line, as its training data
had it: a vector or, for classes, the class id of the highest score, per step
or for the last step.

  --checkpoint DIR     the training run's output directory
  --cell NAME          the exported model (default: the checkpoint's)
  --batch N            sentences (sequences) per forward call (default 32)
  --json               a tagger's: one JSON object per sentence, {"tokens": [...], "tags": [...]}`;

export function predictCommand(argv: readonly string[], io: Io): number {
  const flags = {
    checkpoint: { type: "string" },
    cell: { type: "string" },
    batch: { type: "string" },
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  } as const;
  const { values, positionals } = parse(argv, flags, predictUsage);
  if (values.help) {
    io.out(predictUsage);
    return 0;
  }
  if (positionals.length !== 2) {
    throw new UsageError(
      `expected a model file and a data file, got ${positionals.length} arguments\n\n${predictUsage}`,
    );
  }
  if (values.checkpoint === undefined) throw new UsageError(`--checkpoint DIR is required\n\n${predictUsage}`);
  const [file, data] = positionals as [string, string];
  const batch = parsePositive("batch", values.batch, 32);
  return asUserErrors(() => {
    const folder = runFolderIo(io);
    const source = modelSource(file, values.cell, io);
    if (readCheckpoint(values.checkpoint!, folder).task === "sequences") {
      const trained = loadTrainedSequences(
        values.checkpoint!,
        folder,
        source,
        { file: data, text: readTextOf(io, data) },
        true,
        batch,
      );
      io.out(
        predictSequences(trained)
          .map((y) => JSON.stringify({ y }))
          .join("\n"),
      );
      return 0;
    }
    const { sentences } = readData(data, io, false);
    const tagger = loadTrainedTagger(values.checkpoint!, folder, source, sentences, batch);
    const tags = predictTags(tagger.model, tagger.vocab, tagger.shape, sentences);
    const lines = sentences.map((s, i) =>
      values.json
        ? JSON.stringify({ tokens: s.tokens, tags: tags[i] })
        : s.tokens.map((t, j) => `${t}/${tags[i]![j]}`).join(" "),
    );
    io.out(lines.join("\n"));
    return 0;
  });
}
