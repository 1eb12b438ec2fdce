// playground — the page: wires the editor, the buttons and the two workers.
// In: what the user types and clicks. Out: live diagnostics (a check
// debounced after each edit), the compiled module's ABI and size, gradcheck
// reports, a training run's loss plot, and the .wasm to download. All the
// compiler's work happens in the compiler worker, training in the trainer
// worker, so typing never waits for either.

import type { Diagnostic, Optimizer } from "../../../compiler/api.js";
import { presets } from "rnnc-playground:presets";
import { defaultDims, parseDims } from "./dims.js";
import { Editor } from "./editor.js";
import { LossPlot } from "./plot.js";
import {
  gradcheckOptions, optimizers,
  type CompilerReply, type CompilerRequest, type Failure, type Source, type TrainReply, type TrainRequest,
} from "./protocol.js";
import { compileReport, gradcheckReport } from "./reports.js";
import { tasks, type TaskName } from "./task.js";

/** Waits this long after the last keystroke before checking: a check is cheap, but not per keystroke. */
const checkDelayMs = 250;

/** A new element with a class and its text. */
function make(tag: "li" | "p" | "div", className: string, text: string): HTMLElement {
  return Object.assign(document.createElement(tag), { className, textContent: text });
}

function byId<T extends HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the page has no #${id}`);
  return node as T;
}

const presetSelect = byId<HTMLSelectElement>("preset");
const cellInput = byId<HTMLInputElement>("cell");
const dimsInput = byId<HTMLInputElement>("dims");
const compileButton = byId<HTMLButtonElement>("compile");
const gradcheckButton = byId<HTMLButtonElement>("gradcheck");
const downloadButton = byId<HTMLButtonElement>("download");
const trainButton = byId<HTMLButtonElement>("train");
const taskSelect = byId<HTMLSelectElement>("task");
const optimizerSelect = byId<HTMLSelectElement>("optimizer");
const rateInput = byId<HTMLInputElement>("learning-rate");
const iterationsInput = byId<HTMLInputElement>("iterations");
const status = byId<HTMLElement>("status");
const diagnosticsList = byId<HTMLUListElement>("diagnostics");
const output = byId<HTMLElement>("output");
const trainStatus = byId<HTMLElement>("train-status");
const editor = new Editor(byId("editor"), () => {
  // What the module panel shows was built from an earlier text.
  output.classList.add("stale");
  scheduleCheck();
});
const plot = new LossPlot(byId<HTMLCanvasElement>("loss-plot"));

// ---- the compiler worker: one request at a time, answered in order ----

const compiler = new Worker(new URL("./compiler-worker.js", import.meta.url), { type: "module" });
const waiting = new Map<number, (reply: CompilerReply) => void>();
let nextId = 1;
let ready = false;

/** A request before it is numbered (Omit over each member of the union, not the union as one). */
type Unnumbered<T> = T extends unknown ? Omit<T, "id"> : never;

function ask(request: Unnumbered<CompilerRequest>): Promise<CompilerReply> {
  const id = nextId++;
  compiler.postMessage({ ...request, id } as CompilerRequest);
  return new Promise((resolve) => waiting.set(id, resolve));
}

compiler.onmessage = (event: MessageEvent<CompilerReply>) => {
  const reply = event.data;
  if (reply.kind === "ready") {
    ready = true;
    const ms = performance.now().toFixed(0);
    status.textContent = `compiler ready: ts-morph and Binaryen loaded ${ms} ms after the page started`;
    for (const button of [compileButton, gradcheckButton, trainButton]) button.disabled = false;
    scheduleCheck(0);
    return;
  }
  if (reply.kind === "warm") {
    status.textContent += `, warmed up by one compile (${reply.ms.toFixed(0)} ms)`;
    return;
  }
  waiting.get(reply.id)?.(reply);
  waiting.delete(reply.id);
};
compiler.onerror = (event) => {
  status.textContent = `the compiler worker failed to load: ${event.message}`;
  status.dataset["state"] = "failed";
};

// ---- the source as the user gave it ----

function currentSource(): Source | string {
  const dims = parseDims(dimsInput.value);
  if ("error" in dims) return dims.error;
  const file = presetSelect.value;
  return { file, text: editor.text, cell: cellInput.value.trim() || undefined, dims: dims.dims };
}

function importedTexts(text: string): string[] {
  const files = [...text.matchAll(/from "\.\/([\w-]+)\.js"/g)].map((m) => `examples/${m[1]}.ts`);
  return presets.filter((p) => files.includes(p.file)).map((p) => p.text);
}

