import { describe, expect, it } from "vitest";
import { readEnv } from "../env";
import { initBackend, tf } from "./backend";
import { FaultInjector, InjectedBackendFault } from "./fault-injection";

describe("TLAB_FAULT_INJECT", () => {
  it("accepts backend-crash-after-steps:N and refuses anything else with the accepted form", () => {
    expect(
      readEnv({ TLAB_FAULT_INJECT: "backend-crash-after-steps:12" }).TLAB_FAULT_INJECT,
    ).toEqual({ kind: "backend-crash-after-steps", steps: 12 });
    expect(readEnv({}).TLAB_FAULT_INJECT).toBeUndefined();
    for (const bad of ["backend-crash-after-steps:0", "backend-crash", "crash:3"]) {
      expect(() => readEnv({ TLAB_FAULT_INJECT: bad })).toThrow(
        /TLAB_FAULT_INJECT: .*backend-crash-after-steps:<N ≥ 1>/,
      );
    }
  });

  it("makes the backend's next kernel throw once after N steps, then computes normally again", async () => {
    await initBackend("cpu");
    const injector = new FaultInjector({ kind: "backend-crash-after-steps", steps: 2 });
    const square = () => tf.tidy(() => tf.square(tf.tensor1d([3])).dataSync()[0]);
    injector.afterTrainingStep();
    expect(square()).toBe(9);
    injector.afterTrainingStep();
    expect(square).toThrow(InjectedBackendFault);
    expect(square).not.toThrow();
    expect(square()).toBe(9);
    // Once per process: later steps never crash again.
    for (let i = 0; i < 5; i++) injector.afterTrainingStep();
    expect(square()).toBe(9);
  });
});
