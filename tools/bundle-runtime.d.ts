// Types of bundle-runtime.js (plain JavaScript so that `npm run build` runs it unbuilt), for the specs.

/** dist/browser/rnnc-runtime.js in this checkout. */
export const defaultOutfile: string;

/** Bundles runtime/index.ts into one ESM file at `outfile`, and rnnc-worker.js beside it; resolves to `outfile`. */
export function bundleRuntime(outfile?: string): Promise<string>;
