import { tf } from "./backend";

interface EngineLedger {
  state: { numBytes: number };
  trackTensor: (...args: unknown[]) => void;
}

/**
 * Runs `fn` and returns, with its result, the most bytes tfjs's tensor ledger (tf.memory().numBytes)
 * held while it ran: a backward pass frees forward activations as it goes, so a reading taken after
 * it misses its high-water mark.
 *
 * Not tf.profile: with an asynchronous backend timer (wasm's) a kernel that throws inside a
 * profile loses its error to a TypeError and leaves a rejected promise nobody handles, which the
 * wasm module's own unhandledRejection handler turns into the end of the process; a step that runs
 * out of memory must instead fail, or be retried, like any other. This watches every tensor the
 * engine starts to track (trackTensor is where the ledger grows), synchronously, and lets errors
 * through untouched.
 */
export function measurePeakBytes<T>(fn: () => T): { result: T; peakBytes: number } {
  const engine = tf.engine() as unknown as EngineLedger;
  const track = engine.trackTensor;
  let peakBytes = engine.state.numBytes;
  engine.trackTensor = function (this: EngineLedger, ...args: unknown[]) {
    track.apply(this, args);
    if (this.state.numBytes > peakBytes) peakBytes = this.state.numBytes;
  };
  try {
    return { result: fn(), peakBytes };
  } finally {
    // The prototype's method shows through again.
    delete (engine as Partial<EngineLedger>).trackTensor;
  }
}
