/**
 * A layer that turns the workspace's converted images (`h x w x 3`, values
 * 0..1, white background) into a pretrained network's square input: takes
 * a square around the whole image, or (with `crop`) around the object, the
 * box of the pixels that are not white plus a margin, extends it with white
 * where it leaves the image, resizes it bilinearly to `size x size`, and
 * scales the values to [-1, 1] (MobileNetV2's input range). With `crop`,
 * where an object sits and how large it is in its photo no longer reach
 * the network; a photo on a background that is not white is framed whole.
 *
 * Part of a saved model, so a model built on it takes the same arrays as
 * every other model of the workspace (and `loadModel` reads it back: the
 * class is registered on import). TF.js' own `Resizing` layer fails on 4-D
 * batches in 4.22, hence this one.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** Arguments of {@linkcode SquareFrame}. */
export interface SquareFrameArgs {
  /** Output side in pixels (224 for MobileNetV2). */
  size: number;
  /** Frame the object (the non-white pixels' box) instead of the whole image; default false. */
  crop?: boolean;
  /** Margin around the object's box, as a share of its longer side; default 0.1. */
  margin?: number;
  /** Layer name. */
  name?: string;
}

/** Channel values (0..1) at or above this count as white background. */
export const FRAME_WHITE = 235 / 255;

/** A white-extended square around the image or its object, resized to `size x size`, scaled to [-1, 1]. */
export class SquareFrame extends tf.layers.Layer {
  /** Class name used in saved `model.json` files. */
  static className = "SquareFrame";
  /** Output side in pixels. */
  readonly size: number;
  /** Frame the object instead of the whole image. */
  readonly crop: boolean;
  /** Margin around the object's box (share of its longer side). */
  readonly margin: number;

  /** Creates the layer; `size` must be a positive integer. */
  constructor(args: SquareFrameArgs) {
    super({ name: args.name });
    if (!Number.isInteger(args.size) || args.size < 1) {
      throw new Error(
        `SquareFrame size must be a positive integer, got ${args.size}`,
      );
    }
    this.size = args.size;
    this.crop = args.crop ?? false;
    this.margin = args.margin ?? 0.1;
  }

  /** `[n, size, size, channels]`. */
  override computeOutputShape(
    inputShape: tf.Shape | tf.Shape[],
  ): tf.Shape {
    const shape =
      (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [shape[0], this.size, this.size, shape[3]];
  }

  /** Frames each image (see the module docs), resizes, scales to [-1, 1]. */
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    return tf.tidy(() => {
      const [n, h, w] = x.shape;
      let top: tf.Tensor1D, bottom: tf.Tensor1D;
      let left: tf.Tensor1D, right: tf.Tensor1D;
      if (this.crop) {
        const object = tf.less(tf.min(x, -1), FRAME_WHITE); // [n, h, w]
        const rows = tf.cast(tf.any(object, 2), "int32"); // [n, h]
        const cols = tf.cast(tf.any(object, 1), "int32"); // [n, w]
        const empty = tf.equal(tf.max(rows, 1), 0);
        const first = (v: tf.Tensor2D) => tf.cast(tf.argMax(v, 1), "float32");
        const last = (v: tf.Tensor2D, size: number) =>
          tf.sub(size - 1, first(tf.reverse(v, 1)));
        // An image with no object is framed whole.
        const ends = (v: tf.Tensor2D, size: number) => [
          tf.where(empty, tf.zerosLike(first(v)), first(v)) as tf.Tensor1D,
          tf.where(empty, tf.fill([n], size - 1), last(v, size)) as tf.Tensor1D,
        ];
        [top, bottom] = ends(rows as tf.Tensor2D, h);
        [left, right] = ends(cols as tf.Tensor2D, w);
      } else {
        top = tf.zeros([n]);
        left = tf.zeros([n]);
        bottom = tf.fill([n], h - 1);
        right = tf.fill([n], w - 1);
      }
      const cy = tf.div(tf.add(top, bottom), 2);
      const cx = tf.div(tf.add(left, right), 2);
      const longer = tf.maximum(tf.sub(bottom, top), tf.sub(right, left));
      const half = tf.div(
        tf.mul(tf.add(longer, 1), this.crop ? 1 + this.margin : 1),
        2,
      );
      const boxes = tf.stack([
        tf.div(tf.sub(cy, half), h - 1),
        tf.div(tf.sub(cx, half), w - 1),
        tf.div(tf.add(cy, half), h - 1),
        tf.div(tf.add(cx, half), w - 1),
      ], 1) as tf.Tensor2D;
      const framed = tf.image.cropAndResize(
        x,
        boxes,
        tf.range(0, n, 1, "int32") as tf.Tensor1D,
        [this.size, this.size],
        "bilinear",
        1,
      );
      return tf.sub(tf.mul(framed, 2), 1);
    });
  }

  /** Serialisable configuration (the output side). */
  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      size: this.size,
      crop: this.crop,
      margin: this.margin,
    };
  }
}
tf.serialization.registerClass(SquareFrame);
