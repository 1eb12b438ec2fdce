// compiler/cli — `rnnc predict`: tags for new sentences from a trained
// checkpoint, by the training application (apps/train). In: the model file,
// the checkpoint directory, a JSONL or plain text file. Out: each sentence's
// tokens with their tags on stdout.

import { loadTrainedTagger, predictTags } from "../../apps/train/index.js";
import { parse, parsePositive } from "./args.js";
import { runFolderIo } from "./folder.js";
import { UsageError, type Io } from "./io.js";
import { asUserErrors, modelSource, readData } from "./train.js";

export const predictUsage = `usage: rnnc predict MODEL.ts --checkpoint DIR FILE [options]

Tags the sentences of FILE with the best parameters of the checkpoint in DIR
(written by rnnc train --out DIR). FILE is JSONL ({"tokens": [...]} per line;
tags, if present, are ignored) or, named *.txt, one sentence per line with
tokens separated by spaces. Prints one sentence per line as token/TAG pairs.

  --checkpoint DIR     the training run's output directory
  --cell NAME          the exported model (default: the checkpoint's)
  --batch N            sentences per forward call (default 32)
  --json               one JSON object per sentence, {"tokens": [...], "tags": [...]}`;

export function predictCommand(argv: readonly string[], io: Io): number {
  const flags = { checkpoint: { type: "string" }, cell: { type: "string" }, batch: { type: "string" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } } as const;
  const { values, positionals } = parse(argv, flags, predictUsage);
  if (values.help) {
    io.out(predictUsage);
    return 0;
  }
  if (positionals.length !== 2) throw new UsageError(`expected a model file and a sentence file, got ${positionals.length} arguments\n\n${predictUsage}`);
  if (values.checkpoint === undefined) throw new UsageError(`--checkpoint DIR is required\n\n${predictUsage}`);
  const [file, data] = positionals as [string, string];
  const batch = parsePositive("batch", values.batch, 32);
  return asUserErrors(() => {
    const { sentences } = readData(data, io, false);
    const tagger = loadTrainedTagger(values.checkpoint!, runFolderIo(io), modelSource(file, values.cell, io), sentences, batch);
    const tags = predictTags(tagger.model, tagger.vocab, tagger.shape, sentences);
    const lines = sentences.map((s, i) =>
      values.json ? JSON.stringify({ tokens: s.tokens, tags: tags[i] }) : s.tokens.map((t, j) => `${t}/${tags[i]![j]}`).join(" "));
    io.out(lines.join("\n"));
    return 0;
  });
}

