import { beforeAll, describe, expect, it } from "vitest";
import { initBackend, tf } from "./backend";
import { backendIsUsable, restartBackend } from "./backend-recovery";

beforeAll(async () => {
  await initBackend("wasm");
});

describe("restartBackend on wasm", () => {
  it("brings the backend back after its heap ran out and the module aborted", async () => {
    const held: tf.Tensor[] = [];
    // 8 × 512 × 512 × 64 floats are 512 MiB a tensor: the 4 GiB heap runs out within a few.
    expect(() => {
      for (let i = 0; i < 12; i++)
        held.push(
          tf.tidy(() =>
            tf.conv2d(
              tf.ones([8, 512, 512, 3]) as tf.Tensor4D,
              tf.ones([3, 3, 3, 64]) as tf.Tensor4D,
              1,
              "same",
            ),
          ),
        );
    }).toThrow(/Aborted|out of bounds/);
    tf.dispose(held);
    // An allocation that fails inside a kernel aborts the module: every later kernel fails too.
    expect(backendIsUsable()).toBe(false);
    await restartBackend();
    expect(backendIsUsable()).toBe(true);
    expect(tf.getBackend()).toBe("wasm");
    // Our training kernels come back with it: a filter gradient needs Conv2DBackpropFilter.
    const grad = tf.grad((w: tf.Tensor) =>
      tf.sum(tf.conv2d(tf.ones([1, 5, 5, 2]) as tf.Tensor4D, w as tf.Tensor4D, 1, "valid")),
    )(tf.ones([3, 3, 2, 4]));
    expect(Array.from(grad.dataSync()).every((v) => v === 9)).toBe(true);
  });
});
