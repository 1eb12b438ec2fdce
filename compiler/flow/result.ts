// compiler/flow — what one `rnnc flow` run measured: its settings and, per
// cell or model, the gradient norms over horizons with their fitted decay. In:
// nothing (types). Out: the shapes the flow command fills and the plot and
// JSON report read.

import type { DecayFit } from "./fit.js";
import type { FlowMeasurement } from "./measure.js";
import type { Rescaled } from "./radius.js";

export interface FlowSettings {
  readonly steps: number;
  readonly batch: number;
  readonly seed: number;
  /** Gate biases and their values: NAME matches NAME and any prefixed l0.NAME. */
  readonly forgetBias: readonly { readonly name: string; readonly value: number }[];
  readonly recurrentRadius: number | null;
  readonly clip: number | null;
}

export interface CellFlow extends FlowMeasurement {
  readonly file: string;
  readonly name: string;
  /** The name, or name and file where two measured units share a name. */
  readonly label: string;
  readonly params: string | null;
  readonly rescaled: readonly Rescaled[];
  readonly fit: DecayFit | null;
  /** With --clip: per horizon, the norm of train_step's update (learning rate 1). */
  readonly updates: readonly number[] | null;
}
