import { tf } from "./backend";

/** Whether the active backend still computes (an emscripten abort leaves the wasm module unusable). */
export function backendIsUsable(): boolean {
  try {
    return tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)).dataSync()[0] === 3);
  } catch {
    return false;
  }
}

/**
 * Starts the active backend afresh after a failure it did not survive: once the wasm module has
 * aborted (its heap exhausted, say) every later kernel throws "Aborted()", so a worker would fail
 * every run it took. The backend's factory builds a new module; kernels registered for the backend
 * (ours included) stay registered and are set up again by setBackend. Tensors of the old instance
 * are gone with it: call this between runs, when the run that failed has let go of its own.
 */
export async function restartBackend(): Promise<void> {
  const name = tf.getBackend();
  const factory = tf.findBackendFactory(name);
  if (factory === null)
    throw new Error(`cannot restart the ${name} backend: no factory is registered for it`);
  try {
    tf.removeBackend(name);
  } catch {
    // The broken instance may throw while it is disposed; what matters is that the engine lets go
    // of it, which removeBackend did before calling dispose, or does here.
    const engine = tf.engine() as unknown as {
      registry: Record<string, unknown>;
      registryFactory: Record<string, unknown>;
      backendName: string | null;
      backendInstance: unknown;
    };
    delete engine.registry[name];
    delete engine.registryFactory[name];
    if (engine.backendName === name) {
      engine.backendName = null;
      engine.backendInstance = null;
    }
  }
  tf.registerBackend(name, factory);
  if (!(await tf.setBackend(name)))
    throw new Error(`the ${name} backend did not start again after a failure`);
  if (!backendIsUsable()) throw new Error(`the ${name} backend started again but does not compute`);
}
