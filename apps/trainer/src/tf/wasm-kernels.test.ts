import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mulberry32, normalArray } from "../data/seeded-random";
import { initBackend, tf } from "./backend";
import { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from "./wasm-kernels";

/**
 * The wasm training kernels are checked against tfjs' pure-JS cpu backend. The cpu depthwise
 * gradient kernels ignore dilations (tfjs-core never asks for dilated gradients), so dilated cases
 * use an identity instead: a convolution with dilation d equals an undilated one whose filter has
 * d - 1 zeros between taps. The reference runs that undilated convolution on cpu and keeps every
 * d-th tap of its filter gradient (or feeds it the zero-spread filter for the input gradient).
 */

type Pad =
  | "same"
  | "valid"
  | number
  | [[number, number], [number, number], [number, number], [number, number]];
type Pair = [number, number];

interface Arr {
  values: Float32Array;
  shape: number[];
}

let seedCounter = 1;
function randomArr(shape: number[]): Arr {
  const size = shape.reduce((a, b) => a * b, 1);
  return { values: normalArray(size, mulberry32(seedCounter++)), shape };
}

async function runKernel(
  backend: "cpu" | "wasm",
  kernelName: string,
  inputs: Record<string, Arr>,
  attrs: object,
): Promise<Arr> {
  await tf.setBackend(backend);
  const out = tf.tidy(() => {
    const tensors = Object.fromEntries(
      Object.entries(inputs).map(([k, a]) => [k, tf.tensor(a.values, a.shape)]),
    );
    return tf.engine().runKernel(kernelName, tensors, attrs as tf.NamedAttrMap) as tf.Tensor;
  });
  const result = { values: out.dataSync() as Float32Array, shape: out.shape };
  out.dispose();
  return result;
}

function expectClose(actual: Arr, expected: Arr, what: string): void {
  expect(actual.shape, what).toEqual(expected.shape);
  let worst = 0;
  for (let i = 0; i < expected.values.length; i++) {
    const a = actual.values[i]!;
    const e = expected.values[i]!;
    worst = Math.max(worst, Math.abs(a - e) / (1e-1 + Math.abs(e)));
  }
  expect(worst, `${what}: worst relative error`).toBeLessThan(1e-3);
}

function pair(v: number | Pair): Pair {
  return typeof v === "number" ? [v, v] : v;
}

function outSize(
  xShape: number[],
  filterShape: number[],
  strides: number | Pair,
  dilations: number | Pair,
  pad: Pad,
  depthwise: boolean,
) {
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    dilations,
    pad,
    undefined,
    depthwise,
  );
  return [info.outHeight, info.outWidth] as const;
}

/** [fh, fw, ...] -> [(fh-1)*dh+1, (fw-1)*dw+1, ...] with zeros between taps. */
function spreadFilter(filter: Arr, [dh, dw]: Pair): Arr {
  const [fh, fw, c, m] = filter.shape as [number, number, number, number];
  const eh = (fh - 1) * dh + 1;
  const ew = (fw - 1) * dw + 1;
  const values = new Float32Array(eh * ew * c * m);
  for (let i = 0; i < fh; i++)
    for (let j = 0; j < fw; j++)
      for (let k = 0; k < c * m; k++)
        values[(i * dh * ew + j * dw) * c * m + k] = filter.values[(i * fw + j) * c * m + k]!;
  return { values, shape: [eh, ew, c, m] };
}

/** Inverse of spreadFilter for a gradient: keeps the taps at multiples of the dilation. */
function pickTaps(grad: Arr, [dh, dw]: Pair, fh: number, fw: number): Arr {
  const [, ew, c, m] = grad.shape as [number, number, number, number];
  const values = new Float32Array(fh * fw * c * m);
  for (let i = 0; i < fh; i++)
    for (let j = 0; j < fw; j++)
      for (let k = 0; k < c * m; k++)
        values[(i * fw + j) * c * m + k] = grad.values[(i * dh * ew + j * dw) * c * m + k]!;
  return { values, shape: [fh, fw, c, m] };
}

interface Case {
  x: [number, number, number, number];
  filter: [number, number];
  strides: number | Pair;
  dilations: number | Pair;
  pad: Pad;
}

