// bench — the machine a run measured: the CPU model as os.cpus() and lscpu
// name it, with lscpu's family/model numbers and cache sizes where lscpu runs
// (Linux), since one model name ("AMD EPYC") covers several microarchitectures.
// In: nothing. Out: a plain object for the JSON and one line for the report.

import { spawnSync } from "node:child_process";
import { cpus } from "node:os";

/** Our field name → lscpu's. */
const lscpuFields = {
  vendor: "Vendor ID", model: "Model name", family: "CPU family", modelNumber: "Model", stepping: "Stepping",
  l1d: "L1d cache", l2: "L2 cache", l3: "L3 cache", hypervisor: "Hypervisor vendor",
};

function lscpu() {
  const result = spawnSync("lscpu", [], { encoding: "utf8", env: { ...process.env, LC_ALL: "C" } });
  if (result.status !== 0 || !result.stdout) return {};
  const lines = new Map(result.stdout.split("\n").map((l) => l.split(/:\s+/, 2).map((s) => s.trim())));
  const present = Object.entries(lscpuFields).filter(([, key]) => lines.get(key));
  return Object.fromEntries(present.map(([field, key]) => [field, lines.get(key)]));
}

/** { model, cores, lscpu: {...} } of this machine. */
export function describeCpu() {
  return { model: cpus()[0]?.model ?? "unknown CPU", cores: cpus().length, lscpu: lscpu() };
}

/** "AMD EPYC (family 26, model 2; L2 2 MiB (2 instances)), 2 cores" */
export function cpuLine({ model, cores, lscpu: l }) {
  const numbers = l.family ? `family ${l.family}, model ${l.modelNumber}` : "";
  const details = [numbers, l.l2 ? `L2 ${l.l2}` : ""].filter(Boolean).join("; ");
  return `${model}${details ? ` (${details})` : ""}, ${cores} cores`;
}
