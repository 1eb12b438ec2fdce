// Types of train.js (plain JavaScript, which `node` runs as it is), for the TypeScript specs.
import type { RnncModel } from "rnnc/runtime";
import type { TaskSequence } from "./tasks.js";

export type Task = "adding" | "copy";
export interface CellChoice {
  file: string;
  name: string;
  forgetBias: string[];
}
export interface Budget {
  updates: number;
  batch: number;
  hidden: number;
  lr: number;
  clip: number;
  evalEvery: number;
  testSize: number;
  seed: number;
}
export interface Evaluation {
  updates: number;
  score: number;
}
export interface RunResult {
  task: Task;
  steps: number;
  cell: string;
  file: string;
  solved: boolean;
  updates: number;
  score: number;
  baseline: number;
  target: number;
  seconds: number;
  cpuSeconds: number;
  /** The held-out score before training (updates 0) and after every evaluation. */
  curve: Evaluation[];
}

export const scoring: Record<
  Task,
  { what: string; better: (a: number, b: number) => boolean; target: (baseline: number) => number }
>;
export function cellChoice(file: string, name?: string, forgetBias?: string[]): CellChoice;
export function readerModel(cell: CellChoice, size: string): { file: string; text: string };
/** Writes sequences of one length into the module, time-major; returns the call size. */
export function feed(model: RnncModel, task: Task, batch: TaskSequence[]): { batch: number; steps: number };
export function evaluate(model: RnncModel, task: Task, test: TaskSequence[]): number;
export function baseline(task: Task, test: TaskSequence[], train: TaskSequence[]): number;
export function cpuSince(from: NodeJS.CpuUsage): number;
export function trainOnTask(cell: CellChoice, task: Task, steps: number, budget: Budget): RunResult;
