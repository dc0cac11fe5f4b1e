import { describe, expect, it } from "vitest";
import { CreateExperimentInput } from "./experiment";
import { PRESETS } from "./presets";

describe("CreateExperimentInput", () => {
  it("accepts the digits preset", () => {
    expect(CreateExperimentInput.safeParse(PRESETS.digits).success).toBe(true);
  });

  it("names the field and the allowed range on bad input", () => {
    const result = CreateExperimentInput.safeParse({ ...PRESETS.digits, name: " ", epochs: 0, strategies: [] });
    expect(result.success).toBe(false);
    const fields = result.error!.flatten().fieldErrors;
    expect(fields.name).toEqual(["Experiment name is required"]);
    expect(fields.epochs).toEqual(["Epochs must be from 1 to 100"]);
    expect(fields.strategies).toEqual(["Pick at least one strategy"]);
  });

  it("refuses the same strategy twice and unknown strategies", () => {
    const twice = CreateExperimentInput.safeParse({ ...PRESETS.digits, strategies: [{ kind: "full" }, { kind: "full" }] });
    expect(twice.error?.issues[0]?.message).toBe("Each strategy can appear only once");
    const unknown = CreateExperimentInput.safeParse({ ...PRESETS.digits, strategies: [{ kind: "lora" }] });
    expect(unknown.success).toBe(false);
    expect(unknown.error?.issues[0]?.path).toEqual(["strategies", 0, "kind"]);
  });
});
