import { describe, expect, it } from "vitest";
import { MNIST_IMAGES_PER_DIGIT } from "./mnist-digit-counts";
import type { DatasetSpec } from "./run";
import { splitBudgetProblem } from "./split-budget";

const digits = (classes: number[]) => ({
  spec: { source: "mnist", classes } satisfies DatasetSpec,
  classNames: classes.map(String),
});

describe("splitBudgetProblem", () => {
  it("refuses a budget the built-in dataset's smallest chosen digit cannot hold, naming the fields and the limit", () => {
    const { spec, classNames } = digits([5, 6, 7, 8, 9]);
    const five = MNIST_IMAGES_PER_DIGIT[5]!;
    expect(splitBudgetProblem(spec, classNames, { trainPerClass: 5000, testPerClass: 200 })).toBe(
      `trainPerClass: class "5" has only ${five} images but trainPerClass (5000) + testPerClass (200) = 5200; lower them so they add up to at most ${five}`,
    );
    expect(
      splitBudgetProblem(spec, classNames, { trainPerClass: five - 200, testPerClass: 201 }),
    ).toMatch(/^trainPerClass: class "5" has only/);
  });

  it("accepts a built-in budget that exactly fits and judges only the digits chosen", () => {
    const { spec, classNames } = digits([5, 6, 7, 8, 9]);
    const five = MNIST_IMAGES_PER_DIGIT[5]!;
    expect(
      splitBudgetProblem(spec, classNames, { trainPerClass: five - 200, testPerClass: 200 }),
    ).toBeNull();
    // Digit 1 has the most images: a budget too big for 5 fits digits 1 and 7.
    const large = digits([1, 7]);
    expect(
      splitBudgetProblem(large.spec, large.classNames, { trainPerClass: five, testPerClass: 100 }),
    ).toBeNull();
  });

  it("checks an upload against its own training split, or against train + test without one", () => {
    const upload = (hasTestSplit: boolean): DatasetSpec => ({
      source: "upload",
      format: "imagefolder",
      sha256: "a".repeat(64),
      sizeBytes: 1,
      imageShape: [8, 8, 1],
      numClasses: 2,
      counts: { train: [10, 6], test: hasTestSplit ? [3, 3] : undefined },
      hasTestSplit,
    });
    const budget = { trainPerClass: 5, testPerClass: 2 };
    expect(splitBudgetProblem(upload(false), ["cat", "dog"], budget)).toMatch(
      /^trainPerClass: class "dog" has only 6 images but .* = 7; lower them so they add up to at most 6$/,
    );
    expect(splitBudgetProblem(upload(true), ["cat", "dog"], budget)).toBeNull();
    expect(splitBudgetProblem(upload(true), ["cat", "dog"], { ...budget, trainPerClass: 7 })).toBe(
      'trainPerClass: class "dog" has only 6 training images but trainPerClass is 7; lower it to at most 6',
    );
  });
});
