// apps/train — what goes wrong that the user can fix: their data, their
// checkpoint, a setting that does not fit the model. The CLI prints the
// message and exits 1; anything else a training run throws is a bug.

/** A problem with the user's data, checkpoint or settings. */
export class TrainingError extends Error {}

/** Malformed data: every message names FILE:LINE. */
export class DataError extends TrainingError {}
