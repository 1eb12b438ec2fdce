#!/usr/bin/env node
// examples/slots — a generator of ATIS-style flight queries with BIO slot tags. In: a seed and
// split sizes. Out: train/dev/test JSONL. Plain JavaScript (JSDoc types) on rnnc's runtime (its seeded
// generator, prng): `node` runs it after `npm run build`; the specs read the runtime's source.

// The queries are built so that a word's slot often depends on an EARLIER
// word: "arrive taipei on november 2nd" (toloc, arrive_date) against "leave
// taipei on november 2nd" (fromloc, depart_date). Every city is as likely to
// be an origin as a destination, so a tagger that sees one word at a time
// cannot tell them apart; one that reads the sentence left to right can.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { prng } from "rnnc/runtime";
import { generatorArgs, isMain, toJsonl } from "../generator.js";

/** @typedef {{ tokens: string[], tags: string[] }} Sentence */
/** @typedef {[string, string | null]} Piece  a phrase and its slot (null: outside) */

const cities = [
  "boston", "denver", "dallas", "atlanta", "pittsburgh", "baltimore", "philadelphia", "oakland",
  "seattle", "taipei", "chicago", "miami", "phoenix", "houston", "toronto", "detroit", "memphis",
  "new york", "san francisco", "los angeles", "salt lake city", "las vegas", "kansas city", "fort worth",
];
const months = [
  "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
  "december",
];
const ordinals = [
  "1st", "2nd", "3rd", "4th", "5th", "8th", "11th", "12th", "15th", "20th", "21st", "22nd", "23rd", "28th", "30th",
];
const weekdays = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
const periods = ["morning", "afternoon", "evening"];
const clock = ["7", "8", "9", "10", "11", "noon", "1", "3", "5", "6"];
const airlines = ["united", "delta", "continental", "american airlines", "us air", "alaska airlines"];
const classes = ["first class", "economy", "business class", "coach"];

// Verbs that make the next city an origin or a destination. Both sides share
// "fly", so even the verb alone does not always decide: its particle does.
const departVerbs = ["leave", "depart from", "fly out of", "get out of", "leave from"];
const arriveVerbs = ["arrive in", "get to", "fly into", "land in", "reach", "arrive at"];
const wants = ["i want to", "i would like to", "i need to", "we need to", "i have to"];
const lists = ["show me", "list", "give me", "find", "what are the", "i want", "please find"];

/**
 * Queries drawn from templates, deterministic in the seed.
 * @param {number} count
 * @param {number} seed
 * @returns {Sentence[]}
 */
