// bench/peers — native PyTorch, in a child process (pytorch.py) that the
// bench talks to in JSON lines. In: a shape and the shared data. Out: the
// child's description (torch version, threads, BLAS) or a note why there is
// none, and forward and training runners like the other peers'.
//
// The child runs python3 with torch on one thread, with OpenBLAS' pthread
// build (Debian's libopenblas0-pthread) first on LD_LIBRARY_PATH where it is
// installed. It times its own calls (time.perf_counter around n back-to-back
// calls), so the pipe's round trip is not in its samples; while it runs, this
// process waits on the pipe, so the two never compete for a core.
//
// Layout: the child takes the gates stacked as [G·H, I], [G·H, H], [G·H] in
// rnnc's order (i, f, g, o; z, r, h), which is nn.LSTM's, and rnnc's GRU
// convention h' = (1 − z)·h + z·n (pytorch.py's header says why the GRU is
// not nn.GRU).

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { gatesOf, stack, unstack } from "../weights.js";

const script = new URL("./pytorch.py", import.meta.url).pathname;

/** Interpreters to try: $RNNC_BENCH_PYTHON alone where set, else the system's python3 (Debian's torch), then PATH's. */
const pythons = process.env.RNNC_BENCH_PYTHON ? [process.env.RNNC_BENCH_PYTHON] : ["/usr/bin/python3", "python3"];

const multiarch = { x64: "x86_64-linux-gnu", arm64: "aarch64-linux-gnu" }[process.arch];
/** Where Debian's libopenblas0-pthread puts its libblas.so.3, if it is installed. */
export const openblasDir = multiarch && [`/usr/lib/${multiarch}/openblas-pthread`].find((d) => existsSync(d));

function childEnv() {
  const env = { ...process.env, OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1" };
  if (openblasDir) env.LD_LIBRARY_PATH = [openblasDir, process.env.LD_LIBRARY_PATH].filter(Boolean).join(":");
  return env;
}

/** A started child: request(message) resolves to its reply; one request at a time, in order. */
function startChild(python) {
  const child = spawn(python, [script], { env: childEnv(), stdio: ["pipe", "pipe", "pipe"] });
  const replies = [];
  let waiting;
  let stderr = "";
  let ended;
  const exited = new Promise((resolve) => child.on("close", (code) => resolve(code)));
  child.on("error", (error) => { ended = `${python}: ${error.message}`; waiting?.reject(new Error(ended)); });
  child.stderr.on("data", (chunk) => { stderr = (stderr + chunk).slice(-2000); });
  createInterface({ input: child.stdout }).on("line", (line) => {
    const message = JSON.parse(line);
    if (waiting) { const w = waiting; waiting = undefined; w.resolve(message); } else replies.push(message);
  });
  exited.then((code) => {
    ended ??= `${python} ${script} exited with ${code}: ${stderr.trim().split("\n").pop() ?? ""}`;
    waiting?.reject(new Error(ended));
  });
  const next = () => new Promise((resolve, reject) => {
    if (replies.length > 0) resolve(replies.shift());
    else if (ended) reject(new Error(ended));
    else waiting = { resolve, reject };
  });
  let queue = Promise.resolve();
  const request = (message) => {
    const result = queue.then(() => {
      child.stdin.write(`${JSON.stringify(message)}\n`);
      return next();
    }).then((reply) => {
      if (reply.error) throw new Error(`PyTorch: ${reply.error}`);
      return reply;
    });
    queue = result.catch(() => {});
    return result;
  };
  const close = () => { child.stdin.end(); return exited; };
  return { next, request, close, kill: () => child.kill() };
}

/**
 * Starts the child with the first interpreter that imports torch; resolves to
 * { request, close, describe } (describe: versions, threads, BLAS, LD_LIBRARY_PATH)
 * or { note } saying why there is no PyTorch peer.
 */
export async function loadPytorch() {
  const reasons = [];
  for (const python of pythons) {
    const child = startChild(python);
    let hello;
    try {
      hello = await child.next();
    } catch (error) {
      reasons.push(error.message.split("\n")[0]);
      continue;
    }
    if (hello.ready) {
      const { torch, python: version, threads, blas } = hello;
      return { ...child, describe: { interpreter: python, torch, python: version, threads, blas, openblasDir } };
    }
    await child.close();
    reasons.push(`${python}: ${hello.absent}`);
  }
  return { note: `PyTorch: no python3 here imports torch (${reasons.join("; ")})` };
}

/** One line for the report: torch's version, threads and the BLAS library it has mapped. */
export function describePytorch({ torch, threads, blas }) {
  const o = blas.openblas;
  const name = o && !o.config.startsWith("OpenBLAS") ? "OpenBLAS " : "";
  const openblas = o && `${name}${o.config} (core ${o.core}, ${o.threads} thread)`;
  const mapped = blas.libblas ? `libblas.so.3 = ${blas.libblas}` : `no libblas.so.3 mapped (${blas.build})`;
  const library = openblas || mapped;
  return `PyTorch ${torch}, ${threads} thread, ${library}`;
}

const f32ToBase64 = (a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64");

function base64ToF32(text) {
  const bytes = Buffer.from(text, "base64");
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}

const stackedNames = ["W", "U", "b"];

function stackedParams(shape, params) {
  return Object.fromEntries(stackedNames.map((p) => [p, f32ToBase64(stack(params, p, gatesOf[shape.cell]))]));
}

let runnerIds = 0;

async function create(torch, work, shape, data) {
  const runner = ++runnerIds;
  const { cell, I, H, B, T } = shape;
  await torch.request({
    op: "create", runner, work, cell, shape: { I, H, B, T },
    params: stackedParams(shape, data.params), x: f32ToBase64(data.x), target: f32ToBase64(data.target),
  });
  return {
    name: "PyTorch",
    sync: false,
    run: () => torch.request({ op: "run", runner, n: 1 }),
    /** Milliseconds per call of n back-to-back calls, as the child timed them. */
    timeCalls: async (n) => (await torch.request({ op: "run", runner, n })).ms,
    dispose: () => torch.request({ op: "dispose", runner }),
    request: (message) => torch.request({ ...message, runner }),
  };
}

export async function pytorchForward(torch, shape, data) {
  const { request, ...runner } = await create(torch, "forward", shape, data);
  return { ...runner, output: async () => base64ToF32((await request({ op: "output" })).h) };
}

export async function pytorchTrain(torch, shape, data) {
  const { request, ...runner } = await create(torch, "train", shape, data);
  const order = gatesOf[shape.cell];
  return {
    ...runner,
    setLearningRate: (lr) => request({ op: "lr", lr }),
    load: (params) => request({ op: "load", params: stackedParams(shape, params) }),
    params: async () => {
      const stacked = (await request({ op: "params" })).params;
      return Object.assign({}, ...stackedNames.map((p) => unstack(base64ToF32(stacked[p]), p, order)));
    },
  };
}
