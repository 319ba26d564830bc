/**
 * Perceptual hashing (DCT pHash) for near-duplicate detection.
 *
 * An image is reduced with sharp to a 32x32 grey thumbnail (aspect ratio
 * ignored), transformed with a 2-D DCT-II, and the 8x8 lowest frequencies
 * are compared with the median of the 63 non-DC terms: one bit per
 * coefficient above the median (the DC bit is always 0). Two images whose hashes differ in at most a
 * few bits (default threshold 6 of 64) look the same to a person: re-encodes,
 * resizes, slight colour changes. Hashes are 16 hex digits.
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

async function grey32(image: ReturnType<typeof sharp>): Promise<Uint8Array> {
  const { data } = await image
    .rotate()
    .flatten({ background: "#ffffff" })
    .greyscale()
    .resize(N, N, { fit: "fill" })
    .raw({ depth: "uchar" })
    .toBuffer({ resolveWithObject: true });
  if (data.length !== N * N) {
    throw new Error(`phash: expected ${N * N} grey bytes, got ${data.length}`);
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** pHash of an image file (any format sharp reads). */
export async function phashFile(path: string): Promise<string> {
  try {
    return phashFromGrey32(await grey32(sharp(path, { failOn: "error" })));
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
  return phashFromGrey32(
    await grey32(sharp(rgb, { raw: { width, height, channels: 3 } })),
  );
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
 * `threshold` bits. Pairs are ordered so that `groupA` comes first in
 * `groupOrder` (default: order of first appearance). O(n^2) comparisons of
 * two 32-bit words: about a second for 10,000 items.
 */
export function findCrossGroupDuplicates(
  items: readonly HashedItem[],
  threshold = DEFAULT_PHASH_THRESHOLD,
  groupOrder?: readonly string[],
): NearDuplicate[] {
  const order = groupOrder ??
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
      const [x, y] =
        (rank.get(items[i].group) ?? 0) <= (rank.get(items[j].group) ?? 0)
          ? [items[i], items[j]]
          : [items[j], items[i]];
      out.push({
        a: x.id,
        groupA: x.group,
        b: y.id,
        groupB: y.group,
        distance: d,
      });
    }
  }
  return out;
}
