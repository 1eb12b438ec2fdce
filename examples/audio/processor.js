// examples/audio — the AudioWorklet processor: a compiled waveshaper (an rnnc
// module) run over each render quantum, its LSTM state carried from quantum
// to quantum. In: processorOptions { module, params }: a WebAssembly.Module
// the main thread compiled (a worklet has no fetch) and a parameter file
// (saveParams). Out: the shaped signal, mono; { ready } or { error } on the port.

import { RnncModel, RnncStream } from "../../dist/browser/rnnc-runtime.js";

/**
 * Shapes one block of samples (a render quantum, 128 frames) as one block of
 * the stream: RnncStream.run splits it into calls of the module's steps
 * capacity and carries the LSTM state from call to call and quantum to quantum,
 * writing the shaped samples straight into the output.
 */
function shapeBlock(shaper, input, output) {
  const samples = input && input.length === output.length ? input : shaper.silence.subarray(0, output.length);
  shaper.stream.run({ [shaper.input]: samples }, output.length, { [shaper.output]: output });
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
  // An unconnected or finished input is silence: a block of zeros made once, not per quantum.
  return { stream: new RnncStream(model, 1), input, output, silence: new Float32Array(128) };
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
