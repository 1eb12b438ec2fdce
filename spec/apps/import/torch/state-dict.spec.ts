// spec/apps/import/torch — a state_dict's names and shapes as a network: what
// they say (kinds, layers, directions, projections, an embedding and a
// readout), and, for each way they can fail to say it, the message that
// names the tensors and the flag that settles it.

import { describe, expect, it } from "vitest";
import { ImportError, writeNetwork } from "../../../../apps/import/index.js";
import { stateDictNetwork, type StateDict, type TorchOptions } from "../../../../apps/import/torch/state-dict.js";

type Entry = [name: string, shape: number[], dtype?: string];

function stateDict(entries: Entry[], ordered = true): StateDict {
  return {
    file: "m.pt",
    ordered,
    tensors: entries.map(([name, shape, dtype = "f32"]) => ({
      name,
      shape,
      dtype,
      ...(dtype === "f32" ? { data: new Float64Array(shape.reduce((n, d) => n * d, 1)) } : {}),
    })),
  };
}

/** nn.LSTM / GRU / RNN tensors under `prefix` (gates G, input I, hidden H). */
function rnn(prefix: string, G: number, I: number, H: number, layers = 1, suffixes = [""]): Entry[] {
  const out: Entry[] = [];
  for (let k = 0; k < layers; k++) {
    for (const s of suffixes) {
      out.push(
        [`${prefix}weight_ih_l${k}${s}`, [G * H, k === 0 ? I : suffixes.length * H]],
        [`${prefix}weight_hh_l${k}${s}`, [G * H, H]],
        [`${prefix}bias_ih_l${k}${s}`, [G * H]],
        [`${prefix}bias_hh_l${k}${s}`, [G * H]],
      );
    }
  }
  return out;
}

function fails(entries: Entry[], options: TorchOptions = {}, ordered = true): string {
  try {
    stateDictNetwork(stateDict(entries, ordered), options);
  } catch (e) {
    expect(e).toBeInstanceOf(ImportError);
    return (e as Error).message;
  }
  throw new Error("expected an ImportError");
}

describe("what a state_dict's names and shapes say", () => {
  it("kinds from the gate count, layers, directions, an embedding before and a Linear after", () => {
    const net = stateDictNetwork(
      stateDict([
        ["emb.weight", [10, 3]],
        ...rnn("enc.", 3, 3, 4, 2, ["", "_reverse"]),
        ["out.weight", [2, 8]],
        ["out.bias", [2]],
      ]),
    );
    expect(net.layers.map((l) => [l.kind, l.inputSize, l.hiddenSize, l.directions.length])).toEqual([
      ["gru", 3, 4, 2],
      ["gru", 8, 4, 2],
    ]);
    expect(net.input).toMatchObject({ kind: "embedding", origin: "nn.Embedding emb" });
    expect(net.readout).toMatchObject({ activation: "linear", origin: "nn.Linear out" });
    expect(stateDictNetwork(stateDict(rnn("", 1, 3, 4))).layers[0]).toMatchObject({
      kind: "rnn",
      activation: { kind: "tanh" },
    });
    expect(stateDictNetwork(stateDict(rnn("", 1, 3, 4)), { rnnNonlinearity: "relu" }).layers[0]).toMatchObject({
      activation: { kind: "relu" },
    });
  });

  it("proj_size from weight_hr_l{k}", () => {
    const net = stateDictNetwork(
      stateDict([
        ["weight_ih_l0", [20, 3]],
        ["weight_hh_l0", [20, 2]],
        ["bias_ih_l0", [20]],
        ["bias_hh_l0", [20]],
        ["weight_hr_l0", [2, 5]],
      ]),
    );
    expect(net.layers[0]).toMatchObject({ kind: "lstm", hiddenSize: 5, projectionSize: 2 });
  });
});