function loadPreset(file: string): void {
  const preset = presets.find((p) => p.file === file) ?? presets[0]!;
  editor.text = preset.text;
  output.classList.add("stale");
  const exported = [...preset.text.matchAll(/^export const (\w+) =/gm)].map((m) => m[1]!);
  // A file with several cells needs one named, as rnnc's --cell does.
  cellInput.value = exported.length > 1 ? exported[0]! : "";
  dimsInput.value = defaultDims([preset.text, ...importedTexts(preset.text)]);
  scheduleCheck(0);
}

// ---- live diagnostics ----

let checkTimer: ReturnType<typeof setTimeout> | undefined;
let latestCheck = 0;

function scheduleCheck(delay = checkDelayMs): void {
  diagnosticsList.dataset["state"] = "pending";
  clearTimeout(checkTimer);
  checkTimer = setTimeout(() => void check(), delay);
}

async function check(): Promise<void> {
  if (!ready) return;
  const source = currentSource();
  if (typeof source === "string") return showProblems({ kind: "build", message: source });
  const mine = ++latestCheck;
  const reply = await ask({ kind: "check", source });
  if (mine !== latestCheck) return; // the user typed on: a newer check is on its way
  if (reply.kind === "checked") {
    const { checked } = reply;
    const dims = Object.entries(checked.dims).map(([k, v]) => `${k}=${v}`).join(",");
    const what = `${checked.kind} '${checked.name}'${dims ? ` with ${dims}` : ""}`;
    showProblems(undefined, `no errors: ${what} (checked in ${reply.ms.toFixed(0)} ms)`);
  } else if (reply.kind === "failed") showProblems(reply.failure);
}

function showProblems(failure: Failure | undefined, okText = ""): void {
  const diagnostics: readonly Diagnostic[] = failure?.kind === "diagnostics" ? failure.diagnostics : [];
  editor.show(diagnostics);
  diagnosticsList.dataset["state"] = failure ? "errors" : "ok";
  if (!failure) {
    diagnosticsList.replaceChildren(make("li", "ok", okText));
    return;
  }
  if (failure.kind !== "diagnostics") {
    const prefix = failure.kind === "internal" ? "internal compiler error (please report it): " : "";
    diagnosticsList.replaceChildren(make("li", "problem", prefix + failure.message));
    return;
  }
  diagnosticsList.replaceChildren(...diagnostics.map((d) => {
    const item = document.createElement("li");
    item.className = "diagnostic";
    Object.assign(item.dataset, { code: d.code, line: String(d.line), column: String(d.column) });
    const where = d.line > 0 ? `line ${d.line}, column ${d.column}` : "the file";
    item.append(Object.assign(document.createElement("code"), { textContent: d.code }), ` ${where}: ${d.message}`);
    if (d.hint !== undefined) item.append(make("div", "hint", `hint: ${d.hint}`));
    if (d.line > 0) {
      item.tabIndex = 0;
      item.title = "move the cursor there";
      const go = () => editor.moveTo(d.line, d.column);
      item.addEventListener("click", go);
      item.addEventListener("keydown", (e) => e.key === "Enter" && go());
    }
    return item;
  }));
}

// ---- compile, gradcheck, download ----

let built: { binary: Uint8Array; name: string } | undefined;
let firstCompileMs: number | undefined;

/** Rates that train the presets on the default task in a few hundred steps (SGD's loss sums ~3000 values). */
const defaultRates = { adam: "0.01", sgd: "0.001" } as const;

function optimizer(): Optimizer {
  return optimizerSelect.value === "sgd" ? optimizers.sgd : optimizers.adam;
}

function busy(what: string): void {
  output.classList.remove("stale");
  output.dataset["state"] = "busy";
  output.replaceChildren(make("p", "", what));
}

function failed(failure: Failure): void {
  output.dataset["state"] = "failed";
  showProblems(failure);
  const count = failure.kind === "diagnostics" ? failure.diagnostics.length : 0;
  const errors = `${count} error${count === 1 ? "" : "s"}: see the diagnostics`;
  const text = failure.kind === "diagnostics" ? errors : failure.message;
  output.replaceChildren(make("p", "fail", `failed: ${text}`));
}

async function compile(): Promise<Uint8Array | undefined> {
  const source = currentSource();
  if (typeof source === "string") {
    failed({ kind: "build", message: source });
    return undefined;
  }
  busy("compiling…");
  const reply = await ask({ kind: "compile", source, optimizer: optimizer() });
  if (reply.kind === "failed") {
    failed(reply.failure);
    return undefined;
  }
  if (reply.kind !== "compiled") return undefined;
  if (firstCompileMs === undefined) {
    firstCompileMs = performance.now();
    byId("timing").textContent = `first compile done ${firstCompileMs.toFixed(0)} ms after the page started loading`;
    byId("timing").dataset["firstCompileMs"] = firstCompileMs.toFixed(0);
  }
  built = { binary: reply.binary, name: reply.abi.name ?? "module" };
  downloadButton.disabled = false;
  output.dataset["state"] = "compiled";
  output.replaceChildren(compileReport(reply.abi, reply.binary.length, reply.ms));
  return reply.binary;
}

