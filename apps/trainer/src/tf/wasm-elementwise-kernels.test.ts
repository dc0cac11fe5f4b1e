import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mulberry32, normalArray } from "../data/seeded-random";
import { initBackend, tf } from "./backend";
import {
  CHANNEL_SUMS_KERNEL,
  CLIP_GRAD_KERNEL,
  RELU_GRAD_KERNEL,
} from "./wasm-elementwise-kernels";
import { simdKernelsFor } from "./wasm-simd-kernels";

/**
 * The element-wise training kernels and gradient overrides of wasm-elementwise-kernels.ts, checked
 * against the cpu backend (which runs tfjs-core's own gradients) over ranks, channel counts and
 * batch sizes, in inference-mode and training-mode batch normalization.
 */

interface Arr {
  values: Float32Array;
  shape: number[];
}

let seedCounter = 1000;
function randomArr(shape: number[], scale = 1, shift = 0): Arr {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = normalArray(size, mulberry32(seedCounter++)).map((v) => v * scale + shift);
  return { values, shape };
}

function expectClose(actual: Arr, expected: Arr, what: string, tolerance = 1e-3): void {
  expect(actual.shape, what).toEqual(expected.shape);
  let worst = 0;
  for (let i = 0; i < expected.values.length; i++) {
    const a = actual.values[i]!;
    const e = expected.values[i]!;
    worst = Math.max(worst, Math.abs(a - e) / (1e-1 + Math.abs(e)));
  }
  expect(worst, `${what}: worst relative error`).toBeLessThan(tolerance);
}

const read = (t: tf.Tensor): Arr => ({ values: t.dataSync() as Float32Array, shape: t.shape });

/** Runs `f` on a backend with fresh tensors made from `inputs`; returns every output as arrays. */
async function on(
  backend: "cpu" | "wasm",
  inputs: Arr[],
  f: (...ts: tf.Tensor[]) => tf.Tensor[],
): Promise<Arr[]> {
  await tf.setBackend(backend);
  const outputs = tf.tidy(() => f(...inputs.map((a) => tf.tensor(a.values, a.shape))));
  const arrays = outputs.map(read);
  tf.dispose(outputs);
  return arrays;
}

async function expectSameOnBoth(
  inputs: Arr[],
  f: (...ts: tf.Tensor[]) => tf.Tensor[],
  what: string,
  tolerance?: number,
): Promise<void> {
  const expected = await on("cpu", inputs, f);
  const actual = await on("wasm", inputs, f);
  expect(actual).toHaveLength(expected.length);
  actual.forEach((a, i) => {
    expectClose(a, expected[i]!, `${what} output ${i}`, tolerance);
  });
}

const SHAPES = [
  [8, 3],
  [5, 7],
  [2, 5, 7, 4],
  [3, 6, 6, 16],
  [1, 9, 4, 33],
  [4, 3, 3, 96],
];

beforeAll(async () => {
  await import("@tensorflow/tfjs-backend-cpu");
  await initBackend("wasm");
});

afterAll(async () => {
  await tf.setBackend("wasm");
});

