import { DEFAULT_TRAINING_OPTIONS, type CreateExperimentInput } from "./experiment";
import { defaultStrategy, STRATEGY_KINDS } from "./strategy";

export const BUILTIN_BASE_MODEL = "lenet5-digits-0-4";
export const BUILTIN_DATASET = "mnist-digits-5-9";

/**
 * Launch presets used by `tlab launch --preset` and the form's preset picker. `digits` reuses a
 * LeNet-5 pretrained on MNIST digits 0-4 for the new task of telling digits 5-9 apart.
 */
export const PRESETS = {
  digits: {
    name: "Digits 0-4 → 5-9",
    baseModel: BUILTIN_BASE_MODEL,
    dataset: BUILTIN_DATASET,
    strategies: STRATEGY_KINDS.map(defaultStrategy),
    epochs: 5,
    batchSize: 32,
    seeds: 1,
    trainPerClass: 300,
    validationFraction: 0.15,
    testPerClass: 200,
    training: DEFAULT_TRAINING_OPTIONS,
    notes: "",
  },
} satisfies Record<string, CreateExperimentInput>;

export type PresetName = keyof typeof PRESETS;
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];