async function runGradcheck(): Promise<void> {
  const source = currentSource();
  if (typeof source === "string") return failed({ kind: "build", message: source });
  busy("compiling in f64 and comparing every gradient with finite differences…");
  const reply = await ask({ kind: "gradcheck", source });
  if (reply.kind === "failed") return failed(reply.failure);
  if (reply.kind !== "gradchecked") return;
  output.dataset["state"] = "gradchecked";
  output.replaceChildren(gradcheckReport(reply.report, gradcheckOptions.tolerance, reply.bytes, reply.ms));
}

function download(): void {
  if (!built) return;
  const url = URL.createObjectURL(new Blob([built.binary as BlobPart], { type: "application/wasm" }));
  const link = Object.assign(document.createElement("a"), { href: url, download: `${built.name}.wasm` });
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// ---- training ----

let trainer: Worker | undefined;

function stopTraining(state: "done" | "stopped" | "failed", text: string): void {
  trainer?.terminate();
  trainer = undefined;
  trainButton.textContent = "Train";
  trainStatus.dataset["state"] = state;
  trainStatus.textContent = text;
}

function lossText(): string {
  const first = plot.first;
  const last = plot.last;
  if (!first || !last) return "";
  return `step ${last.iteration}: loss ${last.loss.toPrecision(4)} (first ${first.loss.toPrecision(4)})`;
}

async function train(): Promise<void> {
  if (trainer) return stopTraining("stopped", `stopped at ${lossText()}`);
  const iterations = Number(iterationsInput.value);
  const learningRate = Number(rateInput.value);
  if (!Number.isInteger(iterations) || iterations < 1) {
    return stopTraining("failed", `steps: expected a positive integer, got "${iterationsInput.value}"`);
  }
  if (!(learningRate > 0)) {
    return stopTraining("failed", `learning rate: expected a positive number, got "${rateInput.value}"`);
  }
  trainStatus.dataset["state"] = "compiling";
  trainStatus.textContent = "compiling with train_step…";
  trainButton.disabled = true;
  const binary = await compile();
  trainButton.disabled = false;
  if (!binary) return stopTraining("failed", "the cell did not compile");
  const request: TrainRequest = {
    binary: binary.slice(), task: taskSelect.value as TaskName, batch: 16, steps: 24,
    iterations, learningRate, clipNorm: 5, seed: 1,
  };
  plot.reset(iterations);
  trainer = new Worker(new URL("./trainer-worker.js", import.meta.url), { type: "module" });
  trainButton.textContent = "Stop";
  trainStatus.dataset["state"] = "running";
  trainer.onmessage = (event: MessageEvent<TrainReply>) => {
    const reply = event.data;
    if (reply.kind === "progress") {
      plot.add(reply.points);
      trainStatus.textContent = lossText();
    } else if (reply.kind === "done") {
      stopTraining("done", `${lossText()}, ${iterations} steps in ${reply.ms.toFixed(0)} ms`);
    } else stopTraining("failed", `training failed: ${reply.message}`);
  };
  trainer.onerror = (event) => stopTraining("failed", `the trainer worker failed: ${event.message}`);
  trainer.postMessage(request, [request.binary.buffer]);
}

// ---- wiring ----

for (const preset of presets) presetSelect.add(new Option(preset.file.replace(/^examples\//, ""), preset.file));
for (const [name, description] of Object.entries(tasks)) taskSelect.add(new Option(description, name));
presetSelect.value = presets.find((p) => p.file === "examples/elman.ts")?.file ?? presets[0]!.file;
presetSelect.addEventListener("change", () => loadPreset(presetSelect.value));
optimizerSelect.addEventListener("change", () => {
  rateInput.value = defaultRates[optimizerSelect.value === "sgd" ? "sgd" : "adam"];
});
for (const input of [cellInput, dimsInput]) input.addEventListener("input", () => scheduleCheck());
compileButton.addEventListener("click", () => void compile());
gradcheckButton.addEventListener("click", () => void runGradcheck());
downloadButton.addEventListener("click", download);
trainButton.addEventListener("click", () => void train());
document.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && ready) void compile();
});
loadPreset(presetSelect.value);
