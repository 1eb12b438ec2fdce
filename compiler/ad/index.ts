// compiler/ad — public surface: reverse mode on IR graphs.
export { vjp, type Seed } from "./sweep.js";
export { vjpRules, type VjpRule } from "./rules.js";
