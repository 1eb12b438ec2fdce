// compiler/cli — the picture `rnnc flow -o` writes. In: each cell's measured
// norms (and, with --clip, its updates). Out: SVG: ‖∂ℓ_T/∂h_{T−k}‖ against k on
// a log scale, one line per cell, its fitted rate in the legend; with --clip a
// second panel, the raw parameter gradient of each horizon (dashed) and the
// clipped update train_step makes from it.

import { renderPlot, type Panel } from "../plot/svg.js";
import type { CellFlow, FlowSettings } from "../flow/result.js";

export function flowPlot(results: readonly CellFlow[], settings: FlowSettings): string {
  const points = (values: readonly number[]) => values.map((v, k) => [k, v] as const);
  const rate = (r: CellFlow) => (r.fit ? ` (×${r.fit.rate.toFixed(3)}/step)` : "");
  const xLabel = "k: steps before the last step";
  const panels: Panel[] = [{
    title:
      `Gradient flow over time: T = ${settings.steps}, mean of ${settings.batch} sequences, seed ${settings.seed}` +
      (settings.recurrentRadius === null ? "" : `, recurrent radius ${settings.recurrentRadius}`),
    xLabel,
    yLabel: "‖∂ℓ(T) / ∂h(T−k)‖",
    yScale: "log",
    series: results.map((r) => ({ label: `${r.label}${rate(r)}`, points: points(r.norms) })),
  }];
  if (settings.clip !== null) {
    panels.push({
      title: `Update of a training step on the last k+1 steps, global-norm clip ${settings.clip}`,
      xLabel,
      yLabel: "‖∇θ‖ (dashed), clipped update",
      yScale: "log",
      series: results.flatMap((r, group) => [
        { label: `${r.label} ‖∇θ‖`, points: points(r.paramNorms), dashed: true, group },
        { label: `${r.label} update`, points: points(r.updates ?? []), group },
      ]),
    });
  }
  return renderPlot(panels);
}
