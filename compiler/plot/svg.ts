// compiler/plot — line plots as standalone SVG text, for `rnnc flow` and
// `rnnc plot`. In: panels of named series of (x, y) points, each panel with a
// linear or logarithmic y axis. Out: one SVG document, panels stacked, with
// axes, ticks, axis labels and a legend per panel; every series one <path
// class="series">, its legend entry a <text class="legend-label">.
// Written here rather than with a charting library: a few hundred lines,
// no dependency shipped to users, and the same bytes on every run.

export interface Series {
  readonly label: string;
  readonly points: readonly (readonly [number, number])[];
  readonly dashed?: boolean;
  /** A dot at every point (for short series such as epochs). */
  readonly markers?: boolean;
  /** Series of one group share a colour (default: each its own). */
  readonly group?: number;
}

export interface Panel {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly yScale: "linear" | "log";
  readonly series: readonly Series[];
}

const palette = [
  "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
];
const width = 760;
const panelHeight = 380;
const margin = { left: 78, right: 190, top: 36, bottom: 54 };

export function renderPlot(panels: readonly Panel[]): string {
  const height = panels.length * panelHeight;
  const body = panels.map((panel, i) => renderPanel(panel, i * panelHeight)).join("\n");
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    body,
    `</svg>`,
    "",
  ].join("\n");
}

/** Only points a scale can place: finite, and positive on a log scale. */
function placeable(panel: Panel, [x, y]: readonly [number, number]): boolean {
  return Number.isFinite(x) && Number.isFinite(y) && (panel.yScale === "linear" || y > 0);
}

function renderPanel(panel: Panel, top: number): string {
  const plot = {
    x0: margin.left, x1: width - margin.right, y0: top + margin.top, y1: top + panelHeight - margin.bottom,
  };
  const points = panel.series.flatMap((s) => s.points.filter((p) => placeable(panel, p)));
  const xAxis = linearAxis(points.map((p) => p[0]));
  const yAxis = panel.yScale === "log" ? logAxis(points.map((p) => p[1])) : linearAxis(points.map((p) => p[1]));
  const px = (x: number) => plot.x0 + ((x - xAxis.min) / (xAxis.max - xAxis.min)) * (plot.x1 - plot.x0);
  const [yLow, yHigh] = [yAxis.map(yAxis.min), yAxis.map(yAxis.max)];
  const py = (y: number) => plot.y1 - ((yAxis.map(y) - yLow) / (yHigh - yLow)) * (plot.y1 - plot.y0);
  const [xMid, yMid] = [(plot.x0 + plot.x1) / 2, (plot.y0 + plot.y1) / 2];
  const out: string[] = [`<g class="panel">`];
  out.push(element("text", { x: xMid, y: top + 22, "text-anchor": "middle", "font-size": 14 }, escapeXml(panel.title)));
  for (const tick of yAxis.ticks) {
    const y = fixed(py(tick.value));
    out.push(element("line", { x1: plot.x0, y1: y, x2: plot.x1, y2: y, stroke: "#e6e6e6" }));
    out.push(element("text", { x: plot.x0 - 6, y, "text-anchor": "end", "dominant-baseline": "middle" }, tick.label));
  }
  for (const tick of xAxis.ticks) {
    const x = fixed(px(tick.value));
    out.push(element("line", { x1: x, y1: plot.y1, x2: x, y2: plot.y1 + 5, stroke: "#333" }));
    out.push(element("text", { x, y: plot.y1 + 18, "text-anchor": "middle" }, tick.label));
  }
  const frame = { x: plot.x0, y: plot.y0, width: plot.x1 - plot.x0, height: plot.y1 - plot.y0 };
  out.push(element("rect", { ...frame, fill: "none", stroke: "#333" }));
  out.push(element("text", { x: xMid, y: plot.y1 + 40, "text-anchor": "middle" }, escapeXml(panel.xLabel)));
  const yLabelAt = { x: plot.x0 - 58, y: yMid };
  const turned = { ...yLabelAt, "text-anchor": "middle", transform: `rotate(-90 ${yLabelAt.x} ${yLabelAt.y})` };
  out.push(element("text", turned, escapeXml(panel.yLabel)));
  panel.series.forEach((series, i) => {
    const stroke = palette[(series.group ?? i) % palette.length]!;
    const line = { stroke, "stroke-width": 1.8, ...(series.dashed ? { "stroke-dasharray": "6 4" } : {}) };
    const d = pathData(panel, series, px, py);
    out.push(element("path", { class: "series", "data-label": series.label, d, fill: "none", ...line }));
    if (series.markers) {
      for (const p of series.points.filter((q) => placeable(panel, q))) {
        out.push(element("circle", { class: "marker", cx: fixed(px(p[0])), cy: fixed(py(p[1])), r: 3, fill: stroke }));
      }
    }
    const ly = plot.y0 + 12 + i * 20;
    out.push(element("line", { x1: plot.x1 + 14, y1: ly, x2: plot.x1 + 40, y2: ly, ...line }));
    const at = { x: plot.x1 + 46, y: ly, "dominant-baseline": "middle" };
    out.push(element("text", { class: "legend-label", ...at }, escapeXml(series.label)));
  });
  out.push(`</g>`);
  return out.join("\n");
}

