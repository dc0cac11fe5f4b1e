import { z } from "zod";
import { boundedNumber, discriminatorError, oneOf } from "./field-limits";

/**
 * The three ways of reusing a pretrained base that Transfer Lab compares. Defined once here and
 * shared by the launch form, the API and the trainer, so a strategy means the same thing everywhere.
 */
export const StrategyKind = oneOf(["frozen", "partial", "full"]);
export type StrategyKind = z.infer<typeof StrategyKind>;

export const STRATEGY_KINDS = StrategyKind.options;

export const STRATEGY_LABELS: Record<StrategyKind, string> = {
  frozen: "Frozen feature extractor",
  partial: "Partial fine-tune",
  full: "Full fine-tune",
};

const learningRate = boundedNumber({ min: 0, max: 1, exclusiveMin: true });

/** The new classifier put on top of the base: softmax (dense) or a linear SVM (squared hinge). */
export const HeadConfig = z.object({
  type: oneOf(["softmax", "svm"]).default("softmax"),
  hiddenUnits: boundedNumber({ min: 0, max: 4096, int: true }).default(0),
  dropout: boundedNumber({ min: 0, max: 0.9 }).default(0),
});
export type HeadConfig = z.infer<typeof HeadConfig>;

/** Where the base is split for partial fine-tuning: a named layer, or the top K layers with weights. */
export const CutPoint = z.discriminatedUnion(
  "by",
  [
    z.object({
      by: z.literal("layer"),
      layer: z
        .string()
        .min(1, "name a layer of the base model")
        .max(200, "must be at most 200 characters"),
    }),
    z.object({ by: z.literal("topK"), k: boundedNumber({ min: 1, max: 500, int: true }) }),
  ],
  { error: discriminatorError(["layer", "topK"]) },
);
export type CutPoint = z.infer<typeof CutPoint>;

/** A cut as the runs table, the transfer curves and the comparisons name it: "cut at conv2", "top 2". */
export function describeCut(cut: CutPoint): string {
  return cut.by === "layer" ? `cut at ${cut.layer}` : `top ${cut.k}`;
}

export const FrozenStrategy = z.object({
  kind: z.literal("frozen"),
  head: HeadConfig.default({ type: "softmax", hiddenUnits: 0, dropout: 0 }),
  learningRate: learningRate.default(0.03),
});

export const PartialStrategy = z.object({
  kind: z.literal("partial"),
  head: HeadConfig.default({ type: "softmax", hiddenUnits: 0, dropout: 0 }),
  cut: CutPoint.default({ by: "topK", k: 2 }),
  learningRate: learningRate.default(0.01),
  /** Learning rate for the unfrozen base layers; lower than the head's so pretrained filters move less. */
  baseLearningRate: learningRate.default(0.003),
  /** Head-only epochs before the top of the base is unfrozen (counted inside the epoch budget). */
  warmupEpochs: boundedNumber({ min: 0, max: 100, int: true }).default(0),
});

export const FullStrategy = z.object({
  kind: z.literal("full"),
  head: HeadConfig.default({ type: "softmax", hiddenUnits: 0, dropout: 0 }),
  /**
   * The fresh head learns as fast as partial's; the whole pretrained base moves ten times slower
   * than partial's top. With Adam every weight moves by about the learning rate per step, and on a
   * real-size base (MobileNetV2, 156 layers, BatchNorm frozen) 0.001 wrecked the pretrained
   * features within the first epoch (accuracy at chance after 3 epochs), where 0.0001 learns.
   */
  learningRate: learningRate.default(0.01),
  baseLearningRate: learningRate.default(0.0001),
});

export const StrategyConfig = z.discriminatedUnion(
  "kind",
  [FrozenStrategy, PartialStrategy, FullStrategy],
  {
    error: discriminatorError(StrategyKind.options),
  },
);
export type StrategyConfig = z.infer<typeof StrategyConfig>;
export type StrategyConfigInput = z.input<typeof StrategyConfig>;

export function defaultStrategy(kind: StrategyKind): StrategyConfig {
  return StrategyConfig.parse({ kind });
}
