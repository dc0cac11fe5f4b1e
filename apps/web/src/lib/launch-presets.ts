import { DEFAULT_TRAINING_OPTIONS, type CreateExperimentFormValues } from "@tlab/core/experiment";
import { PRESETS } from "@tlab/core/presets";
import { defaultStrategy, StrategyConfig } from "@tlab/core/strategy";

export interface LaunchPreset {
  id: string;
  label: string;
  description: string;
  values: CreateExperimentFormValues;
}

const digits = PRESETS.digits;

/**
 * What the form's preset picker offers: the shared `digits` preset (also `tlab launch --preset
 * digits`) and variations of it for the questions people ask first: a quick look, few labels,
 * and whether augmentation with a cosine schedule changes the ranking.
 */
export const LAUNCH_PRESETS: LaunchPreset[] = [
  {
    id: "digits",
    label: "Digits 0-4 → 5-9",
    description: "LeNet-5 pretrained on digits 0–4 reused for 5–9; all three strategies, 5 epochs, 300 images per class.",
    values: { ...digits, strategies: [...digits.strategies] },
  },
  {
    id: "digits-quick",
    label: "Digits · quick look",
    description: "2 epochs on 60 images per class: a first comparison in well under a minute.",
    values: { ...digits, name: "Digits 0-4 → 5-9 (quick look)", strategies: [...digits.strategies], epochs: 2, trainPerClass: 60, testPerClass: 100 },
  },
  {
    id: "digits-few-shot",
    label: "Digits · few-shot, 3 seeds",
    description: "20 labelled images per class, 3 seeds each, early stopping: how sure is the winner when labels are scarce?",
    values: {
      ...digits,
      name: "Digits 0-4 → 5-9 (20 images per class, 3 seeds)",
      strategies: [...digits.strategies],
      epochs: 12,
      seeds: 3,
      batchSize: 16,
      trainPerClass: 20,
      validationFraction: 0.25,
      training: { ...DEFAULT_TRAINING_OPTIONS, earlyStoppingPatience: 3 },
    },
  },
  {
    id: "digits-augmented",
    label: "Digits · augmentation + cosine",
    description: "Small shifts and rotations with a cosine learning-rate schedule; partial fine-tune warms the head up first.",
    values: {
      ...digits,
      name: "Digits 0-4 → 5-9 (augmented, cosine)",
      strategies: [defaultStrategy("frozen"), StrategyConfig.parse({ kind: "partial", warmupEpochs: 1 }), defaultStrategy("full")],
      epochs: 8,
      seeds: 2,
      training: { augmentation: { flipHorizontal: false, shiftPixels: 2, rotateDegrees: 10, brightness: 0.1 }, earlyStoppingPatience: 0, lrSchedule: "cosine" },
    },
  },
];
