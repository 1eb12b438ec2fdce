// Types of serve.js (plain JavaScript so that `node` runs it unbuilt), for the browser specs.
import type { Server } from "node:http";

/** What a lookup gives for a URL path: a file to read, the bytes themselves, or undefined (404). */
export type Found = string | Uint8Array | undefined;

/** Maps URL paths to files under `root`, and nothing outside it. */
export function filesUnder(root: string): (pathname: string) => string | undefined;

/** Serves on 127.0.0.1 (an ephemeral port when `port` is 0 or left out). */
export function startServer(lookup: (pathname: string) => Found | Promise<Found>, port?: number): Promise<Server>;
