/**
 * Perceptual hashing (DCT pHash) for near-duplicate detection.
 *
 * An image is reduced with sharp to a 32x32 grey thumbnail of its object
 * (uniform background and padding trimmed, aspect ratio ignored), transformed with a 2-D DCT-II, and the 8x8 lowest frequencies
 * are compared with the median of the 63 non-DC terms: one bit per
 * coefficient above the median (the DC bit is always 0). Two images whose hashes differ in at most a
 * few bits (default threshold 6 of 64) have the same structure: re-encodes,
 * resizes, slight colour changes. Hashes are 16 hex digits.
 *
 * Product photos of one catalogue share a pose and a white background, so
 * colour variants of one model (a black and a tan boot) also hash alike.
 * {@link imageSignature} therefore adds an 8x8 colour thumbnail, and
 * {@link findCrossGroupDuplicates} requires, besides the pHash distance, a
 * mean absolute colour difference of at most `maxColourDistance` (default
 * 12 of 255) when both items carry one.
 *
 * @example
 * ```ts
 * const a = await phashFile("images/1.jpg");
 * const b = await phashFile("images/2.jpg");
 * hammingDistance(a, b) <= 6; // near-duplicates?
 * ```
 *
 * @module
 */
import sharp from "sharp";

const N = 32;
const K = 8;

/** Default Hamming threshold (bits of 64) for "near-duplicate". */
export const DEFAULT_PHASH_THRESHOLD = 6;

const COS: Float64Array = (() => {
  const table = new Float64Array(K * N);
  for (let u = 0; u < K; u++) {
    for (let x = 0; x < N; x++) {
      table[u * N + x] = Math.cos(((2 * x + 1) * u * Math.PI) / (2 * N));
    }
  }
  return table;
})();

/** pHash of a 32x32 grey image (1024 values, row-major). */
export function phashFromGrey32(grey: ArrayLike<number>): string {
  if (grey.length !== N * N) {
    throw new Error(
      `phashFromGrey32: need ${N * N} values, got ${grey.length}`,
    );
  }
  // Separable DCT restricted to the first K frequencies in each direction.
  const rows = new Float64Array(N * K); // [y][u]
  for (let y = 0; y < N; y++) {
    for (let u = 0; u < K; u++) {
      let s = 0;
      for (let x = 0; x < N; x++) s += grey[y * N + x] * COS[u * N + x];
      rows[y * K + u] = s;
    }
  }
  const coeffs = new Float64Array(K * K); // [v][u]
  for (let v = 0; v < K; v++) {
    for (let u = 0; u < K; u++) {
      let s = 0;
      for (let y = 0; y < N; y++) s += rows[y * K + u] * COS[v * N + y];
      coeffs[v * K + u] = s;
    }
  }
  const ac = Array.from(coeffs.subarray(1));
  const sorted = [...ac].sort((a, b) => a - b);
  const median = (sorted[31] + sorted[32]) / 2;
  let hex = "";
  for (let nibble = 0; nibble < 16; nibble++) {
    let value = 0;
    for (let bit = 0; bit < 4; bit++) {
      const i = nibble * 4 + bit; // coefficient index 0..63
      const c = coeffs[i];
      // The DC coefficient (i = 0) measures overall brightness, not
      // structure: its bit is always 0, so 63 bits carry information.
      const on = i === 0 ? false : c > median;
      value = (value << 1) | (on ? 1 : 0);
    }
    hex += value.toString(16);
  }
  return hex;
}

type SharpImage = ReturnType<typeof sharp>;

/**
 * A 32 x 32 RGB thumbnail of the object in the image: EXIF orientation
 * applied, alpha flattened onto white, the uniform border (background and
 * padding) trimmed away, then stretched to the square. Images that are all
 * border are used untrimmed.
 */