describe("what they cannot say, and the messages", () => {
  it("no recurrent module", () => {
    expect(fails([["fc.weight", [2, 3]]])).toBe(
      "m.pt: holds no nn.RNN, nn.LSTM or nn.GRU weights (no tensor named like weight_ih_l0); rnnc imports recurrent " +
        "networks",
    );
  });

  it("a gate count that is no cell's", () => {
    expect(
      fails([
        ["weight_ih_l0", [20, 3]],
        ["weight_hh_l0", [20, 4]],
      ]),
    ).toContain("weight_hh_l0 has 20 rows for hidden size 4: not 1, 3 or 4 gates");
  });

  it("a missing or mis-shaped tensor of a layer", () => {
    const entries = rnn("rnn.", 4, 3, 4, 2).filter(([n]) => n !== "rnn.weight_hh_l1");
    expect(fails(entries)).toBe("m.pt: module rnn has layer weights under rnn.*_l0 but no rnn.weight_hh_l1");
    const bad = rnn("rnn.", 4, 3, 4).map(([n, s]): Entry => [n, n === "rnn.bias_hh_l0" ? [15] : s]);
    expect(fails(bad)).toBe("m.pt: rnn.bias_hh_l0 has shape [15], expected [16] (an nn.LSTM with hidden size 4)");
    expect(fails(rnn("", 4, 3, 4).map(([n, s]): Entry => [n, s, n === "weight_ih_l0" ? "i64" : "f32"]))).toBe(
      "m.pt: weight_ih_l0 holds i64 values; weights are floating point (f32, f64, f16 or bf16)",
    );
  });

  it("flags that do not apply", () => {
    expect(fails(rnn("", 4, 3, 4), { rnnNonlinearity: "relu" })).toBe(
      "m.pt: --rnn-nonlinearity is for nn.RNN modules, and this state_dict has none",
    );
    expect(fails(rnn("", 4, 3, 4), { readoutActivation: "sigmoid" })).toBe(
      "m.pt: --readout-activation needs an nn.Linear readout, and none was found",
    );
    expect(fails(rnn("", 4, 3, 4), { rnn: ["enc"] })).toBe(
      'm.pt: --rnn names "enc", but no recurrent module has that prefix (found: (the top level))',
    );
    expect(fails(rnn("", 4, 3, 4), { embedding: "emb" })).toBe(
      "m.pt: --embedding emb: no tensors under emb.* besides those already used",
    );
  });

  it("modules whose shapes fit several ways, settled by flags", () => {
    const two = [["a.weight", [5, 3]], ["b.weight", [6, 3]], ...rnn("rnn.", 4, 3, 4)] as Entry[];
    expect(fails(two)).toBe("m.pt: several modules could be the embedding (a, b); choose one with --embedding PREFIX");
    expect(fails(two, { embedding: "a" })).toContain("holds tensors that rnnc cannot place: b.weight [6, 3]");
    expect(fails([...rnn("rnn.", 4, 3, 4), ["fc.weight", [2, 4]], ["fc.bias", [2]]], { readout: "none" })).toContain(
      "cannot place: fc.weight [2, 4], fc.bias [2]",
    );
    expect(fails([...rnn("rnn.", 4, 3, 4), ["fc.weight", [2, 5]], ["fc.bias", [2]]])).toContain(
      "cannot place: fc.weight [2, 5], fc.bias [2]",
    );
  });

  it("a weight that is NaN or infinite, named with its gate and index", () => {
    const sd = stateDict(rnn("rnn.", 3, 3, 4));
    sd.tensors.find((t) => t.name === "rnn.weight_hh_l0")!.data![4 * 4 + 5] = NaN;
    expect(() => writeNetwork(stateDictNetwork(sd))).toThrow(
      "layer 0 (nn.GRU rnn, layer 0 (rnn.*_l0)): U of gate z holds NaN at index 5; a trained network's weights " +
        "are finite",
    );
  });

  it("a safetensors file (sorted) with several recurrent modules needs their order", () => {
    const entries = [...rnn("a.", 4, 3, 4), ...rnn("b.", 3, 4, 2)];
    expect(fails(entries, {}, false)).toBe(
      "m.pt: holds several recurrent modules (a, b) and, as a safetensors file, not the order they run in: give it " +
        "with --rnn PREFIX,PREFIX,...",
    );
    expect(stateDictNetwork(stateDict(entries, false), { rnn: ["a", "b"] }).layers.map((l) => l.kind)).toEqual([
      "lstm",
      "gru",
    ]);
  });
});
