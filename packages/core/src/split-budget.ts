import { MNIST_IMAGES_PER_DIGIT } from "./mnist-digit-counts";
import type { DatasetSpec } from "./run";

/**
 * Whether a dataset has enough images per class for a split budget, checked at launch so an
 * impossible experiment is refused before any run is queued. Without its own test split a class
 * must hold trainPerClass + testPerClass images; with one, trainPerClass training images (the test
 * split gives up to testPerClass per class). Built-in MNIST has no test split of its own and its
 * per-digit counts are a table, so it is checked by the same rule as an upload. Returns the
 * problem, or null.
 */
export function splitBudgetProblem(
  spec: DatasetSpec,
  classNames: readonly string[],
  budget: { trainPerClass: number; testPerClass: number },
): string | null {
  const { perClass, hasTestSplit } =
    spec.source === "upload"
      ? { perClass: spec.counts.train, hasTestSplit: spec.hasTestSplit }
      : {
          perClass: spec.classes.map((digit) => MNIST_IMAGES_PER_DIGIT[digit] ?? 0),
          hasTestSplit: false,
        };
  const needed = hasTestSplit ? budget.trainPerClass : budget.trainPerClass + budget.testPerClass;
  const smallest = perClass.reduce((min, n, i) => (n < perClass[min]! ? i : min), 0);
  const have = perClass[smallest] ?? 0;
  if (have >= needed) return null;
  const className = classNames[smallest] ?? String(smallest);
  return hasTestSplit
    ? `trainPerClass: class "${className}" has only ${have} training images but trainPerClass is ${budget.trainPerClass}; lower it to at most ${have}`
    : `trainPerClass: class "${className}" has only ${have} images but trainPerClass (${budget.trainPerClass}) + testPerClass (${budget.testPerClass}) = ${needed}; lower them so they add up to at most ${have}`;
}