describe("element-wise wasm kernels and gradients match the cpu backend", () => {
  it("relu then clipByValue (Keras ReLU6): values and gradients", async () => {
    for (const shape of SHAPES) {
      // Spread over [-3, 9] so both bounds are crossed; a few values sit exactly on them.
      const x = randomArr(shape, 3, 3);
      for (const at of [0, 3, 5]) if (at < x.values.length) x.values[at] = at === 0 ? 0 : 6;
      const dy = randomArr(shape);
      await expectSameOnBoth(
        [x, dy],
        (xt, dyt) => {
          const f = (v: tf.Tensor) => tf.clipByValue(tf.relu(v), 0, 6);
          return [f(xt!), tf.grad(f)(xt!, dyt)];
        },
        `relu6 ${shape}`,
      );
      await expectSameOnBoth(
        [x, dy],
        (xt, dyt) => [tf.grad((v: tf.Tensor) => tf.clipByValue(v, -0.5, 2.25))(xt!, dyt)],
        `clip ${shape}`,
      );
    }
  });

  it("runs the SIMD module on this machine (the fast paths above are the ones tested)", async () => {
    await tf.setBackend("wasm");
    expect(simdKernelsFor(tf.backend())).toBeDefined();
  });

  it(`${CLIP_GRAD_KERNEL} passes dy exactly on the closed range and 0 outside it`, async () => {
    await tf.setBackend("wasm");
    const x = tf.tensor1d([-1, 0, 0.5, 6, 6.5, Number.NaN]);
    const dy = tf.tensor1d([1, 2, 3, 4, 5, 6]);
    const dx = tf
      .engine()
      .runKernel(CLIP_GRAD_KERNEL, { dy, x }, { clipValueMin: 0, clipValueMax: 6 }) as tf.Tensor;
    expect(Array.from(dx.dataSync())).toEqual([0, 2, 3, 4, 0, 0]);
    tf.dispose([x, dy, dx]);
  });

  it(`${RELU_GRAD_KERNEL} keeps tfjs's NaN for a NaN input, and ${CHANNEL_SUMS_KERNEL} sums per channel`, async () => {
    await tf.setBackend("wasm");
    const x = tf.tensor1d([-1, 0, 0.5, Number.NaN, 3, -2, 1]);
    const dy = tf.tensor1d([1, 2, 3, 4, 5, 6, 7]);
    const dx = tf.engine().runKernel(RELU_GRAD_KERNEL, { dy, x }) as tf.Tensor;
    expect(Array.from(dx.dataSync())).toEqual([0, 0, 3, Number.NaN, 5, 0, 7]);
    const rows = tf.tensor2d([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const sums = tf.engine().runKernel(CHANNEL_SUMS_KERNEL, { dy: rows }) as tf.Tensor;
    const mean = tf.tensor1d([1, 1, 1]);
    const centred = tf
      .engine()
      .runKernel(CHANNEL_SUMS_KERNEL, { dy: rows, x: rows, mean }) as tf.Tensor;
    expect(Array.from(sums.dataSync())).toEqual([5, 7, 9]);
    expect(Array.from(centred.dataSync())).toEqual([0 * 1 + 3 * 4, 1 * 2 + 4 * 5, 2 * 3 + 5 * 6]);
    tf.dispose([x, dy, dx, rows, sums, mean, centred]);
  });

  it("batchNorm in inference mode (fixed statistics): output and gradients of x, scale and offset", async () => {
    // With scale and offset, as Keras layers have them: tfjs-core cannot differentiate a batchNorm
    // without either (its tape and gradient read the missing inputs), on any backend.
    for (const shape of SHAPES) {
      const channels = shape.at(-1)!;
      const x = randomArr(shape, 2, 0.5);
      const dy = randomArr(shape);
      const mean = randomArr([channels], 0.5);
      const variance = {
        values: randomArr([channels]).values.map((v) => 0.2 + v * v),
        shape: [channels],
      };
      const scale = randomArr([channels], 1, 1);
      const offset = randomArr([channels]);
      await expectSameOnBoth(
        [x, dy, mean, variance, scale, offset],
        (xt, dyt, m, v, s, o) => {
          const { value, grads } = tf.valueAndGrads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
            tf.batchNorm(a, m!, v!, c, b, 1e-3),
          )([xt!, s!, o!], dyt);
          return [value, ...grads];
        },
        `batchNorm ${shape}`,
      );
    }
  });

  it("batchNorm in training mode (statistics from the batch): gradients through mean and variance", async () => {
    for (const shape of SHAPES) {
      const channels = shape.at(-1)!;
      const axes = shape.slice(0, -1).map((_, i) => i);
      const x = randomArr(shape, 1.5, -0.25);
      const dy = randomArr(shape);
      const scale = randomArr([channels], 1, 1);
      const offset = randomArr([channels]);
      await expectSameOnBoth(
        [x, dy, scale, offset],
        (xt, dyt, s, o) => {
          const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => {
            const { mean, variance } = tf.moments(a, axes);
            return tf.batchNorm(a, mean, variance, c, b, 1e-3);
          };
          const { value, grads } = tf.valueAndGrads(f)([xt!, s!, o!], dyt);
          return [value, ...grads];
        },
        `training-mode batchNorm ${shape}`,
        // The x gradient is a small difference of large terms here; cpu sums in float32 too.
        5e-3,
      );
    }
  });

  it("Slice (row copies) over ranks, partial and whole axes, and the ZeroPadding2D gradient", async () => {
    const cases: Array<[number[], number[], number[]]> = [
      [[7], [2], [4]],
      [
        [5, 6],
        [1, 0],
        [3, 6],
      ],
      [
        [5, 6],
        [0, 2],
        [5, 3],
      ],
      [
        [2, 9, 9, 5],
        [0, 1, 1, 0],
        [2, 8, 8, 5],
      ],
      [
        [2, 9, 9, 5],
        [1, 0, 0, 0],
        [1, 9, 9, 5],
      ],
      [
        [3, 4, 5, 6],
        [1, 2, 3, 4],
        [2, 1, 2, 1],
      ],
      [
        [3, 4, 5, 6],
        [0, 0, 0, 0],
        [-1, -1, -1, -1],
      ],
      [
        [2, 3, 4, 5, 6],
        [1, 1, 0, 2, 0],
        [1, 2, 4, 3, 6],
      ],
      [
        [4, 4],
        [1, 1],
        [0, 2],
      ],
    ];
    for (const [shape, begin, size] of cases) {
      await expectSameOnBoth(
        [randomArr(shape)],
        (x) => [tf.slice(x!, begin, size)],
        `slice ${shape} at ${begin} size ${size}`,
      );
    }
    const x = randomArr([2, 8, 8, 3]);
    const dy = randomArr([2, 9, 9, 3]);
    await expectSameOnBoth(
      [x, dy],
      (xt, dyt) => [
        tf.grad((v: tf.Tensor) =>
          tf.pad(v, [
            [0, 0],
            [0, 1],
            [0, 1],
            [0, 0],
          ]),
        )(xt!, dyt),
      ],
      "pad gradient",
    );
    await tf.setBackend("wasm");
    const source = tf.tensor2d(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      [2, 3],
      "int32",
    );
    const ints = tf.slice(source, [0, 1], [2, 2]);
    expect(Array.from(ints.dataSync())).toEqual([2, 3, 5, 6]);
    tf.dispose([source, ints]);
  });

  it("a per-channel bias Add and its gradient's Sum over leading axes (fast paths), and others", async () => {
    // Channel counts with and without a SIMD remainder, the bias on either side, ranks 2 to 4,
    // and shapes the fast paths leave to the backend (too small, or not a per-channel bias).
    for (const [shape, biasShape] of [
      [[32, 28, 28, 6], [6]],
      [[4, 10, 10, 16], [16]],
      [[64, 120], [120]],
      [[3, 50, 33], [33]],
      [[2, 3, 5], [5]],
      [
        [8, 20, 30],
        [1, 30],
      ],
      [
        [64, 8, 9],
        [8, 9],
      ],
    ] as const) {
      const x = randomArr([...shape]);
      const bias = randomArr([...biasShape]);
      await expectSameOnBoth(
        [x, bias],
        (xt, bt) => {
          const [plus, plusFlipped] = [tf.add(xt!, bt!), tf.add(bt!, xt!)];
          const [dx, dBias] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.add(a, b))([xt!, bt!]);
          return [plus, plusFlipped, dx!, dBias!];
        },
        `x ${shape} + bias ${biasShape}`,
      );
      const leading = shape.slice(0, -1).map((_, axis) => axis);
      await expectSameOnBoth(
        [x],
        (xt) => [
          tf.sum(xt!, leading),
          tf.sum(xt!, [...leading].reverse(), true),
          tf.sum(
            xt!,
            leading.map((axis) => axis - shape.length),
          ),
          tf.sum(xt!, shape.length - 1),
        ],
        `sums of ${shape}`,
      );
    }
  });

  it("AvgPoolGrad of global average pooling (fast path) and of other poolings", async () => {
    for (const [shape, filter, strides, pad] of [
      [[8, 7, 7, 20], [7, 7], 1, "valid"],
      [[2, 5, 3, 3], [5, 3], 2, "valid"],
      [[2, 6, 6, 4], [3, 3], 3, "valid"],
      [[1, 4, 4, 2], [4, 4], 1, "same"],
    ] as const) {
      const x = randomArr([...shape]);
      const info = tf.backend_util.computePool2DInfo(
        [...shape] as [number, number, number, number],
        [...filter] as [number, number],
        strides,
        1,
        pad,
      );
      const dy = randomArr(info.outShape);
      await expectSameOnBoth(
        [x, dy],
        (xt, dyt) => [
          tf.grad((v: tf.Tensor) =>
            tf.avgPool(v as tf.Tensor4D, [...filter] as [number, number], strides, pad),
          )(xt!, dyt),
        ],
        `avgPool gradient ${shape} filter ${filter} strides ${strides} ${pad}`,
      );
    }
  });

  it("Identity (tf.clone) shares data and keeps each copy alive until its own dispose", async () => {
    await tf.setBackend("wasm");
    const before = tf.engine().backend.numDataIds();
    const x = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const y = tf.clone(x);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4]);
    const source = tf.tensor1d([7, 8], "int32");
    const ints = tf.clone(source);
    source.dispose();
    expect(ints.dtype).toBe("int32");
    expect(Array.from(ints.dataSync())).toEqual([7, 8]);
    expect(tf.engine().backend.numDataIds()).toBe(before + 2);
    tf.dispose([y, ints]);
    expect(tf.engine().backend.numDataIds()).toBe(before);
  });
});
