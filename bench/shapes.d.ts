// Types of shapes.js, for the specs that check the bench's shapes.
export interface Shape {
  readonly id: string;
  readonly cell: "lstm" | "gru";
  readonly I: number;
  readonly H: number;
  readonly B: number;
  readonly T: number
}
export const shapes: readonly Shape[];
export const gateCount: Readonly<Record<"lstm" | "gru", number>>;
export function forwardFlops(shape: Shape): number;
export function trainFlops(shape: Shape): number;
export function describeShape(shape: Shape): string;
export function shapesNamed(list: string): Shape[];
