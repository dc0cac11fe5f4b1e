import path from "node:path";
import { describeComparison } from "@tlab/core/comparison-text";
import { setTimeout as sleep } from "node:timers/promises";
import { SingleBar, Presets } from "cli-progress";
import { Command, InvalidArgumentError, Option } from "commander";
import { TrainingOptions } from "@tlab/core/experiment";
import { PRESET_DESCRIPTIONS, PRESET_NAMES } from "@tlab/core/presets";
import { TERMINAL_STATUSES } from "@tlab/core/run";
import type { RunSummaryDto } from "@tlab/core/dto";
import { type CutPoint, HeadConfig, StrategyKind } from "@tlab/core/strategy";
import { readEnv } from "../env";
import { createApiClient } from "../worker/api-client";
import { resolveUserToken } from "./credentials";
import {
  launchInput,
  parseAugment,
  parseNumber,
  parseNumberList,
  parsePerStrategy,
  parseSweepCut,
  type LaunchOptions,
} from "./launch-input";

type LaunchCommandOptions = LaunchOptions & {
  wait?: boolean;
  json?: boolean;
  apiUrl?: string;
};

export function launchCommand(): Command {
  return new Command("launch")
    .description("create an experiment (one run per strategy and seed) through the API")
    .addOption(
      new Option(
        "--preset <name>",
        "starting configuration (the dashboard's presets; listed below)",
      )
        .choices(PRESET_NAMES)
        .default("digits"),
    )
    .addHelpText(
      "after",
      `\nPresets:\n${PRESET_NAMES.map((name) => `  ${name.padEnd(18)} ${PRESET_DESCRIPTIONS[name].description}`).join("\n")}`,
    )
    .option("--name <name>", "experiment name")
    .option("--strategies <list>", "comma-separated: frozen,partial,full", parseStrategies)
    .option("--epochs <n>", "epoch budget per run", parseNumber)
    .option("--seeds <n>", "repeats per strategy", parseNumber)
    .option(
      "--train-per-class <n[,n...]>",
      "labelled training images per class; several (10,30,100) make a label-budget ladder: every run for each",
      parseNumberList,
    )
    .option(
      "--sweep-cut <all|layer,...>",
      "partial: one run per cut layer of the base (all: every cut point), beside frozen and full",
      parseSweepCut,
    )
    .option("--test-per-class <n>", "held-out test images per class", parseNumber)
    .option(
      "--dataset <name>",
      "dataset from the catalog (tlab datasets list); default: the preset's",
    )
    .option(
      "--base-model <name>",
      "base model from the catalog (tlab models list); default: the preset's",
    )
    .optionsGroup("Training (default: the preset's; limits as in the web form):")
    .option("--batch-size <n>", "images per training step", parseNumber)
    .option(
      "--validation-fraction <x>",
      "share of the training images held out for validation",
      parseNumber,
    )
    .option(
      "--patience <n>",
      "early stopping: epochs without a better validation accuracy (0 = never)",
      parseNumber,
    )
    .addOption(
      new Option("--lr-schedule <name>", "learning-rate schedule").choices(
        TrainingOptions.shape.lrSchedule.unwrap().options,
      ),
    )
    .addOption(
      new Option(
        "--batchnorm <mode>",
        "BatchNorm statistics while fine-tuning: frozen (inference mode) or updated (batch statistics)",
      ).choices(TrainingOptions.shape.batchNorm.unwrap().options),
    )
    .option(
      "--augment <list>",
      "training augmentation, replacing the preset's: shift=<px>,rotate=<degrees>,brightness=<fraction>,flip (or none)",
      parseAugment,
    )
    .optionsGroup("Strategies (apply to the chosen strategies; default: the preset's):")
    .addOption(
      new Option("--head <type>", "classifier head of every strategy").choices(
        HeadConfig.shape.type.unwrap().options,
      ),
    )
    .option("--hidden-units <n>", "hidden units in every head (0 = none)", parseNumber)
    .option("--dropout <x>", "dropout in every head", parseNumber)
    .option(
      "--lr <list>",
      "head learning rate per strategy, e.g. frozen=0.03,full=0.003",
      parsePerStrategy("--lr"),
    )
    .option(
      "--base-lr <list>",
      "base layers' learning rate per strategy, e.g. partial=0.003,full=0.001",
      parsePerStrategy("--base-lr"),
    )
    .addOption(
      new Option("--cut <layer>", "partial: freeze the base through this layer").conflicts(
        "cutTop",
      ),
    )
    .option("--cut-top <k>", "partial: train the top K weighted layers of the base", parseNumber)
    .option("--warmup <n>", "partial: head-only epochs before the base is unfrozen", parseNumber)
    .optionsGroup("Output:")
    .option("--wait", "wait until every run has ended")
    .option("--json", "print one JSON object on stdout")
    .option("--api-url <url>", "Transfer Lab API URL (env TLAB_API_URL)")
    .action(launch);
}