const X_SHAPES: Case["x"][] = [
  [2, 7, 7, 3],
  [3, 9, 6, 2],
  [1, 5, 8, 1],
];
const FILTERS: Pair[] = [
  [3, 3],
  [2, 3],
  [1, 1],
];
const STRIDES: (number | Pair)[] = [1, 2, [2, 1], 3];
const DILATIONS: (number | Pair)[] = [1, 2, [1, 2]];
const PADS: Pad[] = [
  "same",
  "valid",
  1,
  [
    [0, 0],
    [1, 2],
    [0, 1],
    [0, 0],
  ],
];

function grid(): Case[] {
  const cases: Case[] = [];
  for (const x of X_SHAPES)
    for (const filter of FILTERS)
      for (const strides of STRIDES)
        for (const dilations of DILATIONS)
          for (const pad of PADS) {
            const [oh, ow] = outSize(x, [...filter, x[3], 2], strides, dilations, pad, false);
            if (oh > 0 && ow > 0) cases.push({ x, filter, strides, dilations, pad });
          }
  return cases;
}

const describeCase = (c: Case) =>
  `x=${c.x} filter=${c.filter} strides=${c.strides} dilations=${c.dilations} pad=${JSON.stringify(c.pad)}`;

beforeAll(async () => {
  await import("@tensorflow/tfjs-backend-cpu");
  await initBackend("wasm");
});

afterAll(async () => {
  await tf.setBackend("wasm");
});

