import type { Metadata } from "next";
import { connection } from "next/server";
import { TRPCError } from "@trpc/server";
import type { CreateExperimentFormValues } from "@tlab/core/experiment";
import { PRESETS } from "@tlab/core/presets";
import type { StrategyConfig } from "@tlab/core/strategy";
import type { ExperimentDetailDto } from "@tlab/core/dto";
import { LaunchForm } from "@/components/launch/launch-form";
import { serverApi } from "@/trpc/server";

export const metadata: Metadata = { title: "New experiment" };

export default async function NewExperimentPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await connection();
  const api = await serverApi();
  const [baseModels, datasets] = await Promise.all([api.catalog.baseModels(), api.catalog.datasets()]);
  const { clone } = await searchParams;
  let source: ExperimentDetailDto | null = null;
  let notice: string | null = null;
  if (typeof clone === "string" && clone) {
    try {
      source = await api.experiment.byId({ id: clone });
    } catch (error) {
      if (!(error instanceof TRPCError && error.code === "NOT_FOUND")) throw error;
      notice = `There is no experiment "${clone}" to copy; the form starts from the digits preset.`;
    }
  }
  const defaults = source ? copyOf(source) : presetDefaults();
  // Preselect what exists when the preset's model or dataset is not registered here.
  if (!baseModels.some((m) => m.name === defaults.baseModel)) defaults.baseModel = baseModels[0]?.name ?? "";
  if (!datasets.some((d) => d.name === defaults.dataset)) defaults.dataset = datasets[0]?.name ?? "";
  return (
    <>
      <div className="page-header">
        <h1>New experiment</h1>
      </div>
      {source ? <p className="muted">Copying the settings of “{source.name}”.</p> : null}
      {notice ? <p className="notice">{notice}</p> : null}
      <LaunchForm
        defaults={defaults}
        baseModels={baseModels.map((m) => ({ name: m.name, description: m.description, totalParams: m.totalParams, layerCount: m.layers.length }))}
        datasets={datasets.map((d) => ({ name: d.name, description: d.description, classNames: d.classNames }))}
      />
    </>
  );
}

function presetDefaults(): CreateExperimentFormValues {
  const preset = PRESETS.digits;
  return { ...preset, strategies: [...preset.strategies] };
}

/** The launch input that would recreate `source`: its settings and each strategy's exact config. */
function copyOf(source: ExperimentDetailDto): CreateExperimentFormValues {
  const strategies = new Map<StrategyConfig["kind"], StrategyConfig>();
  for (const run of source.runs) if (!strategies.has(run.strategy)) strategies.set(run.strategy, run.config);
  return {
    name: `${source.name} (copy)`.slice(0, 120),
    baseModel: source.baseModelName,
    dataset: source.datasetName,
    strategies: [...strategies.values()],
    epochs: source.epochs,
    batchSize: source.batchSize,
    seeds: source.seeds,
    trainPerClass: source.trainPerClass,
    validationFraction: source.validationFraction,
    testPerClass: source.testPerClass,
    notes: source.notes,
  };
}