async function objectThumbnail(make: () => SharpImage): Promise<Uint8Array> {
  const run = (trim: boolean) => {
    let image = make().rotate().flatten({ background: "#ffffff" });
    if (trim) image = image.trim({ threshold: 20 });
    return image.toColourspace("srgb").resize(N, N, { fit: "fill" })
      .removeAlpha().raw({ depth: "uchar" })
      .toBuffer({ resolveWithObject: true });
  };
  let result;
  try {
    result = await run(true);
  } catch {
    result = await run(false);
  }
  const { data, info } = result;
  if (data.length !== N * N * 3 || info.channels !== 3) {
    throw new Error(
      `phash: expected ${N * N * 3} thumbnail bytes, got ${data.length}`,
    );
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Grey values (ITU-R BT.601 luma) of a 32 x 32 RGB thumbnail. */
function greyOf(rgb: Uint8Array): Float64Array {
  const grey = new Float64Array(N * N);
  for (let i = 0; i < N * N; i++) {
    grey[i] = 0.299 * rgb[i * 3] + 0.587 * rgb[i * 3 + 1] +
      0.114 * rgb[i * 3 + 2];
  }
  return grey;
}

/** 8 x 8 RGB block means of a 32 x 32 RGB thumbnail. */
function colourOf(rgb: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 * 8 * 3);
  const block = N / 8;
  for (let by = 0; by < 8; by++) {
    for (let bx = 0; bx < 8; bx++) {
      for (let k = 0; k < 3; k++) {
        let sum = 0;
        for (let y = 0; y < block; y++) {
          for (let x = 0; x < block; x++) {
            sum += rgb[((by * block + y) * N + bx * block + x) * 3 + k];
          }
        }
        out[(by * 8 + bx) * 3 + k] = Math.round(sum / (block * block));
      }
    }
  }
  return out;
}

/** pHash of an image file (any format sharp reads). */
export async function phashFile(path: string): Promise<string> {
  try {
    const thumb = await objectThumbnail(() => sharp(path, { failOn: "error" }));
    return phashFromGrey32(greyOf(thumb));
  } catch (error) {
    throw new Error(`phash ${path}: ${(error as Error).message}`);
  }
}

/** pHash of an RGB array (`height x width x 3`, uint8), e.g. a converted image. */
export async function phashRgb(
  rgb: Uint8Array,
  width: number,
  height: number,
): Promise<string> {
  return (await imageSignature(rgb, width, height)).hash;
}

/** pHash plus a coarse colour thumbnail (8 x 8 x 3 bytes). */
export interface ImageSignature {
  /** DCT pHash, 16 hex digits. */
  hash: string;
  /** 8 x 8 RGB thumbnail, row-major. */
  colour: Uint8Array;
}

/** Mean absolute difference of two colour thumbnails (0..255). */
export function colourDistance(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) {
    throw new Error(
      `colourDistance: thumbnails of ${a.length} and ${b.length} bytes`,
    );
  }
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

/** Signature of an RGB array (`height x width x 3`, uint8). */
export async function imageSignature(
  rgb: Uint8Array,
  width: number,
  height: number,
): Promise<ImageSignature> {
  const raw = { raw: { width, height, channels: 3 as const } };
  const thumb = await objectThumbnail(() => sharp(rgb, raw));
  return { hash: phashFromGrey32(greyOf(thumb)), colour: colourOf(thumb) };
}

const POPCOUNT4 = [0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4];

/** Number of differing bits between two 16-hex-digit hashes. */
export function hammingDistance(a: string, b: string): number {
  if (a.length !== b.length) {
    throw new Error(`hammingDistance: hashes differ in length (${a}, ${b})`);
  }
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    d += POPCOUNT4[parseInt(a[i], 16) ^ parseInt(b[i], 16)];
  }
  return d;
}

/** A hashed item, tagged with its group (e.g. its split). */
export interface HashedItem {
  /** Item id. */
  id: string;
  /** Group, e.g. `train` / `validation` / `test`. */
  group: string;
  /** pHash (16 hex digits). */
  hash: string;
  /** Optional 8 x 8 colour thumbnail (see {@link imageSignature}). */
  colour?: Uint8Array;
}

/** Options for {@link findCrossGroupDuplicates}. */
export interface DuplicateSearchOptions {
  /** Maximum pHash distance in bits (default {@link DEFAULT_PHASH_THRESHOLD}). */
  threshold?: number;
  /** Maximum mean colour difference when both items have a thumbnail (default 12). */
  maxColourDistance?: number;
  /** Group order; pairs are reported earlier group first (default: first appearance). */
  groupOrder?: readonly string[];
}

/** A near-duplicate pair across two groups. */
export interface NearDuplicate {
  /** First item id (the earlier group in `groupOrder`). */
  a: string;
  /** Its group. */
  groupA: string;
  /** Second item id. */
  b: string;
  /** Its group. */
  groupB: string;
  /** Hamming distance in bits. */
  distance: number;
  /** Mean colour difference (0..255), when both had a thumbnail. */
  colourDistance?: number;
}

function hashWords(hash: string): [number, number] {
  return [
    parseInt(hash.slice(0, 8), 16) >>> 0,
    parseInt(hash.slice(8), 16) >>> 0,
  ];
}

function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}

/**
 * All pairs of items in different groups whose hashes are within
 * `threshold` bits (and, with thumbnails, whose colours are within
 * `maxColourDistance`). Pairs are ordered so that `groupA` comes first in
 * `groupOrder`. O(n^2) comparisons of two 32-bit words: about a second for
 * 10,000 items.
 */
export function findCrossGroupDuplicates(
  items: readonly HashedItem[],
  options: DuplicateSearchOptions = {},
): NearDuplicate[] {
  const threshold = options.threshold ?? DEFAULT_PHASH_THRESHOLD;
  const maxColour = options.maxColourDistance ?? 12;
  const order = options.groupOrder ??
    [...new Set(items.map((i) => i.group))];
  const rank = new Map(order.map((g, i) => [g, i]));
  const hi = new Uint32Array(items.length);
  const lo = new Uint32Array(items.length);
  items.forEach((item, i) => {
    [hi[i], lo[i]] = hashWords(item.hash);
  });
  const out: NearDuplicate[] = [];
  for (let i = 0; i < items.length; i++) {
    for (let j = i + 1; j < items.length; j++) {
      if (items[i].group === items[j].group) continue;
      const d = popcount32(hi[i] ^ hi[j]) + popcount32(lo[i] ^ lo[j]);
      if (d > threshold) continue;
      const ci = items[i].colour;
      const cj = items[j].colour;
      const colour = ci && cj ? colourDistance(ci, cj) : undefined;
      if (colour !== undefined && colour > maxColour) continue;
      const [x, y] =
        (rank.get(items[i].group) ?? 0) <= (rank.get(items[j].group) ?? 0)
          ? [items[i], items[j]]
          : [items[j], items[i]];
      const pair: NearDuplicate = {
        a: x.id,
        groupA: x.group,
        b: y.id,
        groupB: y.group,
        distance: d,
      };
      if (colour !== undefined) {
        pair.colourDistance = Math.round(colour * 10) / 10;
      }
      out.push(pair);
    }
  }
  return out;
}
