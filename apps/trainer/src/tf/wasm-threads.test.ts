import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mulberry32, normalArray } from "../data/seeded-random";
import { initBackend, tf, type BackendInfo } from "./backend";
import { wasmThreadsFor } from "./wasm-thread-count";

/**
 * The threaded wasm build in Node: the numbers match the cpu backend's, the pool has the size it
 * was asked for, and a build that cannot start leaves a working single-threaded backend.
 * (That a process with a thread pool still exits by itself is checked on real CLI processes in
 * cli/backend-startup.test.ts.)
 */

let seed = 1;
const random = (shape: number[]) =>
  Float32Array.from(
    normalArray(
      shape.reduce((a, b) => a * b, 1),
      mulberry32(seed++),
    ),
  );

type Case = { name: string; inputs: number[][]; run: (inputs: tf.Tensor[]) => tf.Tensor };

// Shapes large enough that XNNPACK splits the work across the pool's threads.
const CASES: Case[] = [
  {
    name: "conv2d 3×3 same",
    inputs: [
      [2, 32, 32, 16],
      [3, 3, 16, 32],
    ],
    run: ([x, f]) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, "same"),
  },
  {
    name: "conv2d 3×3 stride 2 valid",
    inputs: [
      [2, 33, 31, 8],
      [3, 3, 8, 24],
    ],
    run: ([x, f]) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 2, "valid"),
  },
  {
    name: "fused conv2d + bias + relu6 (what tfjs-layers runs)",
    inputs: [[2, 28, 28, 16], [1, 1, 16, 64], [64]],
    run: ([x, f, b]) =>
      tf.fused.conv2d({
        x: x as tf.Tensor4D,
        filter: f as tf.Tensor4D,
        strides: 1,
        pad: "same",
        bias: b,
        activation: "relu6",
      }),
  },
  {
    name: "depthwise conv 3×3",
    inputs: [
      [2, 32, 32, 32],
      [3, 3, 32, 1],
    ],
    run: ([x, f]) => tf.depthwiseConv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, "same"),
  },
  {
    name: "depthwise conv 3×3 stride 2, multiplier 2",
    inputs: [
      [2, 31, 32, 8],
      [3, 3, 8, 2],
    ],
    run: ([x, f]) => tf.depthwiseConv2d(x as tf.Tensor4D, f as tf.Tensor4D, 2, "same"),
  },
  {
    name: "matMul",
    inputs: [
      [128, 256],
      [256, 96],
    ],
    run: ([a, b]) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D),
  },
  {
    name: "batched matMul, transposed b",
    inputs: [
      [4, 64, 80],
      [4, 48, 80],
    ],
    run: ([a, b]) => tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D, false, true),
  },
  {
    // Through the trainer's own gradient kernels (tf/wasm-kernels.ts): the filter gradient of a conv.
    name: "conv2d filter gradient",
    inputs: [
      [2, 16, 16, 8],
      [3, 3, 8, 12],
    ],
    run: ([x, f]) =>
      tf.grad((filter: tf.Tensor) =>
        tf.sum(tf.square(tf.conv2d(x as tf.Tensor4D, filter as tf.Tensor4D, 1, "same"))),
      )(f!),
  },
];

async function runOn(
  backend: "cpu" | "wasm",
  c: Case,
  values: Float32Array[],
): Promise<{ values: Float32Array; shape: number[] }> {
  await tf.setBackend(backend);
  const out = tf.tidy(() => c.run(values.map((v, i) => tf.tensor(v, c.inputs[i]))));
  const result = { values: (await out.data()) as Float32Array, shape: out.shape };
  out.dispose();
  return result;
}

describe("the wasm backend with 2 threads", () => {
  let info: BackendInfo;

  beforeAll(async () => {
    await import("@tensorflow/tfjs-backend-cpu");
    info = await initBackend("wasm", { wasmThreads: 2 });
  });

  afterAll(async () => {
    await tf.setBackend("wasm");
  });

  it("runs the thread pool it was asked for and says so", () => {
    expect(info.threads).toBe(2);
    expect(info.threadsNote).toBeUndefined();
    expect(info.device).toMatch(/^wasm \(SIMD, multi-threaded \(2 threads\)\) on /);
    expect(tf.env().getBool("WASM_HAS_MULTITHREAD_SUPPORT")).toBe(true);
  });

  it.each(CASES.map((c) => [c.name, c] as const))(
    "%s matches the cpu backend",
    async (_name, c) => {
      const values = c.inputs.map(random);
      const expected = await runOn("cpu", c, values);
      const actual = await runOn("wasm", c, values);
      expect(actual.shape).toEqual(expected.shape);
      let worst = 0;
      for (let i = 0; i < expected.values.length; i++) {
        worst = Math.max(
          worst,
          Math.abs(actual.values[i]! - expected.values[i]!) /
            (1e-1 + Math.abs(expected.values[i]!)),
        );
      }
      expect(worst).toBeLessThan(1e-3);
    },
  );
});

describe("when the threaded build cannot start", () => {
  it("falls back to the single-threaded build, says why, and computes", async () => {
    await initBackend("wasm", { wasmThreads: 1 });
    const refused = new URL(
      `data:text/javascript,${encodeURIComponent("throw new Error('threads refused by this host')")}`,
    );
    const info = await initBackend("wasm", {
      wasmThreads: 2,
      threadedWasm: { workerScript: refused },
    });
    expect(info.threads).toBe(1);
    expect(info.device).toMatch(/^wasm \(SIMD, single-threaded\) on /);
    expect(info.threadsNote).toContain("threads refused by this host");
    expect(tf.getBackend()).toBe("wasm");
    expect(tf.env().getBool("WASM_HAS_MULTITHREAD_SUPPORT")).toBe(false);
    const x = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    const y = tf.conv2d(x, tf.ones([2, 2, 1, 1]) as tf.Tensor4D, 1, "valid");
    expect(Array.from(await y.data())).toEqual([10]);
    tf.dispose([x, y]);
  });

  it("falls back when the workers never load", async () => {
    await initBackend("wasm", { wasmThreads: 1 });
    // A worker script that neither fails nor answers.
    const silent = new URL(
      `data:text/javascript,${encodeURIComponent("setInterval(() => {}, 1000)")}`,
    );
    const info = await initBackend("wasm", {
      wasmThreads: 2,
      threadedWasm: { workerScript: silent, timeoutMs: 1_000 },
    });
    expect(info.threads).toBe(1);
    expect(info.threadsNote).toMatch(/did not load within 1 s/);
  });

  it("refuses a thread count outside 1 to 8", async () => {
    await expect(initBackend("wasm", { wasmThreads: 0 })).rejects.toThrow(
      /wasmThreads must be a whole number from 1 to 8, got 0/,
    );
    await expect(initBackend("wasm", { wasmThreads: 9 })).rejects.toThrow(RangeError);
  });
});

describe("wasmThreadsFor", () => {
  it("shares the host's cores among its training processes, at least 1 and at most 8 each", () => {
    expect(wasmThreadsFor({ parallelism: 2 })).toBe(2);
    expect(wasmThreadsFor({ parallelism: 2, processes: 2 })).toBe(1);
    expect(wasmThreadsFor({ parallelism: 2, processes: 4 })).toBe(1);
    expect(wasmThreadsFor({ parallelism: 16, processes: 3 })).toBe(5);
    expect(wasmThreadsFor({ parallelism: 64 })).toBe(8);
  });

  it("takes TLAB_THREADS as given", () => {
    expect(wasmThreadsFor({ override: 3, parallelism: 2, processes: 2 })).toBe(3);
  });
});
