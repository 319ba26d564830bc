/**
 * One epoch's record in a fit's history, shared by the fit loop, its
 * checkpoints and the run records.
 *
 * @module
 */

/** One epoch's metrics: `loss`, the compiled metrics (`acc`, ...), `val_*`, and timing. */
export type EpochLogs = Record<string, number>;