async function launch(opts: LaunchCommandOptions): Promise<void> {
  // Validated before the API is reached, so a typo in a sweep script fails without a login.
  const parsed = launchInput(opts);
  if (!parsed.success) throw new InvalidArgumentError(parsed.error);
  const env = readEnv();
  const apiUrl = opts.apiUrl ?? env.TLAB_API_URL;
  // A personal token (TLAB_TOKEN or `tlab login`): launching is a member's action.
  const api = createApiClient(
    apiUrl,
    resolveUserToken(env.TLAB_TOKEN, apiUrl, undefined, path.resolve(env.DATA_DIR)),
  );
  const created = await api.experiment.create.mutate(parsed.data);
  if (!opts.json)
    process.stderr.write(`experiment ${created.id}: ${created.runCount} runs queued\n`);
  if (!opts.wait) {
    if (opts.json)
      process.stdout.write(
        `${JSON.stringify({ experimentId: created.id, runs: (await api.experiment.byId.query({ experimentId: created.id })).runs.map((r) => ({ id: r.id, strategy: r.strategy, seed: r.seed, ...runBudgetAndCut(r), status: r.status })) })}\n`,
      );
    return;
  }

  const bar = process.stderr.isTTY
    ? new SingleBar(
        {
          format: "training |{bar}| {percentage}% | {done}/{total} runs ended | {status}",
          hideCursor: true,
        },
        Presets.shades_classic,
      )
    : null;
  bar?.start(100, 0, { done: 0, total: created.runCount, status: "queued" });
  for (;;) {
    const experiment = await api.experiment.byId.query({ experimentId: created.id });
    const done = experiment.runs.filter((r) => TERMINAL_STATUSES.includes(r.status)).length;
    const progress =
      experiment.runs.reduce(
        (sum, r) => sum + (TERMINAL_STATUSES.includes(r.status) ? 1 : r.progress),
        0,
      ) / experiment.runs.length;
    bar?.update(Math.round(progress * 100), {
      done,
      total: experiment.runs.length,
      status: summarize(experiment.runs.map((r) => r.status)),
    });
    if (done === experiment.runs.length) break;
    await sleep(1000);
  }
  bar?.stop();

  const experiment = await api.experiment.byId.query({ experimentId: created.id });
  const runs = await Promise.all(experiment.runs.map((r) => api.run.byId.query({ runId: r.id })));
  const { comparisons = [] } = await api.experiment.compare.query({ experimentId: created.id });
  const result = {
    experimentId: created.id,
    runs: runs.map((r) => ({
      id: r.id,
      strategy: r.strategy,
      seed: r.seed,
      ...runBudgetAndCut(r),
      status: r.status,
      failureReason: r.failureReason,
      metrics: (r.finalMetrics
        ? {
            testAccuracy: r.finalMetrics.testAccuracy,
            testLoss: r.finalMetrics.testLoss,
            bestEpoch: r.finalMetrics.bestEpoch,
            trainableParams: r.finalMetrics.trainableParams,
            totalParams: r.finalMetrics.totalParams,
            wallTimeMs: r.finalMetrics.wallTimeMs,
            trainImagesPerSec: r.finalMetrics.trainImagesPerSec,
            ...(r.finalMetrics.microBatch !== undefined
              ? { microBatch: r.finalMetrics.microBatch }
              : {}),
          }
        : {}) as { testAccuracy?: number; [key: string]: number | undefined },
    })),
    // Pairwise significance, computed by the server as the dashboard shows it.
    comparisons,
  };
  if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    // A sweep or a ladder repeats strategy and seed: each line then names its cut and budget.
    const variant = (r: (typeof result.runs)[number]) =>
      parsed.data.cutSweep || parsed.data.trainPerClassLadder
        ? `${r.cut?.by === "layer" ? ` cut ${r.cut.layer}` : ""} ${r.trainPerClass}/class`
        : "";
    for (const r of result.runs)
      process.stdout.write(
        `${r.strategy.padEnd(8)} seed ${r.seed}${variant(r)}  ${r.status.padEnd(9)}  ${r.metrics.testAccuracy !== undefined ? `test accuracy ${(r.metrics.testAccuracy * 100).toFixed(1)}%` : (r.failureReason ?? "")}\n`,
      );
  }
  if (!opts.json) for (const c of comparisons) process.stdout.write(`${describeComparison(c)}\n`);
  if (result.runs.some((r) => r.status !== "SUCCEEDED")) process.exitCode = 1;
}

function parseStrategies(value: string): StrategyKind[] {
  const kinds = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = kinds.filter((k) => !StrategyKind.safeParse(k).success);
  if (bad.length > 0 || kinds.length === 0) {
    throw new InvalidArgumentError(
      `unknown strategy "${bad.join(",")}"; allowed: ${StrategyKind.options.join(", ")}`,
    );
  }
  return kinds as StrategyKind[];
}

function summarize(statuses: string[]): string {
  const counts = new Map<string, number>();
  for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1);
  return [...counts].map(([s, n]) => `${n} ${s.toLowerCase()}`).join(", ");
}

/** A run's label budget and, for partial runs, its cut as the core schema writes it. */
function runBudgetAndCut(run: RunSummaryDto): { trainPerClass: number | null; cut?: CutPoint } {
  return {
    trainPerClass: run.trainPerClass,
    ...(run.config.kind === "partial" && { cut: run.config.cut }),
  };
}
