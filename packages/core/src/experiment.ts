import { z } from "zod";
import { StrategyConfig } from "./strategy";

/**
 * The launch input, shared by the web form, the tRPC API and `tlab launch`.
 * An experiment fans out into one run per (strategy, seed); every run shares the split, the epoch
 * budget and the evaluation set, so the strategies are compared fairly.
 */
export const CreateExperimentInput = z.object({
  name: z.string().trim().min(1, "Experiment name is required").max(120, "Experiment name is at most 120 characters"),
  baseModel: z.string().trim().min(1, "Choose a base model"),
  dataset: z.string().trim().min(1, "Choose a dataset"),
  strategies: z
    .array(StrategyConfig)
    .min(1, "Pick at least one strategy")
    .refine((list) => new Set(list.map((s) => s.kind)).size === list.length, "Each strategy can appear only once"),
  epochs: z.number({ error: "Epochs must be a whole number from 1 to 100" }).int("Epochs must be a whole number from 1 to 100").min(1, "Epochs must be from 1 to 100").max(100, "Epochs must be from 1 to 100"),
  batchSize: z.number().int().min(1, "Batch size must be from 1 to 1024").max(1024, "Batch size must be from 1 to 1024").default(32),
  seeds: z.number().int().min(1, "Seeds must be from 1 to 10").max(10, "Seeds must be from 1 to 10").default(1),
  /** Labelled training images per class (few-shot budget); the rest of the pool is not used. */
  trainPerClass: z.number().int().min(1).max(10_000).default(300),
  validationFraction: z.number().min(0.05).max(0.5).default(0.15),
  testPerClass: z.number().int().min(1).max(10_000).default(200),
  notes: z.string().max(2000).default(""),
});
export type CreateExperimentInput = z.infer<typeof CreateExperimentInput>;
export type CreateExperimentFormValues = z.input<typeof CreateExperimentInput>;

export const ExperimentId = z.object({ id: z.string().min(1) });

export const ListExperimentsInput = z
  .object({
    limit: z.number().int().min(1).max(200).default(50),
    cursor: z.string().nullish(),
    search: z.string().max(200).optional(),
  })
  .default({ limit: 50 });
