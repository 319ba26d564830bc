/**
 * The L2 weight penalty `l2 · Σ w²` with its gradient `2 · l2 · w` written
 * out, instead of derived op by op.
 *
 * TF.js' `tf.regularizers.l2` computes `sum(mul(l2, mul(w, w)))`, and
 * automatic differentiation of that chain holds ten tensors the size of the
 * weight at its peak (the forward square and product, a broadcast of the
 * upstream gradient, its product with `l2`, casts of `w`, two products and
 * their sum; `deno test -A lib/models/lean_l2_test.ts` measures it). For
 * study 000's widest dense layer (75,264 x 512 weights, 154 MB per tensor)
 * that is over 1 GB of a training step's peak. {@linkcode leanL2} gives the
 * same penalty and bit-for-bit the same gradient (`w·(dy·l2)` doubled,
 * which is what the derived chain computes) holding three.
 *
 * The regularizer serialises as TF.js' own `L1L2` (`{l1: 0, l2}`), so saved
 * models load anywhere without this module.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** TF.js' regularizer type (what layers take as `kernelRegularizer`). */
export type Regularizer = ReturnType<typeof tf.regularizers.l2>;

/** TF.js' `L1L2` class, which `tf.regularizers.l2` instantiates but does not export. */
const L1L2 = Object.getPrototypeOf(tf.regularizers.l2({ l2: 0 }))
  .constructor as new (args: { l1: number; l2: number }) => Regularizer;

/** An L2 penalty with a written-out gradient; see the module notes. */
class LeanL2 extends L1L2 {
  readonly #l2: number;

  constructor(l2: number) {
    super({ l1: 0, l2 });
    this.#l2 = l2;
  }

  /** TF.js' `L1L2` configuration: `{ l1: 0, l2 }`. */
  override getConfig(): tf.serialization.ConfigDict {
    return { l1: 0, l2: this.#l2 };
  }

  /** `l2 · Σ w²` as a scalar; its gradient is `2 · (w · (dy · l2))`. */
  override apply(weights: tf.Tensor): tf.Scalar {
    const l2 = this.#l2;
    const penalty = tf.customGrad((w, save) => {
      (save as tf.GradSaveFunc)([w as tf.Tensor]);
      const value = tf.tidy(() =>
        tf.reshape(
          tf.add(
            tf.zeros([1]),
            tf.sum(tf.mul(l2, tf.mul(w as tf.Tensor, w as tf.Tensor))),
          ),
          [],
        )
      );
      return {
        value,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
          tf.tidy(() => {
            const half = tf.mul(saved[0], tf.mul(dy, l2));
            return tf.add(half, half);
          }),
      };
    });
    return penalty(weights) as tf.Scalar;
  }
}

/**
 * An L2 kernel regularizer with TF.js' `tf.regularizers.l2({ l2 })`
 * results and a fraction of its memory during training.
 *
 * @example
 * ```ts
 * tf.layers.dense({ units: 512, kernelRegularizer: leanL2(1e-4) });
 * ```
 */
export function leanL2(l2: number): Regularizer {
  if (!(l2 > 0) || !Number.isFinite(l2)) {
    throw new Error(`leanL2: l2 must be a positive number, got ${l2}`);
  }
  return new LeanL2(l2);
}
