/**
 * Images and their integer labels in memory, channels last: what the
 * conversion step's arrays become once loaded, and what a model trains and
 * is tested on.
 *
 * @module
 */

/** Labelled images in memory: `images` is N x H x W x C (uint8 0..255 or float 0..1). */
export interface LabelledArrays {
  images: Uint8Array | Float32Array;
  shape: [number, number, number];
  labels: Int32Array | number[];
}

/** One labelled row of RGB images (`height x width x 3` uint8 each), as an image grid shows it. */
export interface ImageRow {
  label: string;
  images: Uint8Array[];
}
