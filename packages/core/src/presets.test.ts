import { describe, expect, it } from "vitest";
import { CreateExperimentInput } from "./experiment";
import { PRESET_DESCRIPTIONS, PRESET_NAMES, PRESETS } from "./presets";
import { splitBudgetProblem } from "./split-budget";

describe("launch presets", () => {
  it("each is a valid launch whose split the built-in digits 5-9 can hold, with a description", () => {
    expect(PRESET_NAMES).toEqual(["digits", "digits-quick", "digits-few-shot", "digits-augmented"]);
    for (const name of PRESET_NAMES) {
      const parsed = CreateExperimentInput.safeParse(PRESETS[name]);
      expect(parsed.success, `${name}: ${parsed.error?.message}`).toBe(true);
      expect(PRESETS[name].dataset).toBe("mnist-digits-5-9");
      expect(
        splitBudgetProblem(
          { source: "mnist", classes: [5, 6, 7, 8, 9] },
          ["5", "6", "7", "8", "9"],
          PRESETS[name],
        ),
        name,
      ).toBeNull();
      expect(PRESET_DESCRIPTIONS[name].label.length).toBeGreaterThan(0);
    }
    // Names tell the experiments apart in the list.
    expect(new Set(PRESET_NAMES.map((n) => PRESETS[n].name)).size).toBe(PRESET_NAMES.length);
  });
});
