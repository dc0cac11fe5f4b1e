import { describe, expect, it } from "vitest";
import { catalogNameProblem } from "./catalog-input";

describe("catalogNameProblem", () => {
  it("accepts names that are safe as a directory and a URL segment", () => {
    for (const name of ["flowers-v2", "a", "MNIST_5.9", "x".repeat(100)])
      expect(catalogNameProblem(name), name).toBeNull();
  });

  it("refuses spaces, paths, leading punctuation and overlong names, saying what a name may hold", () => {
    const rule =
      'use 1 to 100 letters, digits, ".", "_" or "-", starting with a letter or digit (e.g. "flowers-v2")';
    expect(catalogNameProblem("my data")).toBe(`name: "my data" is not a valid name: ${rule}`);
    for (const name of ["../etc", "a/b", ".hidden", "-x", "x".repeat(101), "naïve"])
      expect(catalogNameProblem(name), name).toBe(`name: "${name}" is not a valid name: ${rule}`);
    expect(catalogNameProblem("a..b")).toBe(
      'name: "a..b" is not a valid name: must not contain ".."',
    );
  });
});
