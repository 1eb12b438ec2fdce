// examples/audio — the page's script. In: waveshaper.wasm and
// waveshaper.params next to the page (see README.md). Out: the curve the
// waveshaper learned, drawn from an offline render of a slow ramp through
// the worklet, and on Play a sine through the worklet to the speakers, with
// drive, pitch and bypass controls.

import { createWaveshaperNode, loadWaveshaper, renderOffline } from "./waveshaper-node.js";

const SAMPLE_RATE = 48_000;
const status = document.querySelector("#status");
const play = document.querySelector("#play");
const drive = document.querySelector("#drive");
const pitch = document.querySelector("#pitch");
const bypass = document.querySelector("#bypass");
let live; // { context, oscillator, gain, shaper } while playing

const softClip = (x) => (Math.abs(x) >= 1 ? Math.sign(x) : 1.5 * x - 0.5 * x * x * x);

function fail(e) {
  status.textContent = `failed: ${e.message}`;
  status.className = "error";
}

/** The learned curve against the soft clipper: a ramp from −1.4 to 1.4, rendered through the worklet. */
async function drawCurve(shaper) {
  const ramp = Float32Array.from({ length: 4096 }, (_, i) => -1.4 + (2.8 * i) / 4095);
  const shaped = await renderOffline(shaper, ramp, SAMPLE_RATE);
  const canvas = document.querySelector("#curve");
  const g = canvas.getContext("2d");
  const [w, h] = [canvas.width, canvas.height];
  const at = (x, y) => [((x + 1.4) / 2.8) * w, h / 2 - (y / 1.4) * (h / 2)];
  const line = (ys, color) => {
    g.strokeStyle = color;
    g.lineWidth = 2;
    g.beginPath();
    ramp.forEach((x, i) => g[i === 0 ? "moveTo" : "lineTo"](...at(x, ys(i))));
    g.stroke();
  };
  g.clearRect(0, 0, w, h);
  line((i) => softClip(ramp[i]), "#bbb");
  line((i) => shaped[i], "#1565c0");
}

async function start(shaper) {
  const context = new AudioContext({ sampleRate: SAMPLE_RATE });
  const { node, ready } = await createWaveshaperNode(context, shaper);
  await ready;
  const oscillator = new OscillatorNode(context, { frequency: Number(pitch.value) });
  const gain = new GainNode(context, { gain: Number(drive.value) });
  const volume = new GainNode(context, { gain: 0.25 });
  oscillator.connect(gain);
  gain.connect(bypass.checked ? volume : node);
  node.connect(volume).connect(context.destination);
  oscillator.start();
  live = { context, oscillator, gain, node, volume };
}

try {
  const shaper = await loadWaveshaper();
  await drawCurve(shaper);
  status.textContent = "grey: the soft clipper; blue: what the LSTM learned (rendered through the worklet)";
  play.disabled = false;
  play.onclick = async () => {
    try {
      if (live) {
        await live.context.close();
        live = undefined;
        play.textContent = "Play";
      } else {
        await start(shaper);
        play.textContent = "Stop";
      }
    } catch (e) {
      fail(e);
    }
  };
  drive.oninput = () => live?.gain.gain.setTargetAtTime(Number(drive.value), live.context.currentTime, 0.02);
  pitch.oninput = () => live?.oscillator.frequency.setTargetAtTime(Number(pitch.value), live.context.currentTime, 0.02);
  bypass.onchange = () => {
    if (!live) return;
    live.gain.disconnect();
    live.gain.connect(bypass.checked ? live.volume : live.node);
  };
} catch (e) {
  fail(e);
}
