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
import { runFolderIo } from "./folder.js";
import type { Io } from "./io.js";
import { asUserErrors, dataFile, modelSource, parseCheckpointArgs, readData } from "./train.js";

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
  --json               a tagger's: one JSON object per sentence, {"tokens": [...], "tags": [...]}
  --quantize int8      run an int8 inference build of the model (rnnc compile --quantize int8)`;

export function predictCommand(argv: readonly string[], io: Io): number {
  const args = parseCheckpointArgs(argv, io, predictUsage, "a data file");
  if (!args) return 0;
  const { file, data, batch } = args;
  return asUserErrors(() => {
    const folder = runFolderIo(io);
    const source = modelSource(file, args.cell, io);
    if (readCheckpoint(args.checkpoint, folder).task === "sequences") {
      const trained = loadTrainedSequences(
        args.checkpoint,
        folder,
        source,
        dataFile(io, data),
        true,
        batch,
        args.quantize,
      );
      io.out(
        predictSequences(trained)
          .map((y) => JSON.stringify({ y }))
          .join("\n"),
      );
      return 0;
    }
    const { sentences } = readData(data, io, false);
    const tagger = loadTrainedTagger(args.checkpoint, folder, source, sentences, batch, args.quantize);
    const tags = predictTags(tagger.model, tagger.vocab, tagger.shape, sentences);
    const lines = sentences.map((s, i) =>
      args.json
        ? JSON.stringify({ tokens: s.tokens, tags: tags[i] })
        : s.tokens.map((t, j) => `${t}/${tags[i]![j]}`).join(" "),
    );
    io.out(lines.join("\n"));
    return 0;
  });
}
