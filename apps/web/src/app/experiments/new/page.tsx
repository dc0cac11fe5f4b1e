import type { Metadata } from "next";
import Link from "next/link";
import { connection } from "next/server";
import { TRPCError } from "@trpc/server";
import { roleAtLeast } from "@tlab/core/access";
import type { CreateExperimentFormValues } from "@tlab/core/experiment";
import type { ExperimentDetailDto, RunDetailDto } from "@tlab/core/dto";
import { STRATEGY_LABELS, type StrategyConfig } from "@tlab/core/strategy";
import { LaunchForm } from "@/components/launch/launch-form";
import { LAUNCH_PRESETS } from "@/lib/launch-presets";
import { requireUser } from "@/server/current-user";
import { serverApi } from "@/trpc/server";

export const metadata: Metadata = { title: "New experiment" };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

function isNotFound(error: unknown): boolean {
  return error instanceof TRPCError && error.code === "NOT_FOUND";
}

/**
 * The launch form, empty (the first preset), or pre-filled: `?clone=<experimentId>` copies an
 * experiment; `?cloneRun=<runId>` copies the run's experiment with only that run's strategy.
 * Viewers may not launch (experiment.create refuses them), so they get the reason instead of a form.
 */
export default async function NewExperimentPage({ searchParams }: Props) {
  await connection();
  const user = await requireUser();
  if (!roleAtLeast(user.role, "member")) {
    return (
      <section>
        <h1>New experiment</h1>
        <p role="alert">
          Launching experiments needs the member role; you are signed in as {user.role}. You can
          read every experiment and run: ask an admin for the member role to launch your own.
        </p>
        <p>
          <Link href="/">Back to experiments</Link>
        </p>
      </section>
    );
  }
  const api = await serverApi();
  const [baseModels, datasets] = await Promise.all([
    api.catalog.baseModels(),
    api.catalog.datasets(),
  ]);
  const { clone, cloneRun, preset } = await searchParams;
  let defaults: CreateExperimentFormValues | null = null;
  let copying: string | null = null;
  let notice: string | null = null;
  try {
    if (typeof cloneRun === "string" && cloneRun) {
      const run = await api.run.byId({ runId: cloneRun });
      const experiment = await api.experiment.byId({ experimentId: run.experimentId });
      defaults = copyOfRun(experiment, run);
      copying = `run “${STRATEGY_LABELS[run.strategy]} · seed ${run.seed}” of “${experiment.name}”`;
    } else if (typeof clone === "string" && clone) {
      const experiment = await api.experiment.byId({ experimentId: clone });
      defaults = copyOf(experiment);
      copying = `“${experiment.name}”`;
    }
  } catch (error) {
    if (!isNotFound(error)) throw error;
    notice = `There is nothing to copy at that link (it may have been deleted); the form starts from a preset.`;
  }
  const chosenPreset = LAUNCH_PRESETS.find((p) => p.id === preset) ?? LAUNCH_PRESETS[0]!;
  const values = defaults ?? structuredClone(chosenPreset.values);
  // Preselect what exists when the preset's model or dataset is not registered here.
  if (!baseModels.some((m) => m.name === values.baseModel))
    values.baseModel = baseModels[0]?.name ?? "";
  if (!datasets.some((d) => d.name === values.dataset)) values.dataset = datasets[0]?.name ?? "";
  return (
    <>
      <div className="page-header">
        <div>
          <h1>New experiment</h1>
          {copying ? (
            <p className="subtitle">
              Copying the settings of {copying}. Edit anything, then launch.
            </p>
          ) : null}
        </div>
      </div>
      {notice ? <p className="notice">{notice}</p> : null}
      <LaunchForm
        defaults={values}
        presetId={defaults ? null : chosenPreset.id}
        presets={LAUNCH_PRESETS}
        baseModels={baseModels.map((m) => ({
          name: m.name,
          description: m.description,
          totalParams: m.totalParams,
          layers: m.layers,
        }))}
        datasets={datasets.map((d) => ({
          name: d.name,
          description: d.description,
          classNames: d.classNames,
        }))}
      />
    </>
  );
}

/** The launch input that would recreate `source`: its settings and each strategy's exact config. */
function copyOf(source: ExperimentDetailDto): CreateExperimentFormValues {
  const strategies = new Map<StrategyConfig["kind"], StrategyConfig>();
  for (const run of source.runs)
    if (!strategies.has(run.strategy)) strategies.set(run.strategy, run.config);
  return {
    name: `${source.name} (copy)`.slice(0, 120),
    baseModel: source.baseModelName,
    dataset: source.datasetName,
    strategies: [...strategies.values()],
    epochs: source.epochs,
    batchSize: source.batchSize,
    seeds: source.seeds,
    trainPerClass: source.trainPerClass,
    ...(source.trainPerClassLadder && { trainPerClassLadder: source.trainPerClassLadder }),
    ...(source.cutSweep && { cutSweep: source.cutSweep }),
    validationFraction: source.validationFraction,
    testPerClass: source.testPerClass,
    training: source.training,
    notes: source.notes,
  };
}

/** One run again: its experiment's settings with only its strategy, one seed. */
function copyOfRun(experiment: ExperimentDetailDto, run: RunDetailDto): CreateExperimentFormValues {
  // The run's own budget and cut (its config carries the cut), without the sweep or the ladder.
  const { trainPerClassLadder: _ladder, cutSweep: _sweep, ...settings } = copyOf(experiment);
  return {
    ...settings,
    name: `${experiment.name} · ${STRATEGY_LABELS[run.strategy]} (copy)`.slice(0, 120),
    strategies: [run.config],
    seeds: 1,
    trainPerClass: run.trainPerClass ?? experiment.trainPerClass,
  };
}
