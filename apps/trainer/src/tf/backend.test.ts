import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { BackendUnavailableError, initBackend, tf } from "./backend";

function installed(specifier: string): boolean {
  try {
    createRequire(import.meta.url).resolve(specifier);
    return true;
  } catch {
    return false;
  }
}

const hasLibtensorflow =
  installed("@tensorflow/tfjs-node") || installed("@tensorflow/tfjs-node-gpu");

describe("initBackend", () => {
  it.skipIf(installed("@tensorflow/tfjs-node-gpu"))(
    "refuses a forced backend that is not installed, saying why",
    async () => {
      const attempt = initBackend("tensorflow-gpu");
      await expect(attempt).rejects.toThrow(BackendUnavailableError);
      await expect(initBackend("tensorflow-gpu")).rejects.toThrow(
        /@tensorflow\/tfjs-node-gpu.*not installed/,
      );
    },
  );

  it.skipIf(hasLibtensorflow)(
    "falls back to wasm when libtensorflow is not installed",
    async () => {
      const info = await initBackend("auto");
      expect(info.backend).toBe("wasm");
      expect(tf.getBackend()).toBe("wasm");
      expect(info.versions).toMatchObject({
        "tfjs-core": "4.22.0",
        "tfjs-layers": "4.22.0",
        "tfjs-backend-wasm": "4.22.0",
      });
      expect(info.device).toMatch(/^wasm \(/);
      // Asking again returns the active backend instead of re-initialising.
      expect(await initBackend("auto")).toBe(info);
      expect(await initBackend("wasm")).toBe(info);
    },
  );

  it("can train through a conv layer on the selected backend", async () => {
    await initBackend("auto");
    const before = tf.memory().numTensors;
    const conv = tf.layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [6, 6, 1] });
    const x = tf.ones([1, 6, 6, 1]);
    tf.dispose(conv.apply(x) as tf.Tensor); // builds the kernel and bias
    const { value, grads } = tf.variableGrads(
      () => tf.sum(conv.apply(x) as tf.Tensor) as tf.Scalar,
    );
    expect(Object.values(grads).map((g) => g.shape)).toEqual([[3, 3, 1, 2], [2]]);
    tf.dispose([x, value, ...Object.values(grads)]);
    conv.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
