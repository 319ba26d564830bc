import assert from "node:assert/strict";
import { join } from "node:path";
import { zipSync } from "fflate";
import {
  decodeNpy,
  decodeNpz,
  encodeNpy,
  encodeNpz,
  npyArray,
  npyStrings,
  readNpz,
  writeNpz,
} from "./npy.ts";
import {
  fashionNpzName,
  parseFashionNpzName,
  readFashionNpz,
  validateFashionArrays,
  writeFashionNpz,
} from "./npz.ts";

function assertEquals(actual: unknown, expected: unknown, message?: string) {
  assert.deepEqual(actual, expected, message ?? "values differ");
}

const PYTHON = "/usr/bin/python3";

/** Whether Debian's python3 with numpy is installed (apt-get install -y python3-numpy). */
async function hasNumpy(): Promise<boolean> {
  try {
    const out = await new Deno.Command(PYTHON, {
      args: ["-c", "import numpy"],
      stdout: "null",
      stderr: "null",
    }).output();
    return out.success;
  } catch {
    return false;
  }
}

async function python(code: string): Promise<string> {
  const out = await new Deno.Command(PYTHON, { args: ["-c", code] }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(`python failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return text.trim();
}

const numpyAvailable = await hasNumpy();
if (!numpyAvailable) {
  console.warn(
    "numpy interop tests skipped: /usr/bin/python3 with numpy not found " +
      "(install with: apt-get install -y python3-numpy)",
  );
}

Deno.test("npy round trip: every numeric dtype, strings, scalars", () => {
  const cases = [
    npyArray("uint8", [2, 3], new Uint8Array([0, 1, 2, 253, 254, 255])),
    npyArray("int8", [3], new Int8Array([-128, 0, 127])),
    npyArray("int16", [2], new Int16Array([-300, 300])),
    npyArray("uint16", [2], new Uint16Array([0, 65535])),
    npyArray("int32", [2, 1], new Int32Array([-5, 7])),
    npyArray("uint32", [1], new Uint32Array([4294967295])),
    npyArray("int64", [2], new BigInt64Array([-1n, 2n ** 40n])),
    npyArray("float32", [2], new Float32Array([0.5, -1.25])),
    npyArray("float64", [], new Float64Array([Math.PI])),
    npyStrings(["Boots", "Trainers/Sneakers", "é✓"]),
  ];
  for (const array of cases) {
    const back = decodeNpy(encodeNpy(array));
    assertEquals(back.dtype, array.dtype);
    assertEquals(back.shape, array.shape);
    assertEquals(
      Array.from(back.data as ArrayLike<unknown>),
      Array.from(array.data as ArrayLike<unknown>),
    );
  }
  // Header is padded to a multiple of 64 bytes, as numpy writes it.
  const bytes = encodeNpy(cases[0]);
  const headerLength = bytes[8] | (bytes[9] << 8);
  assertEquals((10 + headerLength) % 64, 0);
});

Deno.test("npy errors name the file and the problem", () => {
  assert.throws(
    () => decodeNpy(new TextEncoder().encode("hello"), "x.npy"),
    /x\.npy: not a \.npy file/,
  );
  const good = encodeNpy(npyArray("float32", [4], new Float32Array(4)));
  assert.throws(
    () => decodeNpy(good.slice(0, good.length - 3), "cut.npy"),
    /cut\.npy: data is 13 bytes/,
  );
  // An object array (pickled) is refused with advice.
  const header = "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }";
  const obj = new Uint8Array(10 + 64);
  obj.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 64, 0]);
  const padded = header.padEnd(63, " ") + "\n";
  for (let i = 0; i < 64; i++) obj[10 + i] = padded.charCodeAt(i);
  assert.throws(
    () => decodeNpy(obj, "obj.npy"),
    /obj\.npy: holds Python objects.*pickle/,
  );
});

Deno.test("npz: stored and deflated archives round trip; corrupt zip is a clear error", () => {
  const arrays = {
    a: npyArray("uint8", [2, 2], new Uint8Array([1, 2, 3, 4])),
    b: npyStrings(["x", "yy"]),
  };
  for (const compress of [false, true]) {
    const back = decodeNpz(encodeNpz(arrays, { compress }));
    assertEquals(Object.keys(back).sort(), ["a", "b"]);
    assertEquals(back.b.data, ["x", "yy"]);
  }
  const bytes = encodeNpz(arrays);
  assert.throws(
    () => decodeNpz(bytes.slice(0, bytes.length - 30), "bad.npz"),
    /bad\.npz: not a readable \.npz/,
  );
  assert.throws(
    () => decodeNpz(zipSync({ "notes.txt": new Uint8Array([1]) }), "odd.npz"),
    /odd\.npz: member 'notes\.txt' is not a \.npy/,
  );
});

Deno.test("fashion npz layout: validation rejects wrong keys, shapes and dtypes", () => {
  const images = npyArray("uint8", [2, 4, 3, 3], new Uint8Array(2 * 4 * 3 * 3));
  const labels = npyStrings(["Jeans", "Trousers"]);
  const genders = npyStrings(["Male", "Female"]);
  const ok = validateFashionArrays({ images, labels, genders }, "ok.npz");
  assertEquals(ok.count, 2);
  assertEquals([ok.height, ok.width], [4, 3]);
  assert.throws(
    () => validateFashionArrays({ x: images, labels, genders }, "keys.npz"),
    /keys\.npz: missing key\(s\) images; found x/,
  );
  assert.throws(
    () =>
      validateFashionArrays(
        { images, labels: npyStrings(["Jeans"]), genders },
        "n.npz",
      ),
    /n\.npz: 'labels' has shape \[1\], expected \[2\]/,
  );
  assert.throws(
    () =>
      validateFashionArrays({
        images: npyArray("float32", [2, 4, 3, 3], new Float32Array(72)),
        labels,
        genders,
      }, "f.npz"),
    /f\.npz: 'images' is float32, expected uint8/,
  );
  assert.throws(
    () =>
      validateFashionArrays({
        images: npyArray("uint8", [2, 12, 3], new Uint8Array(72)),
        labels,
        genders,
      }, "r.npz"),
    /r\.npz: 'images' has shape \[2,12,3\], expected \[N, height, width, 3\]/,
  );
  assert.throws(
    () =>
      validateFashionArrays({ images, labels, genders }, "s.npz", {
        width: 90,
        height: 120,
      }),
    /s\.npz: images are 3x4/,
  );
  // The authors' integer codes are accepted.
  const ints = validateFashionArrays({
    images,
    labels: npyArray("int64", [2], new BigInt64Array([0n, 1n])),
    genders,
  }, "i.npz");
  assertEquals(ints.labels, [0, 1]);
  assertEquals(
    fashionNpzName("Trousers & Jeans", "Male", "Validation"),
    "Trousers & Jeans - Male - Validation.npz",
  );
  assertEquals(parseFashionNpzName("/x/Shoes - All - Train.npz"), {
    category: "Shoes",
    subset: "All",
    split: "Train",
  });
});

Deno.test({
  name: "numpy.load reads our .npz without allow_pickle, and we read numpy's",
  ignore: !numpyAvailable,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "npz_numpy_" });
    try {
      const n = 3;
      const pixels = new Uint8Array(n * 120 * 90 * 3).map((_, i) =>
        (i * 7) % 256
      );
      const ours = join(dir, "Shoes - All - Train.npz");
      await writeFashionNpz(ours, {
        images: pixels,
        height: 120,
        width: 90,
        labels: ["Boots", "Trainers/Sneakers", "High heels"],
        genders: ["Male", "Male", "Female"],
      });
      const report = await python(`
import numpy as np, json
d = np.load(${JSON.stringify(ours)})
im = d["images"]
print(json.dumps({"keys": sorted(d.files), "dtype": str(im.dtype), "shape": list(im.shape),
  "sum": int(im.astype(np.int64).sum()), "labels": d["labels"].tolist(), "genders": d["genders"].tolist(),
  "ldtype": d["labels"].dtype.str}))
`);
      const parsed = JSON.parse(report);
      assertEquals(parsed.keys, ["genders", "images", "labels"]);
      assertEquals(parsed.dtype, "uint8");
      assertEquals(parsed.shape, [3, 120, 90, 3]);
      assertEquals(parsed.sum, pixels.reduce((a, b) => a + b, 0));
      assertEquals(parsed.labels, ["Boots", "Trainers/Sneakers", "High heels"]);
      assertEquals(parsed.genders, ["Male", "Male", "Female"]);
      assertEquals(parsed.ldtype, "<U17");

      // numpy's own files (savez and savez_compressed, Fortran order, big-endian, bytes) read back.
      const theirs = join(dir, "theirs.npz");
      const packed = join(dir, "packed.npz");
      await python(`
import numpy as np
im = (np.arange(2*120*90*3) % 251).astype(np.uint8).reshape(2, 120, 90, 3)
np.savez(${
        JSON.stringify(theirs)
      }, images=im, labels=np.array([1, 0]), genders=np.array(["Female", "Male"]),
  f=np.asfortranarray(np.arange(6, dtype=np.int32).reshape(2, 3)), be=np.array([1.5, -2.0], dtype=">f8"),
  s=np.array([b"ab", b"c"]))
np.savez_compressed(${
        JSON.stringify(packed)
      }, images=im, labels=np.array(["Jeans", "Trousers"]), genders=np.array(["Male", "Male"]))
`);
      const set = await readFashionNpz(theirs, { width: 90, height: 120 });
      assertEquals(set.count, 2);
      assertEquals(set.labels, [1, 0]);
      assertEquals(set.genders, ["Female", "Male"]);
      assertEquals(set.images[1000], 1000 % 251);
      const all = await readNpz(theirs);
      assertEquals(Array.from(all.f.data as Int32Array), [0, 1, 2, 3, 4, 5]);
      assertEquals(Array.from(all.be.data as Float64Array), [1.5, -2.0]);
      assertEquals(all.s.data, ["ab", "c"]);
      const compressed = await readFashionNpz(packed);
      assertEquals(compressed.labels, ["Jeans", "Trousers"]);
      assertEquals(compressed.images[12345], 12345 % 251);

      // Object arrays need pickle: we refuse them with advice.
      const pickled = join(dir, "pickled.npz");
      await python(`
import numpy as np
np.savez(${
        JSON.stringify(pickled)
      }, images=np.zeros((1, 2, 2, 3), np.uint8), labels=np.array(["a"], dtype=object), genders=np.array([0]))
`);
      await assert.rejects(
        readFashionNpz(pickled),
        /labels\.npy: holds Python objects/,
      );
      await writeNpz(join(dir, "plain.npz"), {
        x: npyArray("uint8", [1], new Uint8Array([9])),
      });
      assertEquals(
        await python(
          `import numpy as np; print(int(np.load(${
            JSON.stringify(join(dir, "plain.npz"))
          })["x"][0]))`,
        ),
        "9",
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
