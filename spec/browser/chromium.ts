// spec/browser — what the browser specs share: Debian's chromium driven by
// playwright-core (never a downloaded browser), skipped with a printed note
// where it is missing and failing instead under CI; and the example site:
// the runtime bundled afresh into a temp dir (never a stale dist/), served
// with the repository's examples and in-memory files from 127.0.0.1; and the
// module the pages run, the demo's LSTM with Adam's train_step.

import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { describe, it } from "vitest";
import { compileCell, type Compiled } from "../../compiler/pipeline.js";
import { filesUnder, startServer } from "../../examples/browser/serve.js";
import { bundleRuntime } from "../../tools/bundle-runtime.js";

export const chromiumPath = process.env.RNNC_CHROMIUM ?? "/usr/bin/chromium";
const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/** examples/lstm.ts at I=3, H=8 with Adam's train_step, laid out by default at `capacity`. */
export function demoLstm(capacity: { batch: number; steps: number }): Compiled {
  return compileCell({
    file: "examples/lstm.ts",
    text: readFileSync(new URL("../../examples/lstm.ts", import.meta.url), "utf8"),
    dims: { I: 3, H: 8 },
    capacity,
    train: { kind: "adam", beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
  });
}

/** A describe() that needs chromium: skipped with a note where it is missing, failed under CI. */
export function describeInChromium(name: string, body: () => void): void {
  if (existsSync(chromiumPath)) {
    describe(name, body);
  } else if (process.env.CI) {
    describe(name, () => {
      it("needs chromium", () => {
        throw new Error(`${chromiumPath} is missing: the browser specs need chromium `
          + "(Debian: apt-get install chromium, or set RNNC_CHROMIUM), and CI must install it");
      });
    });
  } else {
    console.warn(`note: skipping "${name}": no chromium at ${chromiumPath} (set RNNC_CHROMIUM; under CI this fails)`);
    describe.skip(name, body);
  }
}

export interface ExampleSite {
  /** http://127.0.0.1:PORT, the repository root. */
  readonly base: string;
  readonly page: Page;
  /** Uncaught errors and console errors of the page and its worklets, for failure messages. */
  readonly errors: string[];
  close(): Promise<void>;
}

/**
 * Bundles the runtime to a temp dir and serves it as /dist/browser/rnnc-runtime.js (its worker script beside it),
 * `extra` by URL path, and every other path from the repository; opens a page in chromium.
 */
export async function openExampleSite(extra: Readonly<Record<string, Uint8Array>>): Promise<ExampleSite> {
  const dir = mkdtempSync(join(tmpdir(), "rnnc-site-"));
  const bundle = await bundleRuntime(join(dir, "rnnc-runtime.js"));
  const repo = filesUnder(repoRoot);
  const server = await startServer((pathname) => {
    if (pathname === "/dist/browser/rnnc-runtime.js") return bundle;
    if (pathname === "/dist/browser/rnnc-runtime.js.map") return `${bundle}.map`;
    if (pathname === "/dist/browser/rnnc-worker.js") return join(dir, "rnnc-worker.js");
    return extra[pathname] ?? repo(pathname);
  });
  let browser: Browser | undefined;
  try {
    const args = ["--headless", "--no-sandbox", "--disable-gpu"];
    browser = await chromium.launch({ executablePath: chromiumPath, args });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(`uncaught: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(`console: ${m.text()}`);
    });
    const opened = browser;
    return {
      base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      page,
      errors,
      async close() {
        await opened.close();
        await new Promise((done) => server.close(done));
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await browser?.close();
    server.close();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
