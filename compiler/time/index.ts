// compiler/time — public surface: scans over time, their tape, and programs of scans.
export {
  buildStepPair, simplifyPair, lossKinds, lossAtLastStep, portOutput, targetsAreClasses,
  type CellGraph, type LossKind, type Port, type StepFn, type StepOutput, type StepPair, type TensorInfo,
} from "./scan.js";
export { tapeScan, type TapedScan, type TapeEntry } from "./tape.js";
export {
  cellProgram, mapScans, readersOf, scansOf, type Program, type ScanStage, type Sequence, type Stage,
} from "./program.js";
export {
  embeddingGraph, modelOutput, modelProgram, readoutGraph, type ModelLayer, type ModelInput, type Activation,
} from "./model.js";
