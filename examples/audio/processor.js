// examples/audio — the AudioWorklet processor: a compiled waveshaper (an rnnc
// module) run over each render quantum, its LSTM state carried from quantum
// to quantum. In: processorOptions { module, params }: a WebAssembly.Module
// the main thread compiled (a worklet has no fetch) and a parameter file
// (saveParams). Out: the shaped signal, mono; { ready } or { error } on the port.

import { RnncModel } from "../../dist/browser/rnnc-runtime.js";

/**
 * Shapes one block of samples (a render quantum, 128 frames), in pieces of
 * the module's steps capacity; each piece starts from the state the previous
 * one ended in. The one place to switch to RnncStream.run (block mode).
 */
function shapeBlock(shaper, input, output) {
  const { model, x, y, lengths, states } = shaper;
  const steps = model.capacity.steps;
  for (let start = 0; start < output.length; start += steps) {
    const frames = Math.min(steps, output.length - start);
    if (input) x.set(input.subarray(start, start + frames));
    else x.fill(0, 0, frames); // an unconnected or finished input is silence
    lengths[0] = frames;
    model.forward(1, frames);
    output.set(y.subarray(0, frames), start);
    for (const [stateIn, stateOut] of states) stateIn.set(stateOut);
  }
}

/** Instantiates the module, checks it maps one sample to one sample, loads the parameters. */
function openShaper(module, params) {
  if (!(module instanceof WebAssembly.Module)) {
    throw new Error("processorOptions.module must be a WebAssembly.Module compiled in the main thread");
  }
  const model = new RnncModel(module, new WebAssembly.Instance(module, {}));
  const one = (role) => {
    const found = model.tensors().filter((t) => t.role === role);
    if (found.length !== 1 || found[0].shape.at(-1) !== 1) {
      const got = found.map((t) => `${t.name} [${t.shape.join(", ")}]`).join(", ") || "none";
      const why = `it needs one ${role} of 1 feature, this module has ${got}`;
      throw new Error(`a waveshaper maps one sample to one sample: ${why}`);
    }
    return found[0].name;
  };
  const [input, output] = [one("input"), one("output")];
  model.loadParams(params);
  const size = { batch: 1, steps: model.capacity.steps };
  const state = { batch: 1, steps: 1 };
  // The memory grows only in layout, which the constructor ran, so views made now stay valid for every quantum.
  return {
    model,
    x: model.view(input, "input", size),
    y: model.view(output, "output", size),
    lengths: model.view("lengths", "lengths", size),
    states: model.tensors().filter((t) => t.role === "state_in")
      .map((t) => [model.view(t.name, "state_in", state), model.view(t.name, "state_out", state)]),
  };
}

class WaveshaperProcessor extends AudioWorkletProcessor {
  #shaper;

  constructor(options) {
    super();
    try {
      const { module, params } = options.processorOptions ?? {};
      this.#shaper = openShaper(module, params);
      this.port.postMessage({ ready: true });
    } catch (e) {
      this.port.postMessage({ error: `the waveshaper cannot start: ${e.message}` });
    }
  }

  process(inputs, outputs) {
    const output = outputs[0]?.[0];
    if (this.#shaper && output) shapeBlock(this.#shaper, inputs[0]?.[0], output);
    return true; // outputs stay silent when the shaper did not start
  }
}

registerProcessor("rnnc-waveshaper", WaveshaperProcessor);
