// runtime — the script a data-parallel worker runs (dist/runtime/rnnc-worker.js
// in Node's worker_threads, dist/browser/rnnc-worker.js in a browser's module
// Worker). In: one message from the host, the worker's WorkerInit. Out: its
// steps, served through shared memory (parallel-worker.ts). Node's port comes
// from node:worker_threads, reached through process.getBuiltinModule so that
// the browser build carries no Node import.

import { serveShards, type WorkerInit } from "./parallel-worker.js";

interface Port {
  once?(event: "message", listener: (data: WorkerInit) => void): void;
  addEventListener?(event: "message", listener: (e: { data: WorkerInit }) => void, options: { once: boolean }): void;
}

type NodeProcess = { getBuiltinModule?(id: string): unknown };

function hostPort(): Port {
  const proc = (globalThis as { process?: NodeProcess }).process;
  const threads = proc?.getBuiltinModule?.("node:worker_threads") as { parentPort: Port | null } | undefined;
  return threads?.parentPort ?? (globalThis as unknown as Port);
}

const port = hostPort();
// serveShards never returns: the worker then waits in Atomics.wait, takes no more messages and needs none.
if (port.once) port.once("message", (init) => serveShards(init));
else port.addEventListener!("message", (e) => serveShards(e.data), { once: true });
