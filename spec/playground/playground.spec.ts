// spec/playground — the playground in headless Chromium, against the compiler
// in Node. `npm run playground`'s server (examples/playground/serve.js) builds
// the bundle once for this file and serves it; the page then compiles, checks,
// gradchecks and trains in its workers, and every number it shows must be the
// one compileCell and gradcheck give in Node for the same text. Skipped with
// a note without /usr/bin/chromium, except under CI, where it fails.

import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type Page } from "playwright-core";
import {
  checkCell, compileCell, DiagnosticError, gradcheck, instantiate, type CompileOptions,
} from "../../compiler/api.js";

const chromiumPath = "/usr/bin/chromium";
const haveChromium = existsSync(chromiumPath);
if (!haveChromium && !process.env["CI"]) {
  console.log(`spec/playground: skipped, no Chromium at ${chromiumPath} (apt-get install chromium to run it)`);
}

/** A cell none of the presets is: a learned per-unit leak between the old state and a candidate. */
const leakyCell = `import { cell, sigmoid, tanh } from "rnnc";

export const leaky = cell({
  input: { x: "I" },
  state: { h: "H" },
  params: { W: ["H", "I"], U: ["H", "H"], b: ["H"], a: ["H"] },
  step: ({ x, h, W, U, b, a }) => {
    const keep = sigmoid(a);
    return { h: keep * h + (1 - keep) * tanh(W * x + U * h + b) };
  },
});
`;
/** The same cell with the input and the state swapped in one product: W is [H, I], h has H elements. */
const brokenCell = leakyCell.replace("tanh(W * x + U * h + b)", "tanh(W * h + U * h + b)");
const dims = { I: 3, H: 5 };
const dimsText = "I=3,H=5";

