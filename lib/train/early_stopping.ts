/**
 * Early stopping on a monitored value (validation loss by default): stop
 * when it has not improved by more than `minDelta` for `patience` epochs,
 * remembering the best epoch so its weights can be restored. The state is
 * plain JSON so it travels in checkpoints.
 *
 * @module
 */

/** Early-stopping settings. */
export interface EarlyStoppingOptions {
  /** Epochs without improvement before stopping. */
  patience: number;
  /** Smallest decrease that counts as an improvement; default 0. */
  minDelta?: number;
  /** Restore the best epoch's weights at the end; default true. */
  restoreBestWeights?: boolean;
}

/** The serialisable state of early stopping. */
export interface EarlyStoppingState {
  /** Best (lowest) monitored value so far, or null before the first epoch. */
  best: number | null;
  /** Epoch (0-based) of the best value, or -1. */
  bestEpoch: number;
  /** Epochs since the last improvement. */
  wait: number;
}

/** What one epoch's value means for training. */
export interface EarlyStoppingDecision {
  /** The value improved on the best so far (snapshot the weights). */
  improved: boolean;
  /** Patience is exhausted: stop training. */
  stop: boolean;
}

/** The state before any epoch. */
export function initialEarlyStopping(): EarlyStoppingState {
  return { best: null, bestEpoch: -1, wait: 0 };
}

/**
 * Updates `state` in place with the monitored `value` of `epoch`.
 *
 * @example
 * ```ts
 * const state = initialEarlyStopping();
 * updateEarlyStopping(state, 0, 0.9, { patience: 2 }); // { improved: true, stop: false }
 * ```
 */
export function updateEarlyStopping(
  state: EarlyStoppingState,
  epoch: number,
  value: number,
  options: EarlyStoppingOptions,
): EarlyStoppingDecision {
  if (!Number.isFinite(value)) {
    throw new Error(
      `Early stopping got a non-finite monitored value (${value}) at epoch ${
        epoch + 1
      }; training diverged, lower the learning rate`,
    );
  }
  const minDelta = options.minDelta ?? 0;
  if (state.best === null || value < state.best - minDelta) {
    state.best = value;
    state.bestEpoch = epoch;
    state.wait = 0;
    return { improved: true, stop: false };
  }
  state.wait += 1;
  return { improved: false, stop: state.wait >= options.patience };
}
