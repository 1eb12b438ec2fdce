// compiler/cli — `rnnc export`: an imported model's parameters (trained by
// rnnc, or as imported) back as a PyTorch state_dict or as an ONNX model. In:
// the folder rnnc import wrote (network.json) and a parameter file of its
// model. Out: a safetensors file under PyTorch's names, or an .onnx file of
// RNN, LSTM and GRU nodes, written by the importer application (apps/import).

import { join } from "node:path";
import { exportOnnx, exportTorch, ImportError } from "../../apps/import/index.js";
import { onePositional, parse, parseChoice } from "./args.js";
import { describeFsError, UsageError, UserError, type Io } from "./io.js";

export const exportUsage = `usage: rnnc export DIR -o OUT.safetensors|OUT.onnx [--params FILE]

Writes a model that rnnc import wrote into DIR, with its imported or trained
parameters, back into the frameworks' formats:
  - OUT.safetensors: a PyTorch state_dict (safetensors.torch.load_file, then
    model.load_state_dict) under the names of the state_dict it was imported
    from, or rnn., embedding. and fc. for one from ONNX, TF.js or Keras, the
    gates packed in PyTorch's order. Layers PyTorch has no module for
    (peepholes, clip, a reset-before GRU, other activations, summed
    directions) are refused;
  - OUT.onnx: an ONNX model (opset 14) of RNN, LSTM and GRU nodes with inputs
    x [steps, batch, features] (or tokens, int64 [steps, batch]) and lengths
    (int32 [batch], each node's sequence_lens), output y [steps, batch,
    features] and each layer's final states l{k}.h_n (and l{k}.c_n) [dirs,
    batch, units]. An LSTM with a projection (proj_size) is refused.

  -o, --output OUT     the file to write; its extension says the format
  --format F           torch or onnx (default: from OUT's extension)
  --params FILE        the parameters to export: a trained file of DIR/model.ts (saveParams,
                       rnnc train's checkpoints) (default DIR/params.safetensors)
  --dtype T            f32 or f64: the ONNX model's element type (default: the parameter file's)`;

export function exportCommand(argv: readonly string[], io: Io): number {
  const { values, positionals } = parse(
    argv,
    {
      output: { type: "string", short: "o" },
      params: { type: "string" },
      format: { type: "string" },
      dtype: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    exportUsage,
  );
  if (values.help) {
    io.out(exportUsage);
    return 0;
  }
  const dir = onePositional(positionals, "folder of rnnc import", exportUsage);
  const out = values.output;
  if (out === undefined) throw new UsageError(`-o OUT.safetensors or -o OUT.onnx is required\n\n${exportUsage}`);
  const guessed = /\.onnx$/i.test(out) ? "onnx" : /\.safetensors$/i.test(out) ? "torch" : undefined;
  const format =
    values.format !== undefined ? parseChoice("format", values.format, ["torch", "onnx"] as const, "torch") : guessed;
  if (format === undefined)
    throw new UsageError(`cannot tell the format of ${out} from its extension; give --format torch or onnx`);
  if (values.dtype !== undefined && format !== "onnx")
    throw new UsageError("--dtype is for ONNX models; a state_dict keeps the parameter file's element type");
  const dtype =
    values.dtype === undefined ? undefined : parseChoice("dtype", values.dtype, ["f32", "f64"] as const, "f32");
  const skeletonFile = join(dir, "network.json");
  const paramsFile = values.params ?? join(dir, "params.safetensors");
  const read = <T>(file: string, how: (f: string) => T): T => {
    try {
      return how(file);
    } catch (e) {
      throw new UserError(
        `cannot read ${file}: ` +
          `${describeFsError(e)}${file === skeletonFile ? " (DIR must be a folder rnnc import wrote)" : ""}`,
      );
    }
  };
  const skeleton = read(skeletonFile, (f) => io.readText(f));
  const params = read(paramsFile, (f) => io.readBytes(f));
  try {
    if (format === "onnx") {
      const model = exportOnnx(skeleton, skeletonFile, params, paramsFile, dtype);
      io.write(out, model.bytes);
      io.out(`wrote ${out}: an ONNX model, inputs ${model.inputs.join(", ")}, outputs ${model.outputs.join(", ")}`);
    } else {
      const exported = exportTorch(skeleton, skeletonFile, params, paramsFile);
      io.write(out, exported.file);
      io.out(
        `wrote ${out}: ${exported.names.length} PyTorch tensors ` +
          `(${exported.names.slice(0, 3).join(", ")}${exported.names.length > 3 ? ", …" : ""})`,
      );
    }
  } catch (e) {
    if (e instanceof ImportError) throw new UserError(e.message);
    throw e;
  }
  return 0;
}
