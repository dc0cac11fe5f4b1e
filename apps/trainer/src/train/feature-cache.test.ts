import { mkdtemp, readdir, readFile, rm, truncate, utimes, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { canonicalJson, FeatureCache, type FeatureKey, type Features } from "./feature-cache";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "tlab-feature-cache-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function key(overrides: Partial<FeatureKey> = {}, split = "train"): FeatureKey {
  return {
    baseModelSha256: "a".repeat(64),
    cutLayer: "fc2",
    preprocessing: "unit",
    dataset: {
      spec: { source: "mnist", classes: [5, 6], seed: 3 },
      split,
      count: 4,
      contentSha256: "b".repeat(64),
    },
    ...overrides,
  };
}

function features(count: number, width: number, start = 0): Features {
  return {
    shape: [count, width],
    data: Float32Array.from({ length: count * width }, (_, i) => start + i / 7),
  };
}

const entryBytes = (f: Features) => f.data.byteLength;

describe("FeatureCache", () => {
  it("returns exactly what was stored, for the same key only", async () => {
    const cache = new FeatureCache({ dir, maxBytes: 1 << 20 });
    const stored = features(4, 3);
    expect(await cache.get(key())).toBeUndefined();
    expect(await cache.put(key(), stored)).toEqual({ stored: true });
    const read = await cache.get(key());
    expect(read?.shape).toEqual([4, 3]);
    expect(Array.from(read!.data)).toEqual(Array.from(stored.data));
    // Any part of the key changing is a different entry.
    expect(await cache.get(key({ cutLayer: "fc1" }))).toBeUndefined();
    expect(await cache.get(key({ baseModelSha256: "c".repeat(64) }))).toBeUndefined();
    expect(await cache.get(key({}, "val"))).toBeUndefined();
    // Key order does not matter.
    const reordered = JSON.parse(canonicalJson(key())) as FeatureKey;
    expect(FeatureCache.entryId(reordered)).toBe(FeatureCache.entryId(key()));
    // Files: raw float32 data plus a readable header, nothing temporary left behind.
    const names = (await readdir(dir)).sort();
    expect(names).toEqual([
      `${FeatureCache.entryId(key())}.f32`,
      `${FeatureCache.entryId(key())}.json`,
    ]);
    const header = JSON.parse(await readFile(path.join(dir, names[1]!), "utf8"));
    expect(header).toMatchObject({ shape: [4, 3], dtype: "float32", bytes: 48, key: key() });
  });

  it("treats a truncated data file or a damaged header as a miss and removes the entry", async () => {
    const cache = new FeatureCache({ dir, maxBytes: 1 << 20 });
    const id = FeatureCache.entryId(key());
    await cache.put(key(), features(4, 3));
    await truncate(path.join(dir, `${id}.f32`), 20);
    expect(await cache.get(key())).toBeUndefined();
    expect(await readdir(dir)).toEqual([]);

    await cache.put(key(), features(4, 3));
    await writeFile(path.join(dir, `${id}.json`), "{ not json");
    expect(await cache.get(key())).toBeUndefined();
    expect(await readdir(dir)).toEqual([]);

    // A header whose shape disagrees with its byte count is refused too.
    await cache.put(key(), features(4, 3));
    const header = JSON.parse(await readFile(path.join(dir, `${id}.json`), "utf8"));
    await writeFile(path.join(dir, `${id}.json`), JSON.stringify({ ...header, shape: [4, 4] }));
    expect(await cache.get(key())).toBeUndefined();
  });

  it("evicts the least recently used entries beyond its size cap", async () => {
    const one = features(16, 16); // 1 KiB of data per entry
    const headerAllowance = 2048;
    const cache = new FeatureCache({ dir, maxBytes: 3 * entryBytes(one) + headerAllowance });
    const keys = [0, 1, 2, 3].map((i) => key({ cutLayer: `layer${i}` }));
    const id = (k: FeatureKey) => FeatureCache.entryId(k);
    // Distinct, increasing mtimes without sleeping.
    let clock = Date.now() / 1000 - 100;
    const age = async (k: FeatureKey) => {
      clock += 1;
      await utimes(path.join(dir, `${id(k)}.json`), clock, clock);
    };
    for (const k of keys.slice(0, 3)) {
      await cache.put(k, one);
      await age(k);
    }
    // Reading entry 0 makes entry 1 the least recently used.
    expect(await cache.get(keys[0]!)).toBeDefined();
    await age(keys[0]!);
    await cache.put(keys[3]!, one);
    expect(await cache.get(keys[1]!)).toBeUndefined();
    for (const k of [keys[0]!, keys[2]!, keys[3]!])
      expect(await cache.get(k), k.cutLayer).toBeDefined();
    expect(await cache.sizeBytes()).toBeLessThanOrEqual(3 * entryBytes(one) + headerAllowance);
  });

  it("does not store an entry larger than the whole cap", async () => {
    const cache = new FeatureCache({ dir, maxBytes: 100 });
    expect(await cache.put(key(), features(10, 10))).toEqual({ stored: false });
    expect(await cache.get(key())).toBeUndefined();
  });

  it("refuses features whose values do not fill their shape", async () => {
    const cache = new FeatureCache({ dir, maxBytes: 1 << 20 });
    await expect(cache.put(key(), { shape: [2, 3], data: new Float32Array(5) })).rejects.toThrow(
      /need 6 values, got 5/,
    );
  });
});
