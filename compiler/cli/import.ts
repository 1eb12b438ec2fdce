// compiler/cli — `rnnc import`: a trained network from another framework as
// an rnnc model. In: SOURCE (a PyTorch state_dict as .pt or .safetensors, an
// ONNX model, a TF.js model.json, a Keras .keras file) and -o DIR. Out:
// DIR/model.ts and DIR/params.safetensors, written by the importer
// application (apps/import); its ImportErrors are user errors.

import { dirname, join, resolve } from "node:path";
import {
  formatOf,
  importFile,
  ImportError,
  sourceFormats,
  type ImportOptions,
  type SourceFormat,
} from "../../apps/import/index.js";
import { prepareFolder } from "./folder.js";
import { onePositional, parse, parseChoice } from "./args.js";
import { type Io, readBytesOf, UsageError, UserError } from "./io.js";

export const importUsage = `usage: rnnc import SOURCE -o DIR [options]

Reads a trained recurrent network and writes DIR/model.ts, an rnnc model whose
cells are the network's equations (the source's gate order and conventions in
their comments), and DIR/params.safetensors, its weights under rnnc's tensor
names (and DIR/network.json, the network without its weights, for rnnc export).
Build both into one module, which runs with no other file, with
  rnnc compile DIR/model.ts --params DIR/params.safetensors -o model.wasm
(or compile the model alone and load the weights with the runtime's loadParams).

SOURCE is
  - a PyTorch state_dict: torch.save(model.state_dict(), "m.pt") (.pt, .pth,
    .bin; read without running any of its code) or a .safetensors file. Its
    nn.RNN, nn.LSTM and nn.GRU modules (num_layers, bidirectional, bias=False,
    proj_size) are found by their tensor names, an nn.Embedding before them and
    an nn.Linear after them by their shapes;
  - an ONNX model (.onnx) of RNN, LSTM and GRU nodes, stacked as
    torch.onnx.export writes them, with a Gather embedding before them and a
    MatMul and Add readout (and Sigmoid, Tanh or Relu) after them;
  - a TF.js layers model (model.json and its weight shards: tf.LayersModel.save,
    or tfjs-converter from Keras) or a Keras 3 .keras file (model.save) of
    SimpleRNN, LSTM, GRU (reset_after either way) and Bidirectional (concat,
    sum) layers, with an Embedding or Masking before them and a Dense or
    TimeDistributed(Dense) after them.

  -o, --output DIR         the folder to write (made if missing)
  --format F               ${sourceFormats.join(", ")} (default: from SOURCE's extension)
  --name NAME              the model's exported name (default imported)
  --json                   report what was imported as JSON
PyTorch state_dicts only:
  --key KEY                the entry of a checkpoint dict that holds the state_dict
  --rnn-nonlinearity F     tanh or relu: nn.RNN's nonlinearity, which a state_dict does not record (default tanh)
  --readout-activation F   linear, sigmoid, tanh or relu after the nn.Linear readout (default linear)
  --rnn PREFIX,...         the recurrent modules in the order they run (default: the state_dict's order)
  --embedding PREFIX|none  the nn.Embedding module (default: found by its shape)
  --readout PREFIX|none    the nn.Linear readout module (default: found by its shape)`;

