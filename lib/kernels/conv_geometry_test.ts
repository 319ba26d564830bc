import * as tf from "@tensorflow/tfjs";
import { nhwcConvGeometry, poolGeometryOf } from "./conv_geometry.ts";

Deno.test("nhwcConvGeometry: 'same' padding, strides and dilations", () => {
  const g = nhwcConvGeometry([2, 9, 7, 3], [3, 5, 3, 4], {
    strides: [2, 1],
    pad: "same",
  }, [1, 2]);
  const want = {
    batch: 2,
    inHeight: 9,
    inWidth: 7,
    inChannels: 3,
    outHeight: 5,
    outWidth: 7,
    outChannels: 4,
    filterHeight: 3,
    filterWidth: 5,
    strideHeight: 2,
    strideWidth: 1,
    dilationHeight: 1,
    dilationWidth: 2,
    padTop: 1,
    padLeft: 4,
  };
  for (const [key, value] of Object.entries(want)) {
    if (g[key as keyof typeof g] !== value) {
      throw new Error(`${key}: got ${JSON.stringify(g)}`);
    }
  }
  if (Object.keys(g).length !== Object.keys(want).length) {
    throw new Error(`extra fields: ${JSON.stringify(g)}`);
  }
});

Deno.test("nhwcConvGeometry: explicit padding and depthwise filters", () => {
  const g = nhwcConvGeometry(
    [1, 11, 10, 2],
    [5, 3, 2, 3],
    { strides: 1, pad: [[0, 0], [2, 1], [0, 2], [0, 0]] },
    1,
    true,
  );
  if (g.outHeight !== 10 || g.outWidth !== 10 || g.padTop !== 2) {
    throw new Error(`got ${JSON.stringify(g)}`);
  }
  if (g.padLeft !== 0 || g.outChannels !== 6) {
    throw new Error(`depthwise: got ${JSON.stringify(g)}`);
  }
});

Deno.test("poolGeometryOf: channels and dilated window size", () => {
  const info = tf.backend_util.computePool2DInfo(
    [3, 8, 6, 5],
    [2, 3],
    [2, 2],
    [2, 1],
    "valid",
  );
  const g = poolGeometryOf(info);
  if (g.channels !== 5 || g.windowHeight !== 3 || g.windowWidth !== 3) {
    throw new Error(`got ${JSON.stringify(g)}`);
  }
  if (g.outHeight !== 3 || g.outWidth !== 2 || g.dilationHeight !== 2) {
    throw new Error(`got ${JSON.stringify(g)}`);
  }
});
