import { tf } from "./backend";

/**
 * Test hook, off unless TLAB_FAULT_INJECT is set (fault tests set it on a worker process; nothing
 * else should). The one fault today:
 *
 *   TLAB_FAULT_INJECT=backend-crash-after-steps:N
 *
 * After the worker's N-th training step (counted over its lifetime, across runs) the next kernel
 * the active TensorFlow.js backend executes throws, once, inside the training step: what a real
 * backend failure looks like to the trainer (libtensorflow's "OOM when allocating tensor", a lost
 * CUDA device, a wasm memory growth failure). The run in progress must fail with that reason and
 * the worker must go on to train the next run, so the fault fires once per process and the
 * backend's kernels are back to normal as soon as it has.
 */
export interface FaultInjection {
  kind: "backend-crash-after-steps";
  steps: number;
}

export class InjectedBackendFault extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InjectedBackendFault";
  }
}

/** Counts training steps and makes the backend fail once after the configured number. */
export class FaultInjector {
  private steps = 0;
  private fired = false;

  constructor(private readonly fault: FaultInjection) {}

  /** Called after every training step (the worker's onProgress). */
  afterTrainingStep(): void {
    if (this.fired) return;
    this.steps += 1;
    if (this.steps < this.fault.steps) return;
    this.fired = true;
    failNextKernelOnce(
      `injected by TLAB_FAULT_INJECT=backend-crash-after-steps:${this.fault.steps}`,
    );
  }
}

/**
 * Replaces every kernel of the active backend with one that puts all the originals back and then
 * throws. Kernels are looked up in the registry on each execution, so the very next op fails; the
 * backend's setup functions ran when it initialised and are not repeated.
 */
function failNextKernelOnce(why: string): void {
  const backendName = tf.getBackend();
  const originals = tf.getKernelsForBackend(backendName);
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    for (const kernel of originals) {
      tf.unregisterKernel(kernel.kernelName, backendName);
      tf.registerKernel(kernel);
    }
  };
  for (const kernel of originals) {
    tf.unregisterKernel(kernel.kernelName, backendName);
    tf.registerKernel({
      ...kernel,
      kernelFunc: () => {
        restore();
        throw new InjectedBackendFault(
          `the ${backendName} backend crashed in kernel ${kernel.kernelName} (${why})`,
        );
      },
    });
  }
}
