// compiler/ir — public surface of the IR for the other stages.
export * from "./ops.js";
export * from "./shape.js";
export * from "./node.js";
export * from "./interpret.js";
export * from "./verify.js";
export * from "./print.js";
