// examples/audio — the main thread's side of the waveshaper. In: the URLs of
// waveshaper.wasm and waveshaper.params, an AudioContext or an
// OfflineAudioContext. Out: the compiled module and parameters, an
// AudioWorkletNode running processor.js (mono in, mono out), and a whole
// signal rendered offline through it. The main thread compiles the module
// because a worklet cannot fetch; a WebAssembly.Module posts to it as it is.

/** Fetches and compiles waveshaper.wasm and fetches waveshaper.params, both from `base`. */
export async function loadWaveshaper(base = new URL(".", import.meta.url)) {
  const get = async (name) => {
    const response = await fetch(new URL(name, base));
    if (!response.ok) {
      throw new Error(`cannot fetch ${response.url}: HTTP ${response.status} (see examples/audio/README.md)`);
    }
    return response.arrayBuffer();
  };
  const [bytes, params] = await Promise.all([get("waveshaper.wasm"), get("waveshaper.params")]);
  return { module: await WebAssembly.compile(bytes), params };
}

/** The node and a promise that settles when its processor has started (or failed to). */
export async function createWaveshaperNode(context, { module, params }) {
  await context.audioWorklet.addModule(new URL("./processor.js", import.meta.url));
  const node = new AudioWorkletNode(context, "rnnc-waveshaper", {
    numberOfInputs: 1,
    numberOfOutputs: 1,
    outputChannelCount: [1],
    channelCount: 1,
    channelCountMode: "explicit", // stereo in is mixed down to the mono the model shapes
    processorOptions: { module, params },
  });
  const ready = new Promise((resolve, reject) => {
    node.port.onmessage = ({ data }) => (data.error ? reject(new Error(data.error)) : resolve());
    node.onprocessorerror = () => reject(new Error("the waveshaper processor failed; the console has its error"));
  });
  return { node, ready };
}

/** Renders `samples` (a Float32Array) through the waveshaper in an OfflineAudioContext. */
export async function renderOffline(shaper, samples, sampleRate) {
  const context = new OfflineAudioContext(1, samples.length, sampleRate);
  const { node, ready } = await createWaveshaperNode(context, shaper);
  const buffer = new AudioBuffer({ length: samples.length, sampleRate, numberOfChannels: 1 });
  buffer.copyToChannel(samples, 0);
  const source = new AudioBufferSourceNode(context, { buffer });
  source.connect(node).connect(context.destination);
  source.start();
  // Rendering runs whether or not the processor started; `ready` says which.
  const [rendered] = await Promise.all([context.startRendering(), ready]);
  return rendered.getChannelData(0);
}
