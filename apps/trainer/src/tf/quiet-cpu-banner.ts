import * as tf from "./tfjs";

/**
 * tfjs-backend-cpu prints a banner through console.warn on its first tensor in Node ("Hi, looks
 * like you are running TensorFlow.js in Node.js. To speed things up dramatically, install our node
 * backend..."): the trainer picks its backend itself and says which in its own logs, so the banner
 * is noise in CLI, worker and test output. The backend prints it once per instance while its
 * `firstUse` field is true; this clears that field on every cpu backend the engine creates, and
 * leaves every other tfjs warning as it is (unlike tfjs's PROD / IS_TEST flags, which silence all).
 *
 * Call it after @tensorflow/tfjs-backend-cpu is imported and before the cpu backend makes its first
 * tensor (./backend does, when it is loaded). Idempotent.
 */
export function quietCpuBackendBanner(): void {
  const engine = tf.engine() as unknown as {
    registry: Record<string, tf.KernelBackend | undefined>;
  };
  const existing = engine.registry.cpu;
  if (existing !== undefined) {
    markUsed(existing);
    return;
  }
  let factory: (() => tf.KernelBackend | Promise<tf.KernelBackend>) | null;
  try {
    factory = tf.findBackendFactory("cpu");
  } catch {
    factory = null;
  }
  if (factory === null || quieted.has(factory)) return;
  const priority =
    (tf.engine() as unknown as { registryFactory: Record<string, { priority: number }> })
      .registryFactory.cpu?.priority ?? 1;
  const original = factory;
  const quiet = () => {
    const backend = original();
    if (backend instanceof Promise) return backend.then(markUsed);
    return markUsed(backend);
  };
  quieted.add(quiet);
  tf.removeBackend("cpu");
  tf.registerBackend("cpu", quiet, priority);
}

const quieted = new WeakSet<object>();

function markUsed<B extends tf.KernelBackend>(backend: B): B {
  if ("firstUse" in backend) (backend as { firstUse: boolean }).firstUse = false;
  return backend;
}
