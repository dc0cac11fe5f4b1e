import { InvalidArgumentError } from "commander";
import {
  CreateExperimentInput,
  type CreateExperimentFormValues,
  type TrainingOptions,
} from "@tlab/core/experiment";
import { PRESETS, type PresetName } from "@tlab/core/presets";
import {
  defaultStrategy,
  FrozenStrategy,
  FullStrategy,
  PartialStrategy,
  StrategyKind,
  type HeadConfig,
  type StrategyConfigInput,
} from "@tlab/core/strategy";

/** A value per strategy kind, as `--lr frozen=0.03,full=0.003` gives it. */
export type PerStrategy = Partial<Record<StrategyKind, number>>;

/** `--augment shift=2,rotate=10,brightness=0.1,flip`, in the schema's field names. */
export interface AugmentOption {
  flipHorizontal?: boolean;
  shiftPixels?: number;
  rotateDegrees?: number;
  brightness?: number;
}

export interface LaunchOptions {
  preset: PresetName;
  name?: string;
  strategies?: StrategyKind[];
  epochs?: number;
  seeds?: number;
  /** One value, or a label-budget ladder (`--train-per-class 10,30,100`). */
  trainPerClass?: number | number[];
  /** `--sweep-cut all` or layer names: one partial run per cut layer. */
  sweepCut?: "all" | string[];
  testPerClass?: number;
  dataset?: string;
  baseModel?: string;
  batchSize?: number;
  validationFraction?: number;
  patience?: number;
  lrSchedule?: TrainingOptions["lrSchedule"];
  batchnorm?: TrainingOptions["batchNorm"];
  augment?: AugmentOption;
  head?: HeadConfig["type"];
  hiddenUnits?: number;
  dropout?: number;
  lr?: PerStrategy;
  baseLr?: PerStrategy;
  cut?: string;
  cutTop?: number;
  warmup?: number;
}

export type LaunchInputResult =
  | { success: true; data: CreateExperimentInput }
  | { success: false; error: string };

/**
 * A number as typed, for the core schema to judge: "abc" and "" become NaN, which the schema
 * rejects with the field's own limits, so the CLI never states a limit of its own.
 */
export function parseNumber(value: string): number {
  return value.trim() === "" ? Number.NaN : Number(value);
}

/** A comma-separated list of numbers as typed (`10,30,100`); one value stays a number. */
export function parseNumberList(value: string): number | number[] {
  const items = value.split(",").map(parseNumber);
  return items.length === 1 ? items[0]! : items;
}

/** `all`, or comma-separated layer names of the base model. */
export function parseSweepCut(value: string): "all" | string[] {
  if (value.trim() === "all") return "all";
  const names = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0)
    throw new InvalidArgumentError(`--sweep-cut: give "all" or layer names, e.g. conv2,fc1`);
  return names;
}

/** Parses `kind=value,...` for `flag`; an unknown kind or a missing value names the flag and the allowed kinds. */
export function parsePerStrategy(flag: string): (value: string) => PerStrategy {
  return (value) => {
    const result: PerStrategy = {};
    for (const pair of value
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean)) {
      const [kind = "", raw, ...rest] = pair.split("=").map((s) => s.trim());
      const parsedKind = StrategyKind.safeParse(kind);
      if (!parsedKind.success)
        throw new InvalidArgumentError(
          `${flag}: unknown strategy "${kind}"; allowed: ${StrategyKind.options.join(", ")}`,
        );
      if (raw === undefined || rest.length > 0)
        throw new InvalidArgumentError(`${flag}: write ${kind}=<number>, got "${pair}"`);
      result[parsedKind.data] = parseNumber(raw);
    }
    if (Object.keys(result).length === 0)
      throw new InvalidArgumentError(`${flag}: give at least one kind=value, e.g. frozen=0.03`);
    return result;
  };
}

const AUGMENT_KEYS = {
  shift: "shiftPixels",
  rotate: "rotateDegrees",
  brightness: "brightness",
} as const;

/** Parses `--augment`; `none` turns augmentation off. Listed keys replace the preset's augmentation, unlisted ones are off. */
export function parseAugment(value: string): AugmentOption {
  const result: AugmentOption = {
    flipHorizontal: false,
    shiftPixels: 0,
    rotateDegrees: 0,
    brightness: 0,
  };
  if (value.trim() === "none") return result;
  for (const item of value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [key = "", raw] = item.split("=").map((s) => s.trim());
    if (key === "flip" && raw === undefined) result.flipHorizontal = true;
    else if (key in AUGMENT_KEYS && raw !== undefined)
      result[AUGMENT_KEYS[key as keyof typeof AUGMENT_KEYS]] = parseNumber(raw);
    else
      throw new InvalidArgumentError(
        `--augment: unknown item "${item}"; allowed: shift=<px>, rotate=<degrees>, brightness=<fraction>, flip, or none`,
      );
  }
  return result;
}

// Which strategy kinds have a field is read from the schemas, so a flag follows the schema it sets.
const STRATEGY_SHAPES: Record<StrategyKind, Record<string, unknown>> = {
  frozen: FrozenStrategy.shape,
  partial: PartialStrategy.shape,
  full: FullStrategy.shape,
};

function kindsWithField(field: string): StrategyKind[] {
  return StrategyKind.options.filter((kind) => field in STRATEGY_SHAPES[kind]);
}

/**
 * Maps `tlab launch` options onto the launch input and validates it with CreateExperimentInput,
 * the schema the web form and the API use. Unset options keep the preset's values; an error names
 * the flag (a flag for a strategy not chosen) or the input's field path (a value out of range).
 */
