// playground — the live loss plot. In: loss points as the trainer posts them.
// Out: a canvas redrawn once per animation frame (log-scale loss against
// step), and the numbers a reader or a test wants as data attributes:
// data-first-loss, data-last-loss, data-points.

import type { LossPoint } from "./protocol.js";

export class LossPlot {
  private points: LossPoint[] = [];
  private total = 1;
  private pending = false;

  constructor(private readonly canvas: HTMLCanvasElement) {
    this.draw();
  }

  /** Starts a new run of `iterations` steps. */
  reset(iterations: number): void {
    this.points = [];
    this.total = iterations;
    this.publish();
    this.schedule();
  }

  add(points: readonly LossPoint[]): void {
    this.points.push(...points);
    this.publish();
    this.schedule();
  }

  get first(): LossPoint | undefined {
    return this.points[0];
  }

  get last(): LossPoint | undefined {
    return this.points.at(-1);
  }

  private publish(): void {
    const { dataset } = this.canvas;
    dataset["points"] = String(this.points.length);
    dataset["firstLoss"] = this.first ? String(this.first.loss) : "";
    dataset["lastLoss"] = this.last ? String(this.last.loss) : "";
  }

  private schedule(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
    });
  }

  private draw(): void {
    const ratio = window.devicePixelRatio || 1;
    const width = this.canvas.clientWidth || 480;
    const height = this.canvas.clientHeight || 200;
    this.canvas.width = Math.round(width * ratio);
    this.canvas.height = Math.round(height * ratio);
    const g = this.canvas.getContext("2d");
    if (!g) return;
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, width, height);
    const pad = { left: 56, right: 12, top: 10, bottom: 24 };
    const w = width - pad.left - pad.right;
    const h = height - pad.top - pad.bottom;
    g.strokeStyle = "#999";
    g.strokeRect(pad.left, pad.top, w, h);
    g.fillStyle = "#555";
    g.font = "11px system-ui, sans-serif";
    const losses = this.points.map((p) => p.loss).filter((l) => l > 0);
    if (losses.length === 0) {
      g.fillText("the loss of each train_step appears here", pad.left + 8, pad.top + h / 2);
      return;
    }
    // Decades that hold every loss: a falling loss reads as a straight-ish line.
    const top = Math.ceil(Math.log10(Math.max(...losses)));
    const bottom = Math.min(top - 1, Math.floor(Math.log10(Math.min(...losses))));
    const x = (iteration: number) => pad.left + (w * iteration) / this.total;
    const y = (loss: number) => pad.top + (h * (top - Math.log10(loss))) / (top - bottom);
    g.textAlign = "right";
    for (let decade = bottom; decade <= top; decade++) {
      g.fillText(`1e${decade}`, pad.left - 6, y(10 ** decade) + 4);
      g.strokeStyle = "#eee";
      g.beginPath();
      g.moveTo(pad.left, y(10 ** decade));
      g.lineTo(pad.left + w, y(10 ** decade));
      g.stroke();
    }
    g.textAlign = "right";
    g.fillText(`step ${this.total}`, pad.left + w, height - 6);
    g.textAlign = "left";
    g.fillText("0", pad.left, height - 6);
    g.strokeStyle = "#2a6fdb";
    g.lineWidth = 1.5;
    g.beginPath();
    this.points.forEach((p, i) => {
      if (!(p.loss > 0)) return;
      if (i === 0) g.moveTo(x(p.iteration), y(p.loss));
      else g.lineTo(x(p.iteration), y(p.loss));
    });
    g.stroke();
  }
}
