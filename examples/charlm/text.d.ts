// Types of text.js (plain JavaScript, which `node` runs as it is), for the TypeScript spec.

/** A file of the corpus as text: tags dropped, tokens joined by spaces, a sentence per line. */
export function untag(raw: string): string;

/** The corpus as text by part (split by file as examples/brown splits it). */
export function readBrownText(directory?: string): { train: string; dev: string; test: string };

/** The characters of a text, sorted, after id 0 (a character it lacks): the character of each id. */
export function characters(text: string): string[];

/** A text as ids into `chars` (0 for a character not among them). */
export function encode(text: string, chars: readonly string[]): Int32Array;
