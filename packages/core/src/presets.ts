import { DEFAULT_TRAINING_OPTIONS, type CreateExperimentInput } from "./experiment";
import { defaultStrategy, STRATEGY_KINDS, StrategyConfig } from "./strategy";

export const BUILTIN_BASE_MODEL = "lenet5-digits-0-4";
export const BUILTIN_DATASET = "mnist-digits-5-9";

const digits = {
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
} satisfies CreateExperimentInput;

/**
 * Launch presets, the same for `tlab launch --preset <name>` and the form's preset picker.
 * `digits` reuses a LeNet-5 pretrained on MNIST digits 0-4 for the new task of telling digits 5-9
 * apart; the others vary it for the questions people ask first: a quick look, few labels, and
 * whether augmentation with a cosine schedule changes the ranking.
 */
export const PRESETS = {
  digits,
  "digits-quick": {
    ...digits,
    name: "Digits 0-4 → 5-9 (quick look)",
    epochs: 2,
    trainPerClass: 60,
    testPerClass: 100,
  },
  "digits-few-shot": {
    ...digits,
    name: "Digits 0-4 → 5-9 (20 images per class, 3 seeds)",
    epochs: 12,
    seeds: 3,
    batchSize: 16,
    trainPerClass: 20,
    validationFraction: 0.25,
    training: { ...DEFAULT_TRAINING_OPTIONS, earlyStoppingPatience: 3 },
  },
  "digits-augmented": {
    ...digits,
    name: "Digits 0-4 → 5-9 (augmented, cosine)",
    strategies: [
      defaultStrategy("frozen"),
      StrategyConfig.parse({ kind: "partial", warmupEpochs: 1 }),
      defaultStrategy("full"),
    ],
    epochs: 8,
    seeds: 2,
    training: {
      augmentation: { flipHorizontal: false, shiftPixels: 2, rotateDegrees: 10, brightness: 0.1 },
      earlyStoppingPatience: 0,
      lrSchedule: "cosine",
      batchNorm: "frozen",
    },
  },
} satisfies Record<string, CreateExperimentInput>;

export type PresetName = keyof typeof PRESETS;
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

/** How the form's picker and `tlab launch --help` describe each preset. */
export const PRESET_DESCRIPTIONS: Record<PresetName, { label: string; description: string }> = {
  digits: {
    label: "Digits 0-4 → 5-9",
    description:
      "LeNet-5 pretrained on digits 0–4 reused for 5–9; all three strategies, 5 epochs, 300 images per class.",
  },
  "digits-quick": {
    label: "Digits · quick look",
    description: "2 epochs on 60 images per class: a first comparison in well under a minute.",
  },
  "digits-few-shot": {
    label: "Digits · few-shot, 3 seeds",
    description:
      "20 labelled images per class, 3 seeds each, early stopping: how sure is the winner when labels are scarce?",
  },
  "digits-augmented": {
    label: "Digits · augmentation + cosine",
    description:
      "Small shifts and rotations with a cosine learning-rate schedule; partial fine-tune warms the head up first.",
  },
};
