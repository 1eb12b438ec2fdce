// compiler/time — public surface: the scan over time and its tape.
export { buildStepPair, simplifyPair, type CellGraph, type LossKind, type StepPair, type TensorInfo } from "./scan.js";
export { tapeScan, type TapedScan, type TapeEntry } from "./tape.js";