describe("wasm training kernels match the cpu backend", () => {
  const cases = grid();

  it(`Conv2DBackpropFilter over ${cases.length} shape/stride/padding/dilation cases`, async () => {
    for (const c of cases) {
      const outChannels = 4;
      const filterShape = [...c.filter, c.x[3], outChannels];
      const [oh, ow] = outSize(c.x, filterShape, c.strides, c.dilations, c.pad, false);
      const x = randomArr(c.x);
      const dy = randomArr([c.x[0], oh, ow, outChannels]);
      const d = pair(c.dilations);
      const spreadShape = [
        (c.filter[0] - 1) * d[0] + 1,
        (c.filter[1] - 1) * d[1] + 1,
        c.x[3],
        outChannels,
      ];
      const reference = await runKernel(
        "cpu",
        "Conv2DBackpropFilter",
        { x, dy },
        {
          strides: c.strides,
          pad: c.pad,
          dataFormat: "NHWC",
          filterShape: spreadShape,
        },
      );
      const actual = await runKernel(
        "wasm",
        "Conv2DBackpropFilter",
        { x, dy },
        {
          strides: c.strides,
          pad: c.pad,
          dataFormat: "NHWC",
          filterShape,
          dilations: c.dilations,
        },
      );
      expectClose(actual, pickTaps(reference, d, c.filter[0], c.filter[1]), describeCase(c));
    }
  });

  it("Conv2DBackpropFilter with NCHW data", async () => {
    const x = randomArr([2, 3, 8, 7]);
    const filterShape = [3, 3, 3, 5];
    const [oh, ow] = outSize([2, 8, 7, 3], filterShape, 2, 1, "same", false);
    const dy = randomArr([2, 5, oh, ow]);
    const attrs = { strides: 2, pad: "same", dataFormat: "NCHW", filterShape };
    expectClose(
      await runKernel("wasm", "Conv2DBackpropFilter", { x, dy }, attrs),
      await runKernel("cpu", "Conv2DBackpropFilter", { x, dy }, attrs),
      "NCHW",
    );
  });

  it("Conv2DBackpropFilter of 1×1 convolutions (the matrix-product path), wider input or wider output", async () => {
    let checked = 0;
    // Aligned channel counts (C % 4, O % 8) take the SIMD loop, which walks the pixels in chunks of
    // 128 (300 pixels end mid-chunk); the others take the transpose-and-matmul path.
    for (const [batch, height, width] of [
      [1, 1, 1],
      [2, 5, 7],
      [4, 8, 8],
      [3, 1, 9],
      [3, 10, 10],
    ] as const) {
      for (const [inChannels, outChannels] of [
        [1, 1],
        [3, 16],
        [16, 3],
        [24, 144],
        [144, 24],
        [7, 7],
        [4, 8],
        [32, 16],
      ] as const) {
        for (const pad of ["same", "valid", 0] as const) {
          const x = randomArr([batch, height, width, inChannels]);
          const dy = randomArr([batch, height, width, outChannels]);
          const attrs = {
            strides: 1,
            pad,
            dataFormat: "NHWC",
            filterShape: [1, 1, inChannels, outChannels],
          };
          expectClose(
            await runKernel("wasm", "Conv2DBackpropFilter", { x, dy }, attrs),
            await runKernel("cpu", "Conv2DBackpropFilter", { x, dy }, attrs),
            `x=${x.shape} dy=${dy.shape} pad=${pad}`,
          );
          checked++;
        }
      }
    }
    expect(checked).toBe(120);
  });

  it(`DepthwiseConv2dNativeBackpropFilter and ...BackpropInput over ${cases.length} cases`, async () => {
    for (const c of cases) {
      for (const multiplier of [1, 2]) {
        const filterShape = [...c.filter, c.x[3], multiplier];
        const [oh, ow] = outSize(c.x, filterShape, c.strides, c.dilations, c.pad, true);
        const x = randomArr(c.x);
        const dy = randomArr([c.x[0], oh, ow, c.x[3] * multiplier]);
        const filter = randomArr(filterShape);
        const d = pair(c.dilations);
        const spread = spreadFilter(filter, d);
        const what = `${describeCase(c)} multiplier=${multiplier}`;

        const refFilterGrad = await runKernel(
          "cpu",
          "DepthwiseConv2dNativeBackpropFilter",
          { x, dy },
          {
            strides: c.strides,
            dilations: 1,
            pad: c.pad,
            filterShape: spread.shape,
          },
        );
        const filterGrad = await runKernel(
          "wasm",
          "DepthwiseConv2dNativeBackpropFilter",
          { x, dy },
          {
            strides: c.strides,
            dilations: c.dilations,
            pad: c.pad,
            filterShape,
          },
        );
        expectClose(
          filterGrad,
          pickTaps(refFilterGrad, d, c.filter[0], c.filter[1]),
          `filter grad ${what}`,
        );

        const refInputGrad = await runKernel(
          "cpu",
          "DepthwiseConv2dNativeBackpropInput",
          { dy, filter: spread },
          {
            strides: c.strides,
            dilations: 1,
            pad: c.pad,
            inputShape: c.x,
          },
        );
        const inputGrad = await runKernel(
          "wasm",
          "DepthwiseConv2dNativeBackpropInput",
          { dy, filter },
          {
            strides: c.strides,
            dilations: c.dilations,
            pad: c.pad,
            inputShape: c.x,
          },
        );
        expectClose(inputGrad, refInputGrad, `input grad ${what}`);
      }
    }
  });

  it("DepthwiseConv2dNativeBackpropFilter and ...BackpropInput (SIMD paths) with MobileNetV2-like channel counts", async () => {
    let checked = 0;
    for (const [batch, size, channels] of [
      [1, 5, 4],
      [2, 7, 8],
      [3, 9, 13],
      [2, 12, 32],
      [1, 6, 37],
    ] as const) {
      for (const strides of [1, 2] as const) {
        for (const pad of [
          "same",
          "valid",
          [
            [0, 0],
            [0, 1],
            [1, 0],
            [0, 0],
          ],
        ] as const) {
          const xShape: Case["x"] = [batch, size, size, channels];
          const filterShape = [3, 3, channels, 1];
          const [oh, ow] = outSize(xShape, filterShape, strides, 1, pad as Pad, true);
          const x = randomArr(xShape);
          const dy = randomArr([batch, oh, ow, channels]);
          const attrs = { strides, dilations: 1, pad, filterShape };
          expectClose(
            await runKernel("wasm", "DepthwiseConv2dNativeBackpropFilter", { x, dy }, attrs),
            await runKernel("cpu", "DepthwiseConv2dNativeBackpropFilter", { x, dy }, attrs),
            `filter grad x=${xShape} strides=${strides} pad=${JSON.stringify(pad)}`,
          );
          const filter = randomArr(filterShape);
          const inputAttrs = { strides, dilations: 1, pad, inputShape: xShape };
          expectClose(
            await runKernel(
              "wasm",
              "DepthwiseConv2dNativeBackpropInput",
              { dy, filter },
              inputAttrs,
            ),
            await runKernel(
              "cpu",
              "DepthwiseConv2dNativeBackpropInput",
              { dy, filter },
              inputAttrs,
            ),
            `input grad x=${xShape} strides=${strides} pad=${JSON.stringify(pad)}`,
          );
          checked++;
        }
      }
    }
    expect(checked).toBe(30);
  });

  it(`Conv2DBackpropInput (replacing the built-in one) over ${cases.filter((c) => c.dilations === 1).length} cases`, async () => {
    // tfjs-core never asks Conv2DBackpropInput for dilations, and the cpu reference ignores them.
    for (const c of cases.filter((c) => c.dilations === 1)) {
      for (const outChannels of [1, 4]) {
        const filterShape = [...c.filter, c.x[3], outChannels];
        const [oh, ow] = outSize(c.x, filterShape, c.strides, 1, c.pad, false);
        const dy = randomArr([c.x[0], oh, ow, outChannels]);
        const filter = randomArr(filterShape);
        const attrs = { strides: c.strides, pad: c.pad, dataFormat: "NHWC", inputShape: c.x };
        expectClose(
          await runKernel("wasm", "Conv2DBackpropInput", { dy, filter }, attrs),
          await runKernel("cpu", "Conv2DBackpropInput", { dy, filter }, attrs),
          `${describeCase(c)} outChannels=${outChannels}`,
        );
      }
    }
  });

  it("Conv2DBackpropFilter and ...Input of dense convolutions on both sides of the SIMD path's limits", async () => {
    // The SIMD loop takes up to 4 input channels with output channels by 8; the rest use XNNPACK.
    let checked = 0;
    for (const inChannels of [1, 3, 4, 6]) {
      for (const outChannels of [5, 8, 32]) {
        for (const strides of [1, 2, 3] as const) {
          for (const pad of [
            "same",
            "valid",
            [
              [0, 0],
              [2, 0],
              [1, 1],
              [0, 0],
            ],
          ] as const) {
            const xShape: Case["x"] = [2, 9, 8, inChannels];
            const filterShape = [3, 3, inChannels, outChannels];
            const [oh, ow] = outSize(xShape, filterShape, strides, 1, pad as Pad, false);
            const x = randomArr(xShape);
            const dy = randomArr([2, oh, ow, outChannels]);
            const filter = randomArr(filterShape);
            const what = `x=${xShape} outChannels=${outChannels} strides=${strides} pad=${JSON.stringify(pad)}`;
            const filterAttrs = { strides, pad, dataFormat: "NHWC", filterShape };
            expectClose(
              await runKernel("wasm", "Conv2DBackpropFilter", { x, dy }, filterAttrs),
              await runKernel("cpu", "Conv2DBackpropFilter", { x, dy }, filterAttrs),
              `filter grad ${what}`,
            );
            const inputAttrs = { strides, pad, dataFormat: "NHWC", inputShape: xShape };
            expectClose(
              await runKernel("wasm", "Conv2DBackpropInput", { dy, filter }, inputAttrs),
              await runKernel("cpu", "Conv2DBackpropInput", { dy, filter }, inputAttrs),
              `input grad ${what}`,
            );
            checked++;
          }
        }
      }
    }
    expect(checked).toBe(108);
  });

  it("the SIMD path with NCHW data (both gradients)", async () => {
    const x = randomArr([2, 3, 9, 7]);
    const filter = randomArr([3, 3, 3, 8]);
    const [oh, ow] = outSize([2, 9, 7, 3], [3, 3, 3, 8], 2, 1, "same", false);
    const dy = randomArr([2, 8, oh, ow]);
    const filterAttrs = { strides: 2, pad: "same", dataFormat: "NCHW", filterShape: [3, 3, 3, 8] };
    expectClose(
      await runKernel("wasm", "Conv2DBackpropFilter", { x, dy }, filterAttrs),
      await runKernel("cpu", "Conv2DBackpropFilter", { x, dy }, filterAttrs),
      "NCHW filter grad",
    );
    const inputAttrs = { strides: 2, pad: "same", dataFormat: "NCHW", inputShape: [2, 3, 9, 7] };
    expectClose(
      await runKernel("wasm", "Conv2DBackpropInput", { dy, filter }, inputAttrs),
      await runKernel("cpu", "Conv2DBackpropInput", { dy, filter }, inputAttrs),
      "NCHW input grad",
    );
  });

  it("Conv2DBackpropInput with NCHW data and with dimRoundingMode", async () => {
    const filter = randomArr([3, 3, 3, 5]);
    const [oh, ow] = outSize([2, 8, 7, 3], [3, 3, 3, 5], 2, 1, "same", false);
    const dy = randomArr([2, 5, oh, ow]);
    const attrs = { strides: 2, pad: "same", dataFormat: "NCHW", inputShape: [2, 3, 8, 7] };
    expectClose(
      await runKernel("wasm", "Conv2DBackpropInput", { dy, filter }, attrs),
      await runKernel("cpu", "Conv2DBackpropInput", { dy, filter }, attrs),
      "NCHW",
    );
    const rounding = {
      strides: 2,
      pad: 1,
      dataFormat: "NHWC",
      dimRoundingMode: "ceil",
      inputShape: [1, 8, 8, 3],
    };
    const [rh, rw] = [5, 5]; // ceil((8 + 2 - 3) / 2) + 1
    const dyCeil = randomArr([1, rh, rw, 5]);
    expectClose(
      await runKernel("wasm", "Conv2DBackpropInput", { dy: dyCeil, filter }, rounding),
      await runKernel("cpu", "Conv2DBackpropInput", { dy: dyCeil, filter }, rounding),
      "dimRoundingMode ceil",
    );
  });

  it("MaxPoolGrad (replacing the built-in one) over filter sizes, strides and paddings, ties included", async () => {
    let checked = 0;
    for (const xShape of [
      [2, 9, 8, 3],
      [1, 6, 7, 1],
      [3, 28, 28, 6],
      [2, 8, 10, 8],
      [1, 7, 9, 5],
    ] as const) {
      for (const filterSize of [1, 2, 3, [2, 3]] as const) {
        for (const strides of [1, 2, 3, [2, 1]] as const) {
          for (const pad of ["valid", "same", 1] as const) {
            if (typeof pad === "number" && filterSize === 1) continue;
            const info = tf.backend_util.computePool2DInfo(
              [...xShape],
              filterSize as number,
              strides as number,
              1,
              pad,
            );
            if (info.outHeight < 1 || info.outWidth < 1) continue;
            // Values on a coarse grid, so windows often hold several equal maxima.
            const x = randomArr([...xShape]);
            // A few -Infinity values too: a window of nothing but -Infinity routes no gradient.
            x.values = x.values.map((v, i) =>
              i % 37 === 5 ? Number.NEGATIVE_INFINITY : Math.round(v * 2) / 2,
            );
            const dy = randomArr(info.outShape);
            const output = await runKernel("cpu", "MaxPool", { x }, { filterSize, strides, pad });
            const attrs = { filterSize, strides, pad };
            expectClose(
              await runKernel("wasm", "MaxPoolGrad", { dy, input: x, output }, attrs),
              await runKernel("cpu", "MaxPoolGrad", { dy, input: x, output }, attrs),
              `x=${xShape} filter=${filterSize} strides=${strides} pad=${pad}`,
            );
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it("BatchMatMul matches cpu: transposed, batched, broadcast, and small products (SIMD gemm)", async () => {
    // Batched products go to the backend with transposes made explicit. Unbatched ones up to 4M
    // multiply-adds take the SIMD gemm: LeNet-5's dense layers, blocks with leftover rows and
    // columns, a narrow product small enough for its scalar path, and a narrow one large enough
    // to go to XNNPACK instead.
    for (const [aShape, bShape] of [
      [
        [32, 400],
        [400, 120],
      ],
      [
        [33, 45],
        [45, 21],
      ],
      [
        [1, 6, 17],
        [1, 17, 8],
      ],
      [
        [1, 32, 84],
        [1, 84, 5],
      ],
      [
        [300, 50],
        [50, 6],
      ],
      [
        [5, 7],
        [7, 3],
      ],
      [
        [2, 5, 7],
        [2, 7, 3],
      ],
      [
        [2, 5, 7],
        [1, 7, 3],
      ],
      [
        [3, 1, 4, 6],
        [3, 2, 6, 5],
      ],
    ] as const) {
      for (const transposeA of [false, true]) {
        for (const transposeB of [false, true]) {
          const swap = (shape: readonly number[], t: boolean) =>
            t ? [...shape.slice(0, -2), shape.at(-1)!, shape.at(-2)!] : [...shape];
          const a = randomArr(swap(aShape, transposeA));
          const b = randomArr(swap(bShape, transposeB));
          const attrs = { transposeA, transposeB };
          expectClose(
            await runKernel("wasm", "BatchMatMul", { a, b }, attrs),
            await runKernel("cpu", "BatchMatMul", { a, b }, attrs),
            `a=${a.shape} b=${b.shape} transposeA=${transposeA} transposeB=${transposeB}`,
          );
        }
      }
    }
  });

  it("Conv2DBackpropFilter of LeNet-5-sized few-channel convolutions (the columns path)", async () => {
    const cases: Array<[Case["x"], number, number | Pair, Pad]> = [
      [[4, 28, 28, 1], 6, 1, "same"],
      [[3, 28, 28, 3], 6, [2, 1], "valid"],
      [[2, 14, 13, 2], 16, 1, 2],
    ];
    for (const [xShape, outChannels, strides, pad] of cases) {
      const filterShape = [5, 5, xShape[3], outChannels];
      const [oh, ow] = outSize([...xShape], filterShape, strides, 1, pad, false);
      const x = randomArr([...xShape]);
      const dy = randomArr([xShape[0], oh, ow, outChannels]);
      const attrs = { strides, pad, dataFormat: "NHWC", filterShape };
      expectClose(
        await runKernel("wasm", "Conv2DBackpropFilter", { x, dy }, attrs),
        await runKernel("cpu", "Conv2DBackpropFilter", { x, dy }, attrs),
        `x=${xShape} outChannels=${outChannels} strides=${strides} pad=${pad}`,
      );
    }
  });

  it("Tile (replacing the built-in one) matches cpu over ranks, repetitions and dtypes", async () => {
    const cases: Array<[number[], number[]]> = [
      [[3], [4]],
      [
        [2, 3],
        [1, 1],
      ],
      [
        [2, 3],
        [3, 2],
      ],
      [
        [1, 1, 1, 5],
        [4, 3, 2, 1],
      ],
      [
        [2, 1, 3, 2],
        [1, 4, 1, 3],
      ],
      [
        [2, 2, 2],
        [2, 0, 1],
      ],
    ];
    for (const [shape, reps] of cases) {
      const x = randomArr(shape);
      expectClose(
        await runKernel("wasm", "Tile", { x }, { reps }),
        await runKernel("cpu", "Tile", { x }, { reps }),
        `shape=${shape} reps=${reps}`,
      );
    }
    await tf.setBackend("wasm");
    const ints = tf.tidy(() =>
      Array.from(
        tf
          .tile(
            tf.tensor2d(
              [
                [1, 2],
                [3, 4],
              ],
              [2, 2],
              "int32",
            ),
            [2, 3],
          )
          .dataSync(),
      ),
    );
    expect(ints).toEqual([1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4, 1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4]);
  });

  it("kernels free every intermediate they create", async () => {
    await tf.setBackend("wasm");
    const before = tf.engine().backend.numDataIds();
    const x = tf.randomNormal([2, 8, 8, 3]);
    const dy = tf.randomNormal([2, 4, 4, 6]);
    const filter = tf.randomNormal([3, 3, 3, 2]);
    const pooled = tf.maxPool(x as tf.Tensor4D, 2, 2, "valid");
    const a = tf.randomNormal([4, 3]);
    const denseFilter = tf.randomNormal([3, 3, 3, 6]);
    const dyWide = tf.randomNormal([2, 8, 8, 6]);
    const dyNarrow = tf.randomNormal([2, 8, 8, 2]);
    const grads = [
      tf
        .engine()
        .runKernel(
          "Conv2DBackpropFilter",
          { x, dy: dyWide },
          { strides: 1, pad: "same", dataFormat: "NHWC", filterShape: [1, 1, 3, 6] },
        ),
      tf
        .engine()
        .runKernel(
          "Conv2DBackpropFilter",
          { x, dy: dyNarrow },
          { strides: 1, pad: "valid", dataFormat: "NHWC", filterShape: [1, 1, 3, 2] },
        ),
      tf
        .engine()
        .runKernel(
          "Conv2DBackpropFilter",
          { x, dy },
          { strides: 2, pad: "same", dataFormat: "NHWC", filterShape: [3, 3, 3, 6] },
        ),
      tf
        .engine()
        .runKernel(
          "Conv2DBackpropInput",
          { dy, filter: denseFilter },
          { strides: 2, pad: "same", dataFormat: "NHWC", inputShape: [2, 8, 8, 3] },
        ),
      tf
        .engine()
        .runKernel(
          "Conv2DBackpropInput",
          { dy: dyWide, filter: denseFilter },
          { strides: 1, pad: "same", dataFormat: "NHWC", inputShape: [2, 8, 8, 3] },
        ),
      tf
        .engine()
        .runKernel(
          "MaxPoolGrad",
          { dy: pooled, input: x, output: pooled },
          { filterSize: 2, strides: 2, pad: "valid" },
        ),
      tf.engine().runKernel("BatchMatMul", { a, b: a }, { transposeA: true, transposeB: false }),
      tf.engine().runKernel("BatchMatMul", { a, b: a }, { transposeA: false, transposeB: true }),
      tf
        .engine()
        .runKernel(
          "Conv2DBackpropFilter",
          { x, dy: dyNarrow },
          { strides: 1, pad: "same", dataFormat: "NHWC", filterShape: [3, 3, 3, 2] },
        ),
      tf
        .engine()
        .runKernel(
          "DepthwiseConv2dNativeBackpropFilter",
          { x, dy },
          { strides: 2, dilations: 1, pad: "same", filterShape: [3, 3, 3, 2] },
        ),
      tf
        .engine()
        .runKernel(
          "DepthwiseConv2dNativeBackpropInput",
          { dy, filter },
          { strides: 2, dilations: 1, pad: "same", inputShape: [2, 8, 8, 3] },
        ),
    ] as tf.Tensor[];
    // The eight inputs above and one output per kernel call: no intermediate survives.
    expect(tf.engine().backend.numDataIds()).toBe(before + 8 + grads.length);
    tf.dispose([x, dy, filter, pooled, a, denseFilter, dyWide, dyNarrow, ...grads]);
    expect(tf.engine().backend.numDataIds()).toBe(before);
  });
});

describe("registerWasmTrainingKernels", () => {
  it("is idempotent: a second call keeps the registered kernels and does not warn", () => {
    const before = WASM_TRAINING_KERNELS.map((name) => tf.getKernel(name, "wasm"));
    expect(before.every((kernel) => kernel !== undefined)).toBe(true);
    const warnings: unknown[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => void warnings.push(args);
    try {
      registerWasmTrainingKernels();
    } finally {
      console.warn = warn;
    }
    expect(warnings).toEqual([]);
    expect(before.map((kernel) => tf.getKernel(kernel!.kernelName, "wasm"))).toEqual(before);
  });
});

describe("gradients of a small conv model", () => {
  it("match the cpu backend for every weight", async () => {
    await tf.setBackend("wasm");
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({
          inputShape: [12, 12, 2],
          filters: 4,
          kernelSize: 3,
          padding: "same",
          activation: "relu",
          kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }),
        }),
        tf.layers.depthwiseConv2d({
          kernelSize: 3,
          depthMultiplier: 2,
          strides: 2,
          padding: "same",
          depthwiseInitializer: tf.initializers.glorotNormal({ seed: 2 }),
        }),
        tf.layers.conv2d({
          filters: 5,
          kernelSize: 2,
          strides: 2,
          padding: "valid",
          activation: "relu",
          kernelInitializer: tf.initializers.glorotNormal({ seed: 3 }),
        }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.glorotNormal({ seed: 4 }) }),
      ],
    });
    const xs = randomArr([4, 12, 12, 2]);
    const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 1], "int32"), 3);
    const gradsOn = async (backend: "cpu" | "wasm") => {
      await tf.setBackend(backend);
      const x = tf.tensor(xs.values, xs.shape);
      const { value, grads } = tf.variableGrads(
        () =>
          tf.losses.softmaxCrossEntropy(
            labels,
            model.apply(x, { training: true }) as tf.Tensor,
          ) as tf.Scalar,
      );
      const out = Object.fromEntries(
        Object.entries(grads).map(([name, g]) => [
          name,
          { values: g.dataSync() as Float32Array, shape: g.shape },
        ]),
      );
      tf.dispose([x, value, ...Object.values(grads)]);
      return out;
    };
    const reference = await gradsOn("cpu");
    const actual = await gradsOn("wasm");
    expect(Object.keys(actual).sort()).toEqual(Object.keys(reference).sort());
    expect(Object.keys(actual)).toHaveLength(model.trainableWeights.length);
    for (const [name, grad] of Object.entries(reference)) expectClose(actual[name]!, grad, name);
    labels.dispose();
    model.dispose();
  });
});
