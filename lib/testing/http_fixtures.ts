/**
 * Responses of the loopback HTTP servers that the download tests start: a
 * file sent whole, from a byte offset (`Range: bytes=N-`), or cut off
 * half-way (the connection drops after the first half).
 *
 * @module
 */

/** The start of a `Range: bytes=N-` header, or null for none or another form. */
export function rangeStart(range: string | null): number | null {
  const m = range ? /^bytes=(\d+)-$/.exec(range) : null;
  return m ? Number(m[1]) : null;
}

/** `bytes` from `start` on (206), or 416 when `start` is past the end. */
export function partialResponse(bytes: Uint8Array, start: number): Response {
  if (start >= bytes.length) {
    return new Response(null, {
      status: 416,
      headers: { "content-range": `bytes */${bytes.length}` },
    });
  }
  return new Response(bytes.slice(start), {
    status: 206,
    headers: {
      "content-range": `bytes ${start}-${bytes.length - 1}/${bytes.length}`,
    },
  });
}

/**
 * A response that announces all of `bytes`, sends the first half, then
 * drops the connection (after 50 ms, so the half reaches the client).
 */
export function cutResponse(bytes: Uint8Array): Response {
  const half = bytes.slice(0, bytes.length >> 1);
  let sent = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!sent) {
        sent = true;
        controller.enqueue(half);
      } else {
        await new Promise((resolve) => setTimeout(resolve, 50));
        controller.error(new Error("connection cut by the test server"));
      }
    },
  });
  return new Response(body, {
    headers: { "content-length": String(bytes.length) },
  });
}