export function launchInput(opts: LaunchOptions, now: Date = new Date()): LaunchInputResult {
  const preset = PRESETS[opts.preset];
  // A chosen strategy keeps the preset's settings for it (e.g. partial's warm-up in digits-augmented).
  const base: StrategyConfigInput[] = opts.strategies
    ? opts.strategies.map(
        (kind) => preset.strategies.find((s) => s.kind === kind) ?? defaultStrategy(kind),
      )
    : preset.strategies;
  const chosen = base.map((s) => s.kind);
  const flagErrors: string[] = [];

  const perStrategy = (flag: string, field: string, values: PerStrategy | undefined): void => {
    for (const kind of Object.keys(values ?? {}) as StrategyKind[]) {
      if (!kindsWithField(field).includes(kind))
        flagErrors.push(
          `${flag}: ${kind} has no ${field}; allowed: ${kindsWithField(field).join(", ")}`,
        );
      else if (!chosen.includes(kind))
        flagErrors.push(
          `${flag}: strategy ${kind} is not chosen (strategies: ${chosen.join(", ")})`,
        );
    }
  };
  perStrategy("--lr", "learningRate", opts.lr);
  perStrategy("--base-lr", "baseLearningRate", opts.baseLr);
  const needsChosen = (flag: string, field: string, given: boolean): void => {
    const kinds = kindsWithField(field);
    if (given && !kinds.some((k) => chosen.includes(k)))
      flagErrors.push(
        `${flag}: applies to ${kinds.join(", ")}, which is not chosen (strategies: ${chosen.join(", ")})`,
      );
  };
  needsChosen(
    opts.cut !== undefined ? "--cut" : "--cut-top",
    "cut",
    opts.cut !== undefined || opts.cutTop !== undefined,
  );
  needsChosen("--warmup", "warmupEpochs", opts.warmup !== undefined);
  needsChosen("--sweep-cut", "cut", opts.sweepCut !== undefined);
  if (opts.sweepCut !== undefined && (opts.cut !== undefined || opts.cutTop !== undefined))
    flagErrors.push(
      "--sweep-cut: gives each partial run its own cut; leave out --cut and --cut-top",
    );
  if (opts.cut !== undefined && opts.cutTop !== undefined)
    flagErrors.push("--cut and --cut-top: give one of them");
  if (flagErrors.length > 0) return { success: false, error: flagErrors.join("; ") };

  const strategies = base.map((s): StrategyConfigInput => {
    const head = {
      ...s.head,
      ...(opts.head !== undefined && { type: opts.head }),
      ...(opts.hiddenUnits !== undefined && { hiddenUnits: opts.hiddenUnits }),
      ...(opts.dropout !== undefined && { dropout: opts.dropout }),
    };
    const learningRate = opts.lr?.[s.kind] ?? s.learningRate;
    if (s.kind === "frozen") return { ...s, head, learningRate };
    const baseLearningRate = opts.baseLr?.[s.kind] ?? s.baseLearningRate;
    if (s.kind === "full") return { ...s, head, learningRate, baseLearningRate };
    const cut =
      opts.cut !== undefined
        ? { by: "layer" as const, layer: opts.cut }
        : opts.cutTop !== undefined
          ? { by: "topK" as const, k: opts.cutTop }
          : s.cut;
    return {
      ...s,
      head,
      learningRate,
      baseLearningRate,
      cut,
      warmupEpochs: opts.warmup ?? s.warmupEpochs,
    };
  });

  const training = preset.training;
  const input: CreateExperimentFormValues = {
    ...preset,
    name:
      opts.name ??
      `${opts.dataset || opts.baseModel ? `${opts.baseModel ?? preset.baseModel} → ${opts.dataset ?? preset.dataset}` : preset.name} (${now.toISOString().slice(0, 16).replace("T", " ")})`,
    dataset: opts.dataset ?? preset.dataset,
    baseModel: opts.baseModel ?? preset.baseModel,
    strategies,
    epochs: opts.epochs ?? preset.epochs,
    seeds: opts.seeds ?? preset.seeds,
    ...ladderOrValue(opts.trainPerClass, preset.trainPerClass),
    ...(opts.sweepCut !== undefined && { cutSweep: opts.sweepCut }),
    testPerClass: opts.testPerClass ?? preset.testPerClass,
    batchSize: opts.batchSize ?? preset.batchSize,
    validationFraction: opts.validationFraction ?? preset.validationFraction,
    training: {
      augmentation: opts.augment ?? training.augmentation,
      earlyStoppingPatience: opts.patience ?? training.earlyStoppingPatience,
      lrSchedule: opts.lrSchedule ?? training.lrSchedule,
      batchNorm: opts.batchnorm ?? training.batchNorm,
    },
  };
  const parsed = CreateExperimentInput.safeParse(input);
  if (!parsed.success)
    return {
      success: false,
      error: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "),
    };
  return { success: true, data: parsed.data };
}

/** One value sets trainPerClass; several make a ladder, whose largest rung is also trainPerClass. */
function ladderOrValue(
  given: number | number[] | undefined,
  preset: number,
): { trainPerClass: number; trainPerClassLadder?: number[] } {
  if (given === undefined) return { trainPerClass: preset };
  if (!Array.isArray(given)) return { trainPerClass: given };
  const finite = given.filter(Number.isFinite);
  return {
    trainPerClass: finite.length > 0 ? Math.max(...finite) : preset,
    trainPerClassLadder: given,
  };
}