/** One element; attribute values are escaped, content is markup the caller escaped. */
function element(tag: string, attributes: Readonly<Record<string, string | number>>, content?: string): string {
  const attrs = Object.entries(attributes).map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`).join("");
  return content === undefined ? `<${tag}${attrs}/>` : `<${tag}${attrs}>${content}</${tag}>`;
}

/** M/L path data; a point a scale cannot place (0 on a log scale, NaN) breaks the line. */
function pathData(panel: Panel, series: Series, px: (x: number) => number, py: (y: number) => number): string {
  const parts: string[] = [];
  let pen = "M";
  for (const p of series.points) {
    if (!placeable(panel, p)) {
      pen = "M";
      continue;
    }
    parts.push(`${pen}${fixed(px(p[0]))} ${fixed(py(p[1]))}`);
    pen = "L";
  }
  return parts.join(" ");
}

interface Axis {
  readonly min: number;
  readonly max: number;
  readonly map: (v: number) => number;
  readonly ticks: readonly { value: number; label: string }[];
}

/** A range widened to round numbers, with ticks 1, 2 or 5 × 10ⁿ apart. */
export function linearAxis(values: readonly number[]): Axis {
  let lo = values.length > 0 ? smallest(values) : 0;
  let hi = values.length > 0 ? largest(values) : 1;
  if (lo === hi) [lo, hi] = lo === 0 ? [-1, 1] : [lo - Math.abs(lo) / 10, hi + Math.abs(hi) / 10];
  const raw = (hi - lo) / 6;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw)!;
  const min = Math.floor(lo / step + 1e-9) * step;
  const max = Math.ceil(hi / step - 1e-9) * step;
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const ticks = [];
  for (let v = min; v <= max + step / 2; v += step) {
    ticks.push({ value: v, label: (Math.abs(v) < step / 1e6 ? 0 : v).toFixed(decimals) }); // no "-0.0"
  }
  return { min, max, map: (v) => v, ticks };
}

/** Whole decades around the values; at most about eight labelled. */
export function logAxis(values: readonly number[]): Axis {
  let lo = values.length > 0 ? Math.floor(Math.log10(smallest(values))) : 0;
  let hi = values.length > 0 ? Math.ceil(Math.log10(largest(values))) : 1;
  if (lo === hi) [lo, hi] = [lo - 1, hi + 1];
  const stride = Math.ceil((hi - lo) / 8);
  hi = lo + Math.ceil((hi - lo) / stride) * stride; // the top of the axis is a labelled decade
  const ticks = [];
  for (let e = lo; e <= hi; e += stride) {
    ticks.push({ value: 10 ** e, label: `10${element("tspan", { dy: -6, "font-size": 9 }, String(e))}` });
  }
  return { min: 10 ** lo, max: 10 ** hi, map: Math.log10, ticks };
}

// Math.min(...values) would overflow the stack on long series.
const smallest = (values: readonly number[]) => values.reduce((a, b) => Math.min(a, b), Infinity);
const largest = (values: readonly number[]) => values.reduce((a, b) => Math.max(a, b), -Infinity);

function fixed(v: number): string {
  return String(Math.round(v * 100) / 100);
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
