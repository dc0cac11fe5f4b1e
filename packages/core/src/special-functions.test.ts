import { describe, expect, it } from "vitest";
import {
  binomialHalfCdf,
  regularizedIncompleteBeta,
  studentTCdf,
  studentTQuantile,
  studentTTwoSidedP,
} from "./special-functions";

// Reference values printed by scipy 1.17.1: scipy.special.betainc(a, b, x),
// 2 * scipy.stats.t.sf(|t|, df), scipy.stats.t.ppf(0.975, df) and scipy.stats.binom.cdf(k, n, 0.5).
describe("special functions against scipy", () => {
  it("regularized incomplete beta", () => {
    const cases: [number, number, number, number][] = [
      [0.3, 2, 3, 0.34829999999999994],
      [0.9, 0.5, 0.5, 0.7951672353008665],
      [0.5, 10, 10, 0.5],
      [0.01, 1, 30, 0.2602996266117196],
      [0.999, 5, 0.5, 0.9222819921009667],
    ];
    for (const [x, a, b, expected] of cases)
      expect(regularizedIncompleteBeta(x, a, b)).toBeCloseTo(expected, 12);
    expect(regularizedIncompleteBeta(0, 2, 3)).toBe(0);
    expect(regularizedIncompleteBeta(1, 2, 3)).toBe(1);
  });

  it("two-sided Student t p-values", () => {
    const cases: [number, number, number][] = [
      [2.1, 2, 0.1705498691899675],
      [0.5, 1, 0.7048327646991335],
      [3.7, 4, 0.020835429490449902],
      [1.0, 9, 0.3434363961379136],
      [10.0, 3, 0.0021283990584141503],
      [0.01, 30, 0.9920874925731777],
      [2.5, 100, 0.014045789124077172],
    ];
    for (const [t, df, expected] of cases) {
      expect(studentTTwoSidedP(t, df)).toBeCloseTo(expected, 12);
      expect(studentTTwoSidedP(-t, df)).toBeCloseTo(expected, 12);
    }
    expect(studentTCdf(0, 5)).toBeCloseTo(0.5, 15);
    expect(studentTTwoSidedP(Number.POSITIVE_INFINITY, 3)).toBe(0);
  });

  it("Student t 97.5% quantiles (the table's 12.706, 4.303, 3.182, 2.776, 2.262, 2.045, 1.984)", () => {
    const cases: [number, number][] = [
      [1, 12.706204736174694],
      [2, 4.302652729749462],
      [3, 3.1824463052837078],
      [4, 2.7764451051977934],
      [9, 2.262157162798205],
      [29, 2.045229642132703],
      [100, 1.9839715185235518],
    ];
    for (const [df, expected] of cases) {
      expect(studentTQuantile(0.975, df)).toBeCloseTo(expected, 10);
      expect(studentTQuantile(0.025, df)).toBeCloseTo(-expected, 10);
    }
    expect(() => studentTQuantile(1, 3)).toThrow(/p must be in \(0, 1\)/);
  });

  it("binomial(n, 1/2) lower tail", () => {
    const cases: [number, number, number][] = [
      [0, 1, 0.5],
      [3, 10, 0.171875],
      [12, 40, 0.008294501687487355],
      [100, 250, 0.0009416504675380801],
      [0, 20, 9.5367431640625e-7],
      [499, 1000, 0.48738749091081973],
    ];
    for (const [k, n, expected] of cases) expect(binomialHalfCdf(k, n)).toBeCloseTo(expected, 12);
    expect(binomialHalfCdf(0, 0)).toBe(1);
    expect(binomialHalfCdf(-1, 5)).toBe(0);
  });
});