const flags = {
  output: { type: "string", short: "o" },
  format: { type: "string" },
  name: { type: "string" },
  key: { type: "string" },
  "rnn-nonlinearity": { type: "string" },
  "readout-activation": { type: "string" },
  rnn: { type: "string" },
  embedding: { type: "string" },
  readout: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

export function importCommand(argv: readonly string[], io: Io): number {
  const { values, positionals } = parse(argv, flags, importUsage);
  if (values.help) {
    io.out(importUsage);
    return 0;
  }
  const source = onePositional(positionals, "source file", importUsage);
  if (values.output === undefined) {
    throw new UsageError(
      `-o DIR is required: the folder to write model.ts and params.safetensors to\n\n${importUsage}`,
    );
  }
  let format: SourceFormat;
  if (values.format !== undefined) format = parseChoice("format", values.format, sourceFormats, "torch");
  else {
    const guessed = formatOf(source);
    if (guessed === undefined) {
      throw new UsageError(
        `cannot tell the format of ${source} from its extension; give --format (${sourceFormats.join(", ")})`,
      );
    }
    format = guessed;
  }
  const torchFlags = (["key", "rnn-nonlinearity", "readout-activation", "rnn", "embedding", "readout"] as const).filter(
    (f) => values[f] !== undefined,
  );
  if (format !== "torch" && format !== "safetensors" && torchFlags.length > 0) {
    throw new UsageError(
      `${torchFlags.map((f) => `--${f}`).join(", ")}: ` +
        `for PyTorch state_dicts, whose names do not say it; a ${format} file does`,
    );
  }
  if (values.name !== undefined && !/^[A-Za-z_$][\w$]*$/.test(values.name))
    throw new UsageError(`--name: expected an identifier, got "${values.name}"`);
  const options: ImportOptions = {
    ...(values.name !== undefined ? { name: values.name } : {}),
    ...(values.key !== undefined ? { key: values.key } : {}),
    ...(values["rnn-nonlinearity"] !== undefined
      ? {
          rnnNonlinearity: parseChoice(
            "rnn-nonlinearity",
            values["rnn-nonlinearity"],
            ["tanh", "relu"] as const,
            "tanh",
          ),
        }
      : {}),
    ...(values["readout-activation"] !== undefined
      ? {
          readoutActivation: parseChoice(
            "readout-activation",
            values["readout-activation"],
            ["linear", "sigmoid", "tanh", "relu"] as const,
            "linear",
          ),
        }
      : {}),
    ...(values.rnn !== undefined
      ? {
          rnn: values.rnn
            .split(",")
            .map((p) => p.trim())
            .filter((p) => p !== ""),
        }
      : {}),
    ...(values.embedding !== undefined ? { embedding: values.embedding } : {}),
    ...(values.readout !== undefined ? { readout: values.readout } : {}),
  };
  const bytes = readBytesOf(io, source);
  let imported;
  try {
    imported = importFile(source, bytes, format, options, (path) => io.readBytes(resolve(dirname(source), path)));
  } catch (e) {
    if (e instanceof ImportError) throw new UserError(e.message);
    throw e;
  }
  const dir = values.output;
  prepareFolder(dir, "the output folder");
  const modelFile = join(dir, "model.ts");
  const paramsFile = join(dir, "params.safetensors");
  io.write(modelFile, imported.model.text);
  io.write(paramsFile, imported.params);
  io.write(join(dir, "network.json"), imported.skeleton);
  const { network } = imported;
  const layers = network.layers.map(
    (l) => `${l.kind.toUpperCase()} H=${l.hiddenSize}${l.directions.length === 2 ? ` bidirectional (${l.merge})` : ""}`,
  );
  if (values.json) {
    io.out(
      JSON.stringify(
        {
          source,
          format,
          model: modelFile,
          params: paramsFile,
          name: imported.model.name,
          dtype: network.dtype,
          input:
            network.input.kind === "dense"
              ? { kind: "dense", size: network.input.size }
              : { kind: "embedding", rows: network.input.table.shape[0], dim: network.input.table.shape[1] },
          layers: network.layers.map((l) => ({
            kind: l.kind,
            hidden: l.hiddenSize,
            directions: l.directions.length,
            merge: l.merge,
            origin: l.origin,
          })),
          readout: network.readout
            ? { size: network.readout.weight.shape[0], activation: network.readout.activation }
            : null,
        },
        null,
        2,
      ),
    );
  } else {
    const input =
      network.input.kind === "dense"
        ? `input ${network.input.size}`
        : `embedding ${network.input.table.shape.join("×")}`;
    const readout = network.readout
      ? `, readout ${network.readout.weight.shape[0]}`
        + (network.readout.activation === "linear" ? "" : ` ${network.readout.activation}`)
      : "";
    io.out(
      `wrote ${modelFile} and ${paramsFile}: model ${imported.model.name}, ${input}, ${layers.join(", ")}${readout} ` +
        `(${network.dtype} weights)`,
    );
  }
  return 0;
}
