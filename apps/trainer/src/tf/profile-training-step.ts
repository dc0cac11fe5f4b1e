/**
 * Where a MobileNetV2 fine-tuning step spends its time, kernel by kernel, on the active backend:
 *
 *   npx tsx apps/trainer/src/tf/profile-training-step.ts [--backend wasm|cpu] [--batch 8] [--steps 3]
 *
 * The step is the one fine-tuning runs: every layer trainable, BatchNorm in inference mode, softmax
 * cross-entropy on a 5-way dense head, ScheduledAdam. Times are CPU time of this process, not wall
 * time: on a shared machine a wall clock also counts the time other processes hold the core.
 * Nested kernels are listed too (fusedConv2d__op contains FusedConv2D), so the column does not sum
 * to the step.
 */
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { buildMobileNetV2Base, MOBILENET_V2_INPUT_SHAPE } from "../model/mobilenet-v2";
import { ScheduledAdam } from "../train/lr-schedule";
import { initBackend, tf } from "./backend";

const cpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

export interface KernelTime {
  kernel: string;
  ms: number;
  calls: number;
}

/** Runs `step` once under tf.profile, timing each kernel in CPU milliseconds; slowest first. */
export async function profileKernelCpuTime(step: () => void): Promise<KernelTime[]> {
  const backend = tf.backend() as unknown as { time: (f: () => void) => Promise<unknown> };
  const wallClockTime = backend.time;
  backend.time = async (f) => {
    const start = cpuMs();
    f();
    return { kernelMs: cpuMs() - start };
  };
  try {
    const info = await tf.profile(step);
    const byKernel = new Map<string, KernelTime>();
    for (const k of info.kernels) {
      const entry = byKernel.get(k.name) ?? { kernel: k.name, ms: 0, calls: 0 };
      entry.ms += k.kernelTimeMs as number;
      entry.calls += 1;
      byKernel.set(k.name, entry);
    }
    return [...byKernel.values()].sort((a, b) => b.ms - a.ms);
  } finally {
    backend.time = wallClockTime;
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      backend: { type: "string", default: "wasm" },
      batch: { type: "string", default: "8" },
      steps: { type: "string", default: "3" },
    },
  });
  const batch = Number(values.batch);
  const steps = Number(values.steps);
  if (!Number.isInteger(batch) || batch < 1 || batch > 64)
    throw new Error(`--batch must be a whole number from 1 to 64, got ${values.batch}`);
  if (!Number.isInteger(steps) || steps < 1 || steps > 50)
    throw new Error(`--steps must be a whole number from 1 to 50, got ${values.steps}`);
  if (values.backend !== "wasm" && values.backend !== "cpu")
    throw new Error(`--backend must be wasm or cpu, got ${values.backend}`);
  const info = await initBackend(values.backend);
  const base = await buildMobileNetV2Base();
  const head = tf.layers.dense({
    units: 5,
    kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
  });
  const model = tf.model({
    inputs: base.inputs,
    outputs: head.apply(base.outputs[0]!) as tf.SymbolicTensor,
  });
  for (const layer of model.layers) layer.trainable = true;
  const xs = tf.randomUniform([batch, ...MOBILENET_V2_INPUT_SHAPE], 0, 1, "float32", 1);
  const labels = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: batch }, (_, i) => i % 5),
      "int32",
    ),
    5,
  );
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = new ScheduledAdam(1e-5);
  const step = () =>
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(
        () =>
          tf.losses.softmaxCrossEntropy(
            labels,
            model.apply(xs, { training: false }) as tf.Tensor,
          ) as tf.Scalar,
        variables,
      );
      optimizer.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
      value.dataSync();
    });
  step(); // warm-up: first-use allocations and compilation
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < steps; i++) {
    const [c, w] = [cpuMs(), performance.now()];
    step();
    cpu.push(cpuMs() - c);
    wall.push(performance.now() - w);
  }
  const median = (a: number[]) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)]!;
  console.log(
    `${info.device}; MobileNetV2 224², batch ${batch}, ${variables.length} trainable weights, BatchNorm in inference mode`,
  );
  console.log(
    `step median: CPU ${median(cpu).toFixed(0)} ms (${((batch * 1000) / median(cpu)).toFixed(2)} img/s), wall ${median(wall).toFixed(0)} ms (${((batch * 1000) / median(wall)).toFixed(2)} img/s)`,
  );
  for (const { kernel, ms, calls } of await profileKernelCpuTime(step)) {
    if (ms >= 0.5)
      console.log(
        `${kernel.padEnd(40)} ${ms.toFixed(1).padStart(8)} ms ${String(calls).padStart(5)} calls`,
      );
  }
  tf.dispose([xs, labels]);
  optimizer.dispose();
  model.dispose();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
