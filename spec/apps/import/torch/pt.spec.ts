// spec/apps/import/torch — reading torch.save files without running them: the
// restricted unpickler refuses every global and opcode a state_dict does not
// need (a pickle that would call os.system, a whole pickled module, hand-made
// pickles), a checkpoint dict opens at its state_dict, and damaged files —
// truncated, bytes flipped — are ImportErrors naming the file, never a crash.

import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { importFile, ImportError } from "../../../../apps/import/index.js";
import { unpickle } from "../../../../apps/import/torch/pickle.js";
import { readTorchFile } from "../../../../apps/import/torch/pt.js";

const fixtures = new URL("../../../fixtures/import/", import.meta.url);
const read = (file: string) => new Uint8Array(readFileSync(new URL(file, fixtures)));
const bytes = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));

function importError(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(ImportError);
    return (e as Error).message;
  }
  throw new Error("expected an ImportError");
}

describe("refused .pt files", () => {
  it("a pickle that would call os.system is refused, naming the global, and nothing runs", () => {
    const message = importError(() => importFile("calls-system.pt", read("refused/calls-system.pt"), "torch"));
    expect(message).toMatch(/^calls-system\.pt: refused: the pickle asks for the Python global (posix|os)\.system/);
    expect(message).toContain("torch.save(model.state_dict(), path)");
  });

  it("torch.save of a whole module is refused, naming its class", () => {
    expect(importError(() => importFile("whole-module.pt", read("refused/whole-module.pt"), "torch"))).toMatch(
      /the Python global torch\.nn\.modules\.rnn\.GRU/,
    );
  });

  it("the legacy (pre-1.6) format is named as such", () => {
    expect(importError(() => importFile("legacy.pt", read("refused/legacy.pt"), "torch"))).toMatch(
      /not a zip archive.*legacy format/,
    );
  });

  it("tensors of modules rnnc cannot place are listed", () => {
    expect(importError(() => importFile("layernorm.pt", read("refused/layernorm.pt"), "torch"))).toContain(
      "holds tensors that rnnc cannot place: norm.weight [3], norm.bias [3]",
    );
  });

  it("hand-made pickles: other globals, STACK_GLOBAL, code-running opcodes, damage", () => {
    const cases: [string, RegExp][] = [
      ["\x80\x02cbuiltins\neval\nq\x00.", /global builtins\.eval/],
      ["\x80\x04\x8c\x02os\x8c\x06system\x93.", /global os\.system/],
      ["\x80\x02(cos\nsystem\nX\x02\x00\x00\x00lsi.", /global os\.system/],
      ["\x80\x02(X\x02\x00\x00\x00lsios\nsystem\n.", /opcode INST/],
      ["\x80\x02}q\x00X\x01\x00\x00\x00aq\x01", /truncated/],
      ["\x80\x02h\x05.", /memo 5/],
      ["\x80\x02s.", /empty stack/],
      ["\x80\x02]].", /malformed stack/],
      ["\x80\x02(X\x07\x00\x00\x00storageK\x01tQ.", /outside object that is not a tensor storage/],
    ];
    for (const [pickle, expected] of cases) {
      expect(
        importError(() => unpickle(bytes(pickle), "x.pt")),
        JSON.stringify(pickle),
      ).toMatch(expected);
    }
    expect(
      unpickle(
        bytes("\x80\x02}q\x00(X\x01\x00\x00\x00aK\x07X\x01\x00\x00\x00b]q\x01(K\x01G?\xf8\x00\x00\x00\x00\x00\x00eu."),
        "ok.pt",
      ),
    ).toEqual({
      kind: "dict",
      entries: [
        ["a", 7],
        ["b", { kind: "list", items: [1, 1.5] }],
      ],
    });
  });
});

describe("checkpoint dicts", () => {
  it("open at their state_dict entry (model), or at --key", () => {
    const checkpoint = importFile("checkpoint.pt", read("torch/checkpoint.pt"), "torch");
    const direct = importFile("checkpoint.pt", read("torch/lstm-f32.pt"), "torch");
    expect(checkpoint.params).toEqual(direct.params);
    expect(importFile("checkpoint.pt", read("torch/checkpoint.pt"), "torch", { key: "model" }).params).toEqual(
      direct.params,
    );
    expect(
      importError(() => importFile("checkpoint.pt", read("torch/checkpoint.pt"), "torch", { key: "optimizer" })),
    ).toBe('checkpoint.pt: has no key "optimizer" (its keys: model, epoch, note)');
    expect(importError(() => importFile("checkpoint.pt", read("torch/checkpoint.pt"), "torch", { key: "epoch" }))).toBe(
      'checkpoint.pt: the value at "epoch" is not a dict of tensors',
    );
  });
});

describe("damaged files are ImportErrors, never a crash", () => {
  const good = read("torch/lstm-tagger.pt");

  it("every truncation", () => {
    for (let n = 0; n < good.length; n += 97) {
      expect(() => readTorchFile(good.subarray(0, n), "cut.pt"), `cut at ${n}`).toThrow(ImportError);
    }
  });

  it("random flipped bytes: refused (the zip's CRC-32 covers the pickle and the weights), or read exactly", () => {
    const original = readTorchFile(good, "a.pt");
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
        (flips) => {
          const damaged = good.slice();
          for (const [at, x] of flips) damaged[at]! ^= x;
          try {
            // A flip in a zip field that readers ignore (a timestamp, a comment) changes nothing.
            expect(readTorchFile(damaged, "a.pt")).toEqual(original);
          } catch (e) {
            if (!(e instanceof ImportError)) throw e;
          }
        },
      ),
      { numRuns: 300, seed: 11 },
    );
  });
});
