import { tf } from "../tf/backend";

/**
 * The most tensor memory this run held at once, in bytes: the base model's weights plus whatever
 * the run allocated on top of the tensors live when it started (its data or cached features, the
 * head, optimizer moments, best-epoch snapshot, and a training step's activations and gradients).
 *
 * Counted in tfjs's own ledger of live tensor bytes (tf.memory().numBytes), not the process's
 * resident size: a worker's RSS keeps the high-water mark of every earlier run (the wasm heap never
 * shrinks, freed native memory is not returned), so a small model trained after a large one
 * reported the large one's footprint. Subtracting the bytes live at the start likewise keeps out
 * anything an earlier run or the worker still holds; the base, loaded fresh for this run, is added
 * back because training cannot do without it. So runs of one experiment compare on what their
 * strategy needs, whatever their worker did before. Sampled at the end of every training pass and
 * evaluation chunk, inside their tidy scopes; the backward pass frees the forward activations as it
 * goes, so its true high-water mark is measured over the first step of each phase (observe,
 * from measurePeakBytes). The frozen layers' one-off feature pass is seen only through the features it leaves.
 */
export class PeakTensorBytes {
  private readonly startBytes = tf.memory().numBytes;
  private readonly baseBytes: number;
  private peakAboveStart = 0;

  constructor(base: tf.LayersModel) {
    this.baseBytes = base.weights.reduce(
      (sum, w) => sum + w.read().size * tf.util.bytesPerElement(w.dtype),
      0,
    );
  }

  /** An absolute ledger peak measured elsewhere (measurePeakBytes). */
  observe(absoluteBytes: number): void {
    this.peakAboveStart = Math.max(this.peakAboveStart, absoluteBytes - this.startBytes);
  }

  sample(): number {
    this.peakAboveStart = Math.max(this.peakAboveStart, tf.memory().numBytes - this.startBytes);
    return this.baseBytes + this.peakAboveStart;
  }
}
