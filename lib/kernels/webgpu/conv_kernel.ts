/**
 * What the NHWC convolution kernels of this folder share: their common
 * attributes, the shape of their arguments, and the entry step that
 * refuses `NCHW` data and works out the convolution's geometry
 * ({@linkcode webgpuConvKernel}).
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import {
  type ConvGeometry,
  type ConvGeometryAttrs,
  nhwcConvGeometry,
} from "../conv_geometry.ts";
import type { WebgpuBackendLike } from "./conv_gemm.ts";

/**
 * Attributes shared by `Conv2D`, `Conv2DBackpropInput` and
 * `Conv2DBackpropFilter`.
 */
export interface WebgpuConvAttrs extends ConvGeometryAttrs {
  /** Data layout; only `NHWC` is handled here. */
  dataFormat: "NHWC" | "NCHW";
}

/** What a convolution kernel function here receives. */
export interface WebgpuConvArgs<Inputs, Attrs extends WebgpuConvAttrs> {
  /** Input tensors by name. */
  inputs: Inputs;
  /** The WebGPU backend. */
  backend: WebgpuBackendLike;
  /** Kernel attributes. */
  attrs: Attrs;
}

/** The convolution a kernel computes (or differentiates): its operand shapes. */
export interface ConvOperands {
  /** Shape of the convolution's input, `[B, H, W, Cin]`. */
  xShape: readonly number[];
  /** Shape of the filter, `[KH, KW, Cin, Cout]`. */
  filterShape: readonly number[];
  /** Dilations; 1 when absent. */
  dilations?: [number, number] | number;
}

/**
 * A kernel function for kernel `kernel`: throws on `NCHW` data, works out
 * the geometry of the convolution `operands` names, and hands it to `run`.
 */
export function webgpuConvKernel<Inputs, Attrs extends WebgpuConvAttrs>(
  kernel: string,
  operands: (inputs: Inputs, attrs: Attrs) => ConvOperands,
  run: (g: ConvGeometry, args: WebgpuConvArgs<Inputs, Attrs>) => tf.TensorInfo,
): (args: WebgpuConvArgs<Inputs, Attrs>) => tf.TensorInfo {
  return (args) => {
    if (args.attrs.dataFormat === "NCHW") {
      throw new Error(
        `${kernel} on webgpu supports NHWC only; use channelsLast layers`,
      );
    }
    const { xShape, filterShape, dilations = 1 } = operands(
      args.inputs,
      args.attrs,
    );
    const g = nhwcConvGeometry(xShape, filterShape, args.attrs, dilations);
    return run(g, args);
  };
}
