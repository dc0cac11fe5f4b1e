import type { DatasetSpec } from "./run";

/**
 * Whether an uploaded dataset has enough images per class for a split budget, checked at launch
 * so an impossible experiment is refused before any run is queued. Without its own test split a
 * class must hold trainPerClass + testPerClass images; with one, trainPerClass training images
 * (the test split gives up to testPerClass per class). Returns the problem, or null.
 */
export function splitBudgetProblem(
  spec: DatasetSpec,
  classNames: readonly string[],
  budget: { trainPerClass: number; testPerClass: number },
): string | null {
  if (spec.source !== "upload") return null;
  const needed = spec.hasTestSplit ? budget.trainPerClass : budget.trainPerClass + budget.testPerClass;
  const smallest = spec.counts.train.reduce((min, n, i) => (n < spec.counts.train[min]! ? i : min), 0);
  const have = spec.counts.train[smallest] ?? 0;
  if (have >= needed) return null;
  const className = classNames[smallest] ?? String(smallest);
  return spec.hasTestSplit
    ? `trainPerClass: class "${className}" has only ${have} training images but trainPerClass is ${budget.trainPerClass}; lower it to at most ${have}`
    : `trainPerClass: class "${className}" has only ${have} images but trainPerClass (${budget.trainPerClass}) + testPerClass (${budget.testPerClass}) = ${needed}; lower them so they add up to at most ${have}`;
}