export function generateQueries(count, seed) {
  const rand = prng(seed);
  /** @type {<T>(xs: readonly T[]) => T} */
  const pick = (xs) => xs[Math.floor(rand() * xs.length)];
  const maybe = (p = 0.5) => rand() < p;

  /** @param {"depart" | "arrive"} when @returns {Piece[]} */
  const date = (when) => {
    const slot = `${when}_date`;
    const r = rand();
    if (r < 0.5) return [["on", null], [`${pick(months)} ${pick(ordinals)}`, slot]];
    if (r < 0.8) return [["on", null], [pick(weekdays), slot]];
    return [["on", null], ["the", null], [`${pick(ordinals)} of ${pick(months)}`, slot]];
  };
  /** @param {"depart" | "arrive"} when @returns {Piece[]} */
  const time = (when) => {
    const slot = `${when}_time`;
    if (maybe()) return [["in the", null], [pick(periods), slot]];
    const at = pick(clock);
    return [[pick(["at", "before", "after"]), null], [at === "noon" ? at : `${at} ${pick(["am", "pm"])}`, slot]];
  };
  /** @returns {Piece[]} */
  const extras = () => [
    ...(maybe(0.25) ? /** @type {Piece[]} */ ([["on", null], [pick(airlines), "airline_name"]]) : []),
    ...(maybe(0.15) ? /** @type {Piece[]} */ ([["in", null], [pick(classes), "class_type"]]) : []),
  ];
  const two = () => {
    const from = pick(cities);
    let to = pick(cities);
    while (to === from) to = pick(cities);
    return [from, to];
  };

  /** @type {(() => Piece[])[]} */
  const templates = [
    // Prepositions mark the roles: easy for both kinds of tagger.
    () => {
      const [a, b] = two();
      return [
        [pick(lists), null], ["flights from", null], [a, "fromloc"], ["to", null], [b, "toloc"],
        ...(maybe() ? date("depart") : []), ...(maybe(0.4) ? time("depart") : []), ...extras(),
      ];
    },
    () => {
      const [a, b] = two();
      return [
        [pick(lists), null], ["flights to", null], [b, "toloc"], ["from", null], [a, "fromloc"],
        ...(maybe() ? date("depart") : []), ...extras(),
      ];
    },
    // The minimal pairs: the verb decides the city's role and the date's.
    () => [
      [pick(wants), null], [pick(departVerbs), null], [pick(cities), "fromloc"], ...date("depart"),
      ...(maybe(0.4) ? time("depart") : []),
    ],
    () => [
      [pick(wants), null], [pick(arriveVerbs), null], [pick(cities), "toloc"], ...date("arrive"),
      ...(maybe(0.4) ? time("arrive") : []),
    ],
    () => [
      ["which flights", null], [pick(["leave", "depart from"]), null], [pick(cities), "fromloc"], ...date("depart"),
      ...extras(),
    ],
    () => [
      ["which flights", null], [pick(["arrive in", "land in", "get to"]), null], [pick(cities), "toloc"],
      ...date("arrive"), ...extras(),
    ],
    // Both verbs in one query, with the dates and times bound to each.
    () => {
      const [a, b] = two();
      return [
        [pick(wants), null], [pick(departVerbs), null], [a, "fromloc"], ...date("depart"),
        ["and", null], [pick(arriveVerbs), null], [b, "toloc"], ...(maybe() ? time("arrive") : []),
      ];
    },
    () => {
      const [a, b] = two();
      return [
        [pick(wants), null], [pick(arriveVerbs), null], [b, "toloc"], ...date("arrive"), ...time("arrive"),
        ["leaving", null], [a, "fromloc"],
      ];
    },
    // "in CITY" is an origin after "i am", a destination after "arrive".
    () => {
      const [a, b] = two();
      return [
        ["i am in", null], [a, "fromloc"], ["and", null], [pick(wants), null], [pick(arriveVerbs), null],
        [b, "toloc"], ...(maybe() ? date("arrive") : []),
      ];
    },
  ];

  /** @type {Sentence[]} */
  const out = [];
  for (let n = 0; n < count; n++) {
    /** @type {Sentence} */
    const sentence = { tokens: [], tags: [] };
    for (const [phrase, slot] of pick(templates)()) {
      phrase.split(" ").forEach((word, i) => {
        sentence.tokens.push(word);
        sentence.tags.push(slot === null ? "O" : `${i === 0 ? "B" : "I"}-${slot}`);
      });
    }
    out.push(sentence);
  }
  return out;
}

/**
 * Train, dev and test queries; dev and test never repeat a training query, so
 * the held-out scores are on unseen sentences.
 * @param {{ seed: number, train: number, dev: number, test: number }} sizes
 * @returns {{ train: Sentence[], dev: Sentence[], test: Sentence[] }}
 */
export function generateSplits({ seed, train, dev, test }) {
  const trainSet = generateQueries(train, seed);
  const seen = new Set(trainSet.map((s) => s.tokens.join(" ")));
  /** @param {number} count @param {number} splitSeed */
  const heldOut = (count, splitSeed) => {
    const fresh = [];
    for (const s of generateQueries(count * 3, splitSeed)) {
      const key = s.tokens.join(" ");
      if (seen.has(key)) continue;
      seen.add(key);
      fresh.push(s);
      if (fresh.length === count) break;
    }
    return fresh;
  };
  return { train: trainSet, dev: heldOut(dev, seed + 1), test: heldOut(test, seed + 2) };
}

export { toJsonl };

const usage = `usage: node examples/slots/generate.js [--out DIR] [--seed N] [--train N] [--dev N] [--test N]

Writes DIR/train.jsonl, DIR/dev.jsonl and DIR/test.jsonl (default DIR:
examples/slots/data; seed 1; 3000, 500 and 1000 queries).`;

if (isMain(import.meta.url)) {
  const { out, counts } = generatorArgs(usage, import.meta.url, { seed: 1, train: 3000, dev: 500, test: 1000 });
  const splits = generateSplits(counts);
  mkdirSync(out, { recursive: true });
  for (const [name, sentences] of Object.entries(splits)) {
    writeFileSync(join(out, `${name}.jsonl`), toJsonl(sentences));
    process.stderr.write(`wrote ${join(out, `${name}.jsonl`)}: ${sentences.length} queries\n`);
  }
}
