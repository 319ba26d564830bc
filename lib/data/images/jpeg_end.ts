/**
 * Where a JPEG's own data ends, found by walking its segments: phones append
 * data after a photo's end-of-image marker (a "motion photo" carries its
 * video there), which `decodeToRgb`'s truncation guard reads as a missing
 * end marker. {@link jpegEnd} finds the real end so the image can be decoded
 * from its own bytes; a JPEG cut short has no end and stays refused.
 *
 * @example
 * ```ts
 * const end = jpegEnd(bytes); // offset just past FF D9, or undefined
 * if (end !== undefined && end < bytes.length) bytes = bytes.subarray(0, end);
 * ```
 *
 * @module
 */

/**
 * The offset just past the end-of-image marker (`FF D9`) of the JPEG that
 * starts `bytes`, or `undefined` when `bytes` is not a JPEG or its data
 * ends before that marker (truncated). Segments are skipped by their
 * lengths, so an EXIF thumbnail's own end marker inside `APP1` is not
 * mistaken for the photo's; entropy-coded data runs to the next marker
 * that is not a stuffed `FF 00` or a restart marker.
 */
export function jpegEnd(bytes: Uint8Array): number | undefined {
  const n = bytes.length;
  if (n < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  let at = 2;
  while (at < n) {
    if (bytes[at] !== 0xff) return undefined; // not at a marker: damaged
    while (at < n && bytes[at] === 0xff) at++; // fill bytes
    if (at >= n) return undefined;
    const marker = bytes[at++];
    if (marker === 0xd9) return at; // EOI
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue;
    if (marker === 0xd8 || marker === 0x00) return undefined;
    if (at + 2 > n) return undefined;
    const length = (bytes[at] << 8) | bytes[at + 1];
    if (length < 2) return undefined;
    at += length;
    if (at > n) return undefined;
    if (marker !== 0xda) continue; // SOS: entropy-coded data follows
    for (;;) {
      if (at + 1 >= n) return undefined;
      if (bytes[at] !== 0xff) {
        at++;
        continue;
      }
      const next = bytes[at + 1];
      if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) at += 2;
      else if (next === 0xff) at++;
      else break; // a marker: back to the segment walk
    }
  }
  return undefined;
}
