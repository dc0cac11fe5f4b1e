/**
 * Per-image test predictions of a run, as the trainer uploads them (artifact PREDICTIONS_FILE) and
 * the server serves them. Index i is the i-th image of the seed's test set: the split depends on
 * the dataset, the budget and the seed only, so every strategy of one seed sees the same images in
 * the same order and predictions of two runs of one seed can be paired image by image.
 *
 * Binary, 8 bytes an image: "TLPR", version 1, 3 zero bytes, count (u32 LE), then count labels
 * (u16 LE), count predicted classes (u16 LE), count confidences (f32 LE).
 */
export const PREDICTIONS_FILE = "predictions.bin";

export interface RunPredictions {
  labels: Int32Array;
  predicted: Int32Array;
  /** The predicted class's probability: softmax of the head's scores (for an SVM head too). */
  confidence: Float32Array;
}

/** What GET /api/runs/<id>/predictions answers. */
export interface RunPredictionsResponse {
  classNames: string[];
  predictions: { index: number; label: number; predicted: number; confidence: number }[];
}

const MAGIC = [0x54, 0x4c, 0x50, 0x52]; // "TLPR"
const HEADER = 12;
const MAX_CLASS = 0xffff;

export function encodePredictions(p: RunPredictions): Uint8Array {
  const n = p.labels.length;
  if (p.predicted.length !== n || p.confidence.length !== n)
    throw new RangeError(
      `encodePredictions: ${n} labels, ${p.predicted.length} predictions, ${p.confidence.length} confidences`,
    );
  const bytes = new Uint8Array(HEADER + 8 * n);
  const view = new DataView(bytes.buffer);
  for (const [i, b] of MAGIC.entries()) view.setUint8(i, b);
  view.setUint8(4, 1);
  view.setUint32(8, n, true);
  for (let i = 0; i < n; i++) {
    const label = p.labels[i]!;
    const predicted = p.predicted[i]!;
    if (label < 0 || label > MAX_CLASS || predicted < 0 || predicted > MAX_CLASS)
      throw new RangeError(`encodePredictions: class index out of range 0..${MAX_CLASS}`);
    view.setUint16(HEADER + 2 * i, label, true);
    view.setUint16(HEADER + 2 * n + 2 * i, predicted, true);
    view.setFloat32(HEADER + 4 * n + 4 * i, p.confidence[i]!, true);
  }
  return bytes;
}

/** Reads a predictions file; a file that is not one says what is wrong with it. */
export function decodePredictions(bytes: Uint8Array): RunPredictions {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < HEADER || MAGIC.some((b, i) => view.getUint8(i) !== b))
    throw new Error("predictions file: not a Transfer Lab predictions file (no TLPR header)");
  if (view.getUint8(4) !== 1)
    throw new Error(`predictions file: version ${view.getUint8(4)} is not supported (1 is)`);
  const n = view.getUint32(8, true);
  if (bytes.byteLength !== HEADER + 8 * n)
    throw new Error(
      `predictions file: ${bytes.byteLength} bytes, but ${n} images take ${HEADER + 8 * n}`,
    );
  const labels = new Int32Array(n);
  const predicted = new Int32Array(n);
  const confidence = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = view.getUint16(HEADER + 2 * i, true);
    predicted[i] = view.getUint16(HEADER + 2 * n + 2 * i, true);
    confidence[i] = view.getFloat32(HEADER + 4 * n + 4 * i, true);
  }
  return { labels, predicted, confidence };
}

/** Correct / total, computed as the trainer computes testAccuracy (accuracyOf of the confusion matrix). */
export function predictionsAccuracy(p: {
  labels: ArrayLike<number>;
  predicted: ArrayLike<number>;
}): number {
  let correct = 0;
  for (let i = 0; i < p.labels.length; i++) if (p.labels[i] === p.predicted[i]) correct++;
  return p.labels.length > 0 ? correct / p.labels.length : 0;
}

export function predictionsResponse(
  classNames: string[],
  p: RunPredictions,
): RunPredictionsResponse {
  return {
    classNames,
    predictions: Array.from(p.labels, (label, index) => ({
      index,
      label,
      predicted: p.predicted[index]!,
      confidence: p.confidence[index]!,
    })),
  };
}
