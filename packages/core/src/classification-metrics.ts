import type { FinalMetrics } from "./run";

export type PerClassMetrics = FinalMetrics["perClass"][number];

/** counts[t][p] = examples of true class t predicted as p (rows true, columns predicted). */
export function confusionMatrix(
  labels: ArrayLike<number>,
  predictions: ArrayLike<number>,
  numClasses: number,
): number[][] {
  if (labels.length !== predictions.length) {
    throw new Error(
      `confusionMatrix: ${labels.length} labels but ${predictions.length} predictions`,
    );
  }
  const counts = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < labels.length; i++) {
    const row = counts[labels[i]!];
    const p = predictions[i]!;
    if (row === undefined || p < 0 || p >= numClasses) {
      throw new Error(
        `confusionMatrix: class index out of range 0..${numClasses - 1} (label ${labels[i]}, prediction ${p})`,
      );
    }
    row[p]! += 1;
  }
  return counts;
}

/**
 * Precision, recall and F1 per class from a confusion matrix. A ratio with nothing to divide by
 * (a class never predicted, or absent from the labels) is 0, as scikit-learn reports it, so every
 * value stays a finite number the API accepts.
 */
export function perClassMetrics(matrix: number[][], classNames: string[]): PerClassMetrics[] {
  return classNames.map((className, k) => {
    const row = matrix[k] ?? [];
    const truePositives = row[k] ?? 0;
    const support = row.reduce((a, b) => a + b, 0);
    const predicted = matrix.reduce((total, r) => total + (r[k] ?? 0), 0);
    const precision = predicted > 0 ? truePositives / predicted : 0;
    const recall = support > 0 ? truePositives / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    return { className, precision, recall, f1, support };
  });
}

export function accuracyOf(matrix: number[][]): number {
  const total = matrix.reduce((sum, row) => sum + row.reduce((a, b) => a + b, 0), 0);
  const correct = matrix.reduce((sum, row, k) => sum + (row[k] ?? 0), 0);
  return total > 0 ? correct / total : 0;
}
