// spec/cli — `rnnc gradcheck` run in-process (spec/support/cli.ts): every
// example it checks passes, with --json naming every parameter, input and
// initial state; an absurd tolerance fails with FAIL lines and exit 1; and the
// real binary, run as a user's shell would, gradchecks the LSTM.

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { rnnc } from "../support/cli.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const elman = join(root, "examples/elman.ts");

describe("gradcheck", () => {
  it.each([
    ["examples/mgu.ts", "I=3,H=4", ["Wf", "Uf", "bf", "Wn", "Un", "bn", "x", "h"]],
    ["examples/elman.ts", "I=2,H=3", ["W", "U", "b", "x", "h"]],
    ["examples/slstm.ts", "I=3,H=4", [
      "Wz", "Rz", "bz", "Wi", "Ri", "bi", "Wf", "Rf", "bf", "Wo", "Ro", "bo", "x", "h", "c", "n", "m",
    ]],
    ["examples/min-gru.ts", "I=3,H=4", ["Wz", "bz", "Wh", "bh", "x", "h"]],
    ["examples/min-lstm.ts", "I=3,H=4", ["Wf", "bf", "Wi", "bi", "Wh", "bh", "x", "h"]],
    ["examples/mi-rnn.ts", "I=3,H=4", ["W", "U", "b", "alpha", "beta1", "beta2", "x", "h"]],
  ])("%s passes, and --json reports every parameter, input and initial state", (file, dims, names) => {
    const { code, out } = rnnc("gradcheck", join(root, file), "--dims", dims, "--json");
    expect(code).toBe(0);
    const report = JSON.parse(out);
    expect(report.passed).toBe(true);
    expect(report.worst).toBeLessThanOrEqual(1e-6);
    expect(report.tensors.map((t: { name: string }) => t.name).sort()).toEqual([...names].sort());
    for (const t of report.tensors) expect(t.checked).toBeGreaterThan(0);
  });

  it("fails with FAIL lines and exit 1 under an absurd tolerance", () => {
    const { code, out } = rnnc(
      "gradcheck", elman, "--dims", "I=2,H=3", "--check-steps", "2", "--entries", "2", "--tolerance", "1e-300",
    );
    expect(code).toBe(1);
    const rows = out.split("\n").filter((l) => /^(W|U|b|x|h) /.test(l));
    expect(rows.length).toBe(5);
    for (const row of rows) expect(row).toMatch(/ FAIL at \[\d+\]: backward /);
    expect(out).toMatch(/^FAILED: worst \S+ > 1e-300$/m);
  });

  it("rejects a tolerance that is not a positive number with exit 2", () => {
    expect(rnnc("gradcheck", elman, "--dims", "I=2,H=3", "--tolerance", "0").code).toBe(2);
  });
});

describe("bin/rnnc.js", () => {
  const built = existsSync(join(root, "dist/compiler/cli/launch.js"));

  it("gradchecks the LSTM example as a child process", (ctx) => {
    ctx.skip(!built, "dist/compiler/cli/launch.js is missing: run `npm run build` to test the real binary");
    const run = spawnSync(
      process.execPath,
      ["bin/rnnc.js", "gradcheck", "examples/lstm.ts", "--dims", "I=3,H=4"],
      { cwd: root, encoding: "utf8" },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^ok: worst /m);
  });
});
