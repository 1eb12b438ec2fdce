// spec/cli — `rnnc import`, run in-process as cli.spec.ts runs the other
// commands: the files it writes (a model rnnc compiles, a parameter file the
// runtime loads into it), its report, and its exit codes: 1 for a file it
// refuses (with the reason, never a stack trace), 2 for a bad invocation.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rnnc } from "../support/cli.js";
import { instantiate } from "../../compiler/api.js";
import { compileCell } from "../support/compile.js";
import { decodeParams } from "../../runtime/index.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const fixture = (name: string) => join(root, "spec/fixtures/import", name);

let tmp: string;
beforeAll(() => void (tmp = mkdtempSync(join(tmpdir(), "rnnc-import-"))));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("rnnc import", () => {
  it("writes model.ts and params.safetensors, which compile and load into one module", () => {
    const dir = join(tmp, "tagger");
    const { code, out, err } = rnnc("import", fixture("torch/lstm-tagger.pt"), "-o", dir);
    expect(err).toBe("");
    expect(code).toBe(0);
    expect(out).toBe(
      `wrote ${dir}/model.ts and ${dir}/params.safetensors: model imported, embedding 11×3, ` +
        "LSTM H=4 bidirectional (concat), LSTM H=4 bidirectional (concat), readout 5 (f64 weights)\n",
    );
    const text = readFileSync(join(dir, "model.ts"), "utf8");
    const model = instantiate(
      compileCell({
        file: join(dir, "model.ts"),
        text,
        dims: {},
        dtype: "f64",
        capacity: { batch: 2, steps: 3 },
        inference: true,
      }).binary,
    );
    model.loadParams(readFileSync(join(dir, "params.safetensors")));
    expect(model.abi.name).toBe("imported");
  });

  it("import, compile --params, and the .wasm alone computes PyTorch's outputs", () => {
    const dir = join(tmp, "baked");
    expect(rnnc("import", fixture("torch/lstm-tagger.pt"), "-o", dir).code).toBe(0);
    const wasm = join(dir, "tagger.wasm");
    const compiled = rnnc(
      "compile",
      join(dir, "model.ts"),
      "--params",
      join(dir, "params.safetensors"),
      "--dtype",
      "f64",
      "--inference",
      "--batch",
      "4",
      "--steps",
      "8",
      "-o",
      wasm,
    );
    expect(compiled.err).toMatch(
      /wrote .*tagger\.wasm: \d+ bytes, f64 simd, 67 parameter tensors \(\d+ values, baked in\)/,
    );
    const inspected = rnnc("inspect", wasm);
    expect(inspected.out).toContain(
      "parameters: all of 67 baked into the module's data segment (it runs with no parameter file)",
    );
    expect(inspected.out).toMatch(/^l0\.fwd\.Wi\s+param \(baked\)\s+\[4, 3\]/m);
    const f = JSON.parse(readFileSync(fixture("torch/lstm-tagger.json"), "utf8"));
    const model = instantiate(readFileSync(wasm));
    model.set("tokens", "input", f.input.ids);
    model.set("lengths", "lengths", f.lengths);
    model.forward(f.batch, f.steps);
    const y = model.get("y", "output", { batch: f.batch, steps: f.steps });
    const features = f.y.shape[2];
    let worst = 0;
    y.forEach((v, i) => {
      if (Math.floor(i / features / f.batch) < f.lengths[Math.floor(i / features) % f.batch])
        worst = Math.max(worst, Math.abs(v - f.y.data[i]) / Math.max(1, Math.abs(f.y.data[i])));
    });
    expect(worst).toBeLessThan(1e-9);
  });

  it("compile --params with a file that does not fit, or is missing, exits 1 naming it", () => {
    const dir = join(tmp, "misfit");
    expect(rnnc("import", fixture("torch/rnn-tanh.pt"), "-o", dir).code).toBe(0);
    const other = join(dir, "other.safetensors");
    writeFileSync(other, readFileSync(join(tmp, "tagger", "params.safetensors")));
    const misfit = rnnc("compile", join(dir, "model.ts"), "--params", other, "-o", join(dir, "m.wasm"));
    expect(misfit.code).toBe(1);
    expect(misfit.err).toMatch(
      new RegExp(
        "^rnnc compile: .*other\\.safetensors: cannot bake the parameters: "
          + "the file does not match this model: l0\\.W is missing from the file; .*; and 63 more$",
        "m",
      ),
    );
    expect(rnnc("compile", join(dir, "model.ts"), "--params", join(dir, "none.safetensors")).err).toContain(
      "cannot read",
    );
  });

  it("rnnc export writes the imported (or trained) parameters back under PyTorch's names", () => {
    const dir = join(tmp, "tagger");
    const out = join(tmp, "tagger-back.safetensors");
    const { code, out: report } = rnnc("export", dir, "-o", out);
    expect(code).toBe(0);
    expect(report).toBe(
      `wrote ${out}: 19 PyTorch tensors (emb.weight, rnns.0.weight_ih_l0, rnns.0.weight_hh_l0, …)\n`,
    );
    const sorted = (file: string) =>
      decodeParams(readFileSync(file))
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((r) => ({ ...r, data: [...r.data] }));
    expect(sorted(out)).toEqual(sorted(fixture("torch/lstm-tagger.safetensors")));
    expect(rnnc("export", join(tmp, "nowhere"), "-o", out)).toMatchObject({
      code: 1,
      err: expect.stringContaining("network.json: no such file or directory (DIR must be a folder rnnc import wrote)"),
    });
    expect(rnnc("export", dir).code).toBe(2);
  });

  it("rnnc export -o FILE.onnx writes an ONNX model that rnnc import reads back to the same parameters", () => {
    const dir = join(tmp, "tagger");
    const out = join(tmp, "tagger.onnx");
    const { code, out: report } = rnnc("export", dir, "-o", out, "--dtype", "f64");
    expect(code).toBe(0);
    expect(report).toBe(
      `wrote ${out}: an ONNX model, inputs tokens, lengths, outputs y, l0.h_n, l0.c_n, l1.h_n, l1.c_n\n`,
    );
    expect(rnnc("import", out, "-o", join(tmp, "tagger-onnx")).code).toBe(0);
    const params = (d: string) =>
      decodeParams(readFileSync(join(d, "params.safetensors")))
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((r) => ({ ...r, data: [...r.data] }));
    expect(params(join(tmp, "tagger-onnx"))).toEqual(params(dir));
    expect(rnnc("export", dir, "-o", join(tmp, "x.bin")).err).toContain("give --format torch or onnx");
    expect(rnnc("export", dir, "-o", join(tmp, "x.safetensors"), "--dtype", "f32").code).toBe(2);
  });

  it("--json reports the network; --name names the model", () => {
    const { code, out } = rnnc(
      "import",
      fixture("torch/gru-bi-sigmoid.safetensors"),
      "-o",
      join(tmp, "gru"),
      "--json",
      "--readout-activation",
      "sigmoid",
      "--name",
      "scorer",
    );
    expect(code).toBe(0);
    const report = JSON.parse(out);
    expect(report).toMatchObject({
      format: "safetensors",
      name: "scorer",
      dtype: "f64",
      input: { kind: "embedding", rows: 7, dim: 3 },
      layers: [{ kind: "gru", hidden: 4, directions: 2, merge: "concat" }],
      readout: { size: 2, activation: "sigmoid" },
    });
    expect(readFileSync(join(tmp, "gru", "model.ts"), "utf8")).toContain("export const scorer = model({");
  });

  it("reads ONNX by its extension", () => {
    const { code, out } = rnnc("import", fixture("onnx/gru-2layer.onnx"), "-o", join(tmp, "onnx"));
    expect(code).toBe(0);
    expect(out).toContain("model imported, input 3, GRU H=4, GRU H=4 (f32 weights)");
    expect(readFileSync(join(tmp, "onnx", "model.ts"), "utf8")).toContain("// ONNX output y → the module's y");
    expect(
      rnnc("import", fixture("onnx/gru-2layer.onnx"), "-o", join(tmp, "onnx"), "--rnn-nonlinearity", "relu"),
    ).toMatchObject({ code: 2, err: expect.stringContaining("--rnn-nonlinearity: for PyTorch state_dicts") });
  });

  it("reads a Keras 3 .keras file by its extension", () => {
    const { code, out } = rnnc("import", fixture("keras/gru-reset-after.keras"), "-o", join(tmp, "keras"));
    expect(code).toBe(0);
    expect(out).toContain("model imported, input 3, GRU H=4 bidirectional (concat), readout 2 (f64 weights)");
    expect(readFileSync(join(tmp, "keras", "model.ts"), "utf8")).toContain("(TF.js / Keras)");
  });

  it("a refused file exits 1 with the reason", () => {
    const { code, err } = rnnc("import", fixture("refused/calls-system.pt"), "-o", join(tmp, "never"));
    expect(code).toBe(1);
    expect(err).toMatch(
      /^rnnc import: .*calls-system\.pt: refused: the pickle asks for the Python global (posix|os)\.system/,
    );
    expect(err).not.toMatch(/^\s+at /m);
  });

  it("user errors exit 1: a missing file, an output folder below a file", () => {
    expect(rnnc("import", join(tmp, "missing.pt"), "-o", join(tmp, "x"))).toMatchObject({
      code: 1,
      err: expect.stringContaining("cannot read"),
    });
    writeFileSync(join(tmp, "file"), "");
    const { code, err } = rnnc("import", fixture("torch/rnn-tanh.pt"), "-o", join(tmp, "file", "below"));
    expect(code).toBe(1);
    expect(err).toContain("is a file, not a folder");
  });

  it("bad invocations exit 2", () => {
    expect(rnnc("import", fixture("torch/rnn-tanh.pt")).err).toContain("-o DIR is required");
    expect(rnnc("import", "model.xyz", "-o", tmp)).toMatchObject({
      code: 2,
      err: expect.stringContaining("cannot tell the format of model.xyz"),
    });
    expect(rnnc("import", fixture("torch/rnn-tanh.pt"), "-o", tmp, "--format", "caffe").code).toBe(2);
    expect(rnnc("import", fixture("torch/rnn-tanh.pt"), "-o", tmp, "--rnn-nonlinearity", "sigmoid").code).toBe(2);
    expect(rnnc("import", fixture("torch/rnn-tanh.pt"), "-o", tmp, "--name", "not a name").code).toBe(2);
  });
});
