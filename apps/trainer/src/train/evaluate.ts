import { tf } from "../tf/backend";
import { applyHead, type Head } from "./head";
import type { PeakTensorBytes } from "./peak-tensor-bytes";
import type { PreparedSet } from "./prepare-features";
import { countCorrect, type BaseParts } from "./train-step";

export interface Evaluation {
  loss: number;
  accuracy: number;
  predictions: Int32Array;
  /** Softmax probability of each predicted class (of the SVM head's scores too). */
  confidence: Float32Array;
}

const EVAL_BATCH = 512;

/**
 * Loss, accuracy and predictions over a whole set, in inference mode, in chunks: at most
 * EVAL_BATCH images, and no more than a training pass holds when the images still have to go
 * through the base (`imagesPerChunk`, the run's micro-batch), so evaluation fits wherever training did.
 */
export function evaluate(
  set: PreparedSet,
  parts: BaseParts,
  head: Head,
  memory: PeakTensorBytes,
  imagesPerChunk = EVAL_BATCH,
): Evaluation {
  const chunkSize =
    set.stage === "images" ? Math.max(1, Math.min(EVAL_BATCH, imagesPerChunk)) : EVAL_BATCH;
  const predictions = new Int32Array(set.count);
  const confidence = new Float32Array(set.count);
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < set.count; start += chunkSize) {
    const size = Math.min(chunkSize, set.count - start);
    const chunk = tf.tidy(() => {
      let xs = tf.slice(set.xs, start, size);
      const labels = tf.slice(set.labels, start, size);
      if (set.stage === "images" && parts.frozenPart) xs = parts.frozenPart.predict(xs);
      const features = parts.trainablePart
        ? (parts.trainablePart.apply(xs, { training: false }) as tf.Tensor)
        : xs;
      const scores = applyHead(head, features, false);
      memory.sample();
      return {
        loss: head.lossSum(scores, labels).dataSync()[0]!,
        correct: countCorrect(scores, labels).dataSync()[0]!,
        predicted: tf.argMax(scores, 1).dataSync() as Int32Array,
        confidence: tf.max(tf.softmax(scores), 1).dataSync() as Float32Array,
      };
    });
    predictions.set(chunk.predicted, start);
    confidence.set(chunk.confidence, start);
    lossSum += chunk.loss;
    correct += chunk.correct;
  }
  return { loss: lossSum / set.count, accuracy: correct / set.count, predictions, confidence };
}
