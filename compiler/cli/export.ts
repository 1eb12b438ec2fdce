// compiler/cli — `rnnc export`: an imported model's parameters (trained by
// rnnc, or as imported) back as a PyTorch state_dict. In: the folder rnnc
// import wrote (network.json) and a parameter file of its model. Out: a
// safetensors file under PyTorch's names, written by apps/import/export.ts.

import { join } from "node:path";
import { exportTorch, ImportError } from "../../apps/import/index.js";
import { onePositional, parse } from "./args.js";
import { describeFsError, UsageError, UserError, type Io } from "./io.js";

export const exportUsage = `usage: rnnc export DIR -o OUT.safetensors [--params FILE]

Writes the parameters of a model that rnnc import wrote into DIR as a PyTorch
state_dict in a safetensors file (safetensors.torch.load_file, then
model.load_state_dict): the names of the state_dict it was imported from, or
rnn., embedding. and fc. for one from ONNX or TF.js, the gates packed in
PyTorch's order. Layers PyTorch has no module for (peepholes, clip, a
reset-before GRU, other activations, summed directions) are refused.

  -o, --output OUT     the safetensors file to write
  --params FILE        the parameters to export: a trained file of DIR/model.ts (saveParams,
                       rnnc train's checkpoints) (default DIR/params.safetensors)`;

export function exportCommand(argv: readonly string[], io: Io): number {
  const { values, positionals } = parse(
    argv,
    { output: { type: "string", short: "o" }, params: { type: "string" }, help: { type: "boolean", short: "h" } },
    exportUsage,
  );
  if (values.help) {
    io.out(exportUsage);
    return 0;
  }
  const dir = onePositional(positionals, "folder of rnnc import", exportUsage);
  if (values.output === undefined) throw new UsageError(`-o OUT.safetensors is required\n\n${exportUsage}`);
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
  let exported;
  try {
    exported = exportTorch(skeleton, skeletonFile, params, paramsFile);
  } catch (e) {
    if (e instanceof ImportError) throw new UserError(e.message);
    throw e;
  }
  io.write(values.output, exported.file);
  io.out(
    `wrote ${values.output}: ${exported.names.length} PyTorch tensors ` +
      `(${exported.names.slice(0, 3).join(", ")}${exported.names.length > 3 ? ", …" : ""})`,
  );
  return 0;
}