/** What the page says it compiles with: the same options in Node must give the same module. */
const pageBuild: Omit<CompileOptions, "file" | "text" | "dims"> = {
  capacity: { batch: 16, steps: 32 }, loss: "mse", dtype: "f32", simd: true,
  train: { kind: "adam", beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
};

describe.skipIf(!haveChromium && !process.env["CI"])("the playground in Chromium", () => {
  let server: ChildProcessWithoutNullStreams | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const pageErrors: string[] = [];
  let readyMs = 0;

  beforeAll(async () => {
    if (!haveChromium) {
      throw new Error(`chromium must be installed at ${chromiumPath} for spec/playground (apt-get install chromium)`);
    }
    const serve = fileURLToPath(new URL("../../examples/playground/serve.js", import.meta.url));
    server = spawn(process.execPath, [serve, "--port", "0", "--until-stdin-closes"]);
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      let err = "";
      server!.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const found = /http:\/\/127\.0\.0\.1:\d+\//.exec(out);
        if (found) resolve(found[0]);
      });
      server!.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
      server!.on("exit", (code) => reject(new Error(`serve.js exited with ${code} before serving:\n${out}${err}`)));
    });
    const args = ["--headless", "--no-sandbox", "--disable-gpu"];
    browser = await chromium.launch({ executablePath: chromiumPath, args });
    page = await browser.newPage({ acceptDownloads: true });
    page.on("pageerror", (e) => pageErrors.push(e.message));
    const started = Date.now();
    await page.goto(url);
    await page.waitForSelector("#compile:not([disabled])", { timeout: 60_000 });
    readyMs = Date.now() - started;
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    server?.stdin.end();
    server?.kill();
  });

  async function enter(text: string): Promise<void> {
    await page.fill("#dims", dimsText);
    // All but the last line at once, the rest key by key, as a user types it.
    const cut = text.lastIndexOf("}");
    await page.fill("#source", text.slice(0, cut));
    await page.locator("#source").press("End");
    await page.keyboard.type(text.slice(cut));
    expect(await page.inputValue("#source")).toBe(text);
  }

  it("compiles a typed cell to the module compileCell builds in Node, and downloads it", async () => {
    await enter(leakyCell);
    await page.waitForSelector("#diagnostics[data-state=ok]");
    expect(await page.textContent("#diagnostics")).toContain("no errors: cell 'leaky' with I=3,H=5");

    const clicked = Date.now();
    await page.click("#compile");
    await page.waitForSelector("#output[data-state=compiled]", { timeout: 60_000 });
    const compileMs = Date.now() - clicked;
    const firstCompile = Number(await page.getAttribute("#timing", "data-first-compile-ms"));
    console.log(`playground: compiler ready ${readyMs} ms after navigation; ` +
      `first compile ${compileMs} ms after the click, ` +
      `${firstCompile} ms after the page started loading`);

    const node = compileCell({ file: "leaky.ts", text: leakyCell, dims, ...pageBuild });
    const shownAbi: unknown = JSON.parse((await page.textContent("#abi-json"))!);
    expect(shownAbi).toEqual(node.abi);
    expect(Number(await page.getAttribute("#module-size", "data-bytes"))).toBe(node.binary.length);
    expect(await page.textContent("#module-size")).toContain("leaky:");

    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
    expect(download.suggestedFilename()).toBe("leaky.wasm");
    const saved = new Uint8Array(readFileSync((await download.path())!));
    expect(saved).toEqual(node.binary);
    expect(pageErrors).toEqual([]);
  });

  it("gradchecks the cell as gradcheck does in Node", async () => {
    await enter(leakyCell);
    await page.click("#gradcheck");
    await page.waitForSelector("#output[data-state=gradchecked]", { timeout: 60_000 });
    const f64 = { dtype: "f64", capacity: { batch: 3, steps: 5 }, loss: "mse" } as const;
    const { binary } = compileCell({ file: "leaky.ts", text: leakyCell, dims, ...f64 });
    const report = gradcheck(instantiate(binary), { seed: 1, batch: 3, steps: 5, maxEntries: 16 });
    expect(report.worst).toBeLessThan(1e-6);
    const worst = Number(await page.getAttribute("#gradcheck-summary", "data-worst"));
    expect(worst).toBeCloseTo(report.worst, 12);
    const rows = await page.$$eval("#output tbody tr", (trs) =>
      trs.map((tr) => Array.from(tr.children).slice(0, 2).map((td) => td.textContent)));
    expect(rows).toEqual(report.tensors.map((t) => [t.name, t.role]));
  });

  it("shows the located diagnostic of a broken cell as you type, and clicking it moves the cursor there", async () => {
    await enter(brokenCell);
    await page.waitForSelector("#diagnostics[data-state=errors]");
    const shown = await page.$$eval("#diagnostics li.diagnostic", (items) =>
      items.map((li) => ({
        code: li.getAttribute("data-code"),
        line: Number(li.getAttribute("data-line")),
        column: Number(li.getAttribute("data-column")),
      })));

    let expected: { code: string; line: number; column: number }[] = [];
    try {
      compileCell({ file: "leaky.ts", text: brokenCell, dims, ...pageBuild });
    } catch (e) {
      if (!(e instanceof DiagnosticError)) throw e;
      expected = e.diagnostics.map(({ code, line, column }) => ({ code, line, column }));
    }
    const lines = brokenCell.split("\n");
    const line = lines.findIndex((l) => l.includes("W * h")) + 1;
    expect(expected).toEqual([{ code: "RNNC102", line, column: lines[line - 1]!.indexOf("W * h") + 1 }]);
    expect(shown).toEqual(expected);
    expect(() => checkCell({ file: "leaky.ts", text: brokenCell, dims })).toThrow(DiagnosticError);
    const marked = await page.$$eval(".gutter .error", (spans) => spans.map((s) => s.textContent?.trim()));
    expect(marked).toEqual([String(line)]);

    await page.click("#diagnostics li.diagnostic");
    const caret = await page.$eval("#source", (t) => (t as HTMLTextAreaElement).selectionStart);
    const offset = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0) + expected[0]!.column - 1;
    expect(caret).toBe(offset);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("source");
  });

  it("trains the typed cell in a worker and the plotted loss falls", async () => {
    await enter(leakyCell);
    await page.fill("#iterations", "300");
    await page.click("#train");
    await page.waitForSelector("#train-status[data-state=done]", { timeout: 60_000 });
    const plot = page.locator("#loss-plot");
    const points = Number(await plot.getAttribute("data-points"));
    const first = Number(await plot.getAttribute("data-first-loss"));
    const last = Number(await plot.getAttribute("data-last-loss"));
    const shown = await page.textContent("#train-status");
    console.log(`playground: trained 300 steps, loss ${first.toPrecision(4)} → ${last.toPrecision(4)}; ${shown}`);
    expect(points).toBe(300);
    expect(first).toBeGreaterThan(0);
    expect(last).toBeLessThan(first / 10);
    expect(pageErrors).toEqual([]);
  });
});
