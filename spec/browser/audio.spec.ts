// spec/browser — the audio example in headless Chromium: an
// OfflineAudioContext renders a seeded sine sweep (eight render quanta)
// through the AudioWorklet of examples/audio, which runs the waveshaper
// module quantum by quantum with its state carried over; the rendered f32
// samples equal, bit for bit, Node's output of one forward over the whole
// sweep. Also: modules of a smaller steps capacity (several pieces per
// quantum), the fit to the soft clipper, and a module that is no waveshaper.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { compileCell } from "../../compiler/pipeline.js";
import { loadModel, prng } from "../../runtime/index.js";
import { toHex } from "../../examples/browser/session.js";
import { describeInChromium, openExampleSite, type ExampleSite } from "./chromium.js";

const SAMPLE_RATE = 48_000;
const FRAMES = 8 * 128;
const file = fileURLToPath(new URL("../../examples/audio/waveshaper.ts", import.meta.url));
const params = readFileSync(new URL("../../examples/audio/waveshaper.params", import.meta.url));

const builds = new Map<string, Uint8Array>();
/** The inference build the README compiles, with the given steps capacity (and input width). */
function build(steps: number, I = 1): Uint8Array {
  const key = `${steps} ${I}`;
  if (!builds.has(key)) {
    builds.set(key, compileCell({
      file, text: readFileSync(file, "utf8"), dims: { I, H: 8, O: 1 }, capacity: { batch: 1, steps },
      inference: true, readFile: (p) => readFileSync(p, "utf8"),
    }).binary);
  }
  return builds.get(key)!;
}

/** 200 Hz to 3 kHz, peak 1.25 (into the clipping), with a little seeded noise. */
function sweep(seed: number): Float32Array {
  const rand = prng(seed);
  let phase = 0;
  return Float32Array.from({ length: FRAMES }, (_, n) => {
    phase += (2 * Math.PI * 200 * Math.pow(15, n / FRAMES)) / SAMPLE_RATE;
    return 1.2 * Math.sin(phase) + 0.05 * (rand() * 2 - 1);
  });
}

/** Node's oracle: the whole sweep in one forward of a module with room for all of it. */
async function inNode(samples: Float32Array): Promise<Float32Array> {
  const model = await loadModel(build(FRAMES));
  model.loadParams(params);
  model.set("x", "input", samples);
  model.set("lengths", "lengths", [FRAMES]);
  model.forward(1, FRAMES);
  return model.get("y", "output", { batch: 1, steps: FRAMES }) as Float32Array;
}

const softClip = (x: number) => (Math.abs(x) >= 1 ? Math.sign(x) : 1.5 * x - 0.5 * x ** 3);

describeInChromium("the waveshaper AudioWorklet in headless Chromium", () => {
  let site: ExampleSite;
  beforeAll(async () => {
    site = await openExampleSite({
      "/examples/audio/waveshaper.wasm": build(128),
      "/variants/steps48/waveshaper.wasm": build(48),
      "/variants/steps48/waveshaper.params": params,
      "/variants/stereo-in/waveshaper.wasm": build(128, 2),
      "/variants/stereo-in/waveshaper.params": params,
    });
    await site.page.goto(`${site.base}/examples/audio/`);
  });
  afterAll(async () => site?.close());

  /** Renders `samples` offline through the worklet, with the module and parameters found at `base`. */
  const render = (base: string, samples: Float32Array) => site.page.evaluate(`(async () => {
    const { loadWaveshaper, renderOffline } = await import("/examples/audio/waveshaper-node.js");
    const shaper = await loadWaveshaper(new URL(${JSON.stringify(base)}, location.href));
    const samples = Float32Array.from(${JSON.stringify(Array.from(samples))});
    const rendered = await renderOffline(shaper, samples, ${SAMPLE_RATE});
    return Array.from(rendered);
  })()`) as Promise<number[]>;

  const variants = [
    ["/examples/audio/", "one piece per quantum"],
    ["/variants/steps48/", "steps capacity 48: pieces of 48, 48 and 32"],
  ];
  for (const [base, what] of variants) {
    it(`renders Node's samples bit for bit (${what})`, async () => {
      for (const seed of [1, 2]) {
        const samples = sweep(seed);
        const rendered = Float32Array.from(await render(base!, samples));
        const expected = await inNode(samples);
        expect(rendered.length).toBe(FRAMES);
        const first = rendered.findIndex((v, i) => !Object.is(v, expected[i]));
        const where = `first differing sample: ${first} (${rendered[first]} in Chromium, ${expected[first]} in Node)`;
        expect(first, where).toBe(-1);
        expect(toHex(rendered)).toBe(toHex(expected));
      }
      expect(site.errors).toEqual([]);
    });
  }

  it("imitates the soft clipper it was trained on", async () => {
    const samples = sweep(3);
    const rendered = await render("/examples/audio/", samples);
    // The first quantum starts from the zero state, as a stream does.
    const worst = Math.max(...rendered.map((y, i) => Math.abs(y - softClip(samples[i]!))).slice(128));
    expect(worst).toBeLessThan(0.05);
  });

  it("refuses a module that does not map one sample to one sample", async () => {
    await expect(render("/variants/stereo-in/", sweep(1))).rejects.toThrow(new RegExp("the waveshaper cannot start: "
      + "a waveshaper maps one sample to one sample: "
      + "it needs one input of 1 feature, this module has x \\[steps, batch, 2\\]"));
  });
});
