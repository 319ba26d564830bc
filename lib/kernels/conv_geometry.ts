/**
 * Geometry of 2-D convolutions and pooling windows (NHWC), shared by the
 * wasm and WebGPU training kernels.
 *
 * TensorFlow.js' `backend_util.computeConv2DInfo` / `computePool2DInfo`
 * work out the output size and the padding; the kernels here only need a
 * flat, plain-number view of that result: {@linkcode ConvGeometry} for
 * convolutions (filter `[KH, KW, Cin, Cout]`, or `[KH, KW, Cin, multiplier]`
 * when depthwise) and {@linkcode PoolGeometry} for pooling windows.
 *
 * @example
 * ```ts
 * import { nhwcConvGeometry } from "./lib/kernels/conv_geometry.ts";
 * const g = nhwcConvGeometry([32, 28, 28, 1], [3, 3, 1, 16], {
 *   strides: 1,
 *   pad: "same",
 * });
 * // g.outHeight === 28, g.padTop === 1
 * ```
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** What a sliding window (a filter or a pooling window) moves over. */
export interface WindowGeometry {
  /** Batch size. */
  batch: number;
  /** Input height. */
  inHeight: number;
  /** Input width. */
  inWidth: number;
  /** Output height. */
  outHeight: number;
  /** Output width. */
  outWidth: number;
  /** Stride along the height. */
  strideHeight: number;
  /** Stride along the width. */
  strideWidth: number;
  /** Dilation along the height. */
  dilationHeight: number;
  /** Dilation along the width. */
  dilationWidth: number;
  /** Rows of zero padding above the input. */
  padTop: number;
  /** Columns of zero padding left of the input. */
  padLeft: number;
}

/** Geometry of one 2-D convolution (NHWC, filter `[KH, KW, Cin, Cout]`). */
export interface ConvGeometry extends WindowGeometry {
  /** Input channels. */
  inChannels: number;
  /** Output channels. */
  outChannels: number;
  /** Filter height. */
  filterHeight: number;
  /** Filter width. */
  filterWidth: number;
}

/** Geometry of one 2-D pooling window (NHWC). */
export interface PoolGeometry extends WindowGeometry {
  /** Channels (same in and out). */
  channels: number;
  /** Window height (dilated). */
  windowHeight: number;
  /** Window width (dilated). */
  windowWidth: number;
}

/**
 * The subset of `backend_util.Conv2DInfo` that {@linkcode geometryOf} and
 * {@linkcode poolGeometryOf} read (a full `Conv2DInfo` fits).
 */
export interface Conv2DInfoLike {
  batchSize: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  effectiveFilterHeight: number;
  effectiveFilterWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  padInfo: { top: number; left: number };
}

function windowGeometryOf(info: Conv2DInfoLike): WindowGeometry {
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    dilationHeight: info.dilationHeight,
    dilationWidth: info.dilationWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

/** Converts TensorFlow.js' convolution info into a {@linkcode ConvGeometry}. */
export function geometryOf(info: Conv2DInfoLike): ConvGeometry {
  return {
    ...windowGeometryOf(info),
    inChannels: info.inChannels,
    outChannels: info.outChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
  };
}

/** Converts TensorFlow.js' pooling info into a {@linkcode PoolGeometry}. */
export function poolGeometryOf(info: Conv2DInfoLike): PoolGeometry {
  const {
    inChannels: channels,
    effectiveFilterHeight: windowHeight,
    effectiveFilterWidth: windowWidth,
  } = info;
  return { ...windowGeometryOf(info), channels, windowHeight, windowWidth };
}

/** The attributes of a TensorFlow.js convolution kernel that set its geometry. */
export interface ConvGeometryAttrs {
  /** Strides `[height, width]`, or one for both. */
  strides: [number, number] | number;
  /** Padding: 'same', 'valid', a number, or explicit NHWC padding. */
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  /** Rounding of the output size when `pad` is a number. */
  dimRoundingMode?: "floor" | "round" | "ceil";
}

/**
 * The {@linkcode ConvGeometry} of an NHWC convolution of an input of shape
 * `xShape` with a filter of shape `filterShape`, via
 * `backend_util.computeConv2DInfo` (channels last). `dilations` defaults
 * to 1; `depthwise` reads the filter as `[KH, KW, Cin, multiplier]`.
 */
export function nhwcConvGeometry(
  xShape: readonly number[],
  filterShape: readonly number[],
  attrs: ConvGeometryAttrs,
  dilations: [number, number] | number = 1,
  depthwise = false,
): ConvGeometry {
  return geometryOf(tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    depthwise,
    "channelsLast",
  ));
}
