"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation } from "@tanstack/react-query";
import { TRPCClientError } from "@trpc/client";
import { useRouter } from "next/navigation";
import { useRef, useState } from "react";
import { useForm, type FieldError } from "react-hook-form";
import { CreateExperimentInput, type CreateExperimentFormValues } from "@tlab/core/experiment";
import type { LayerInfo } from "@tlab/core/layer-plan";
import {
  defaultStrategy,
  STRATEGY_KINDS,
  STRATEGY_LABELS,
  type StrategyConfigInput,
  type StrategyKind,
} from "@tlab/core/strategy";
import { formatInteger } from "@/lib/format";
import type { LaunchPreset } from "@/lib/launch-presets";
import { launchErrorsFromServer, type LaunchField } from "@/lib/launch-form-errors";
import { useHydrated } from "@/lib/use-hydrated";
import { useTRPC } from "@/trpc/react";
import { FormField, fieldA11y } from "./form-field";
import { LaunchSummary } from "./launch-summary";
import { StrategySettings } from "./strategy-settings";
import { sweepCandidates, TransferCurveFields } from "./transfer-curve-fields";
import { FormError } from "@/components/form-messages";

export interface BaseModelOption {
  name: string;
  description: string;
  totalParams: number;
  layers: LayerInfo[];
}

export interface DatasetOption {
  name: string;
  description: string;
  classNames: string[];
}

interface Props {
  defaults: CreateExperimentFormValues;
  baseModels: BaseModelOption[];
  datasets: DatasetOption[];
  presets: LaunchPreset[];
  /** The preset the defaults came from, if any (not for a clone). */
  presetId: string | null;
}

const STRATEGY_HINTS: Record<StrategyKind, string> = {
  frozen: "Base frozen in inference mode; only the new head trains.",
  partial: "Bottom of the base frozen; the top layers and the head train.",
  full: "Every layer trains, the base at a lower learning rate.",
};

/** zod's generic "expected number, received NaN" becomes something a person can act on. */
function messageOf(error: FieldError | undefined): string | undefined {
  if (!error?.message) return undefined;
  return error.message.startsWith("Invalid input: expected number")
    ? "Enter a number"
    : error.message;
}

/** Fields with a control of their own on this form; errors of any other field are listed above the submit button. */
const RENDERED_FIELDS = new Set<string>([
  "name",
  "baseModel",
  "dataset",
  "strategies",
  "epochs",
  "seeds",
  "batchSize",
  "trainPerClass",
  "trainPerClassLadder",
  "cutSweep",
  "validationFraction",
  "testPerClass",
  "notes",
  "training",
]);

/** Every message in a (possibly nested) react-hook-form error object, by dotted path. */
function messagesByPath(
  error: unknown,
  prefix = "",
  out: Record<string, string> = {},
): Record<string, string> {
  if (!error || typeof error !== "object") return out;
  if ("message" in error && typeof error.message === "string" && error.message) {
    out[prefix] = error.message.startsWith("Invalid input: expected number")
      ? "Enter a number"
      : error.message;
  }
  for (const [key, value] of Object.entries(error)) {
    if (key === "ref" || key === "message" || key === "type" || key === "types") continue;
    if (value && typeof value === "object")
      messagesByPath(value, prefix ? `${prefix}.${key}` : key, out);
  }
  return out;
}

/**
 * The launch form: every engine option, validated by the same zod schema as the API
 * (CreateExperimentInput), so the browser catches what it can and the server's errors land next to
 * the same fields. Presets and clones fill it; the summary beside it shows what will be created.
 */
export function LaunchForm({ defaults, baseModels, datasets, presets, presetId }: Props) {
  const trpc = useTRPC();
  const router = useRouter();
  const [launched, setLaunched] = useState(false);
  const [preset, setPreset] = useState(presetId ?? "");
  // Bumped when a preset replaces every value, so fields that keep their own typed text start over.
  const [resets, setResets] = useState(0);
  const create = useMutation(trpc.experiment.create.mutationOptions());
  const {
    register,
    handleSubmit,
    setError,
    setValue,
    getValues,
    watch,
    reset,
    formState: { errors, isSubmitting, isSubmitted },
  } = useForm<CreateExperimentFormValues, unknown, CreateExperimentInput>({
    resolver: zodResolver(CreateExperimentInput),
    defaultValues: defaults,
  });

  const strategies = watch("strategies") ?? [];
  const selectedKinds = new Set(strategies.map((s) => s.kind));
  const baseModel = baseModels.find((m) => m.name === watch("baseModel"));
  const dataset = datasets.find((d) => d.name === watch("dataset"));
  const baseModelHint = baseModel
    ? `${baseModel.description || "Pretrained base"} · ${baseModel.layers.length} layers · ${formatInteger(baseModel.totalParams)} parameters`
    : baseModels.length === 0
      ? "No base model is registered: put one under DATA_DIR/base-models (tlab pretrain) and restart the server."
      : undefined;

  // A strategy switched back on gets the config it started with (a copied experiment's own config).
  const configFor = (kind: StrategyKind): StrategyConfigInput =>
    defaults.strategies.find((s) => s.kind === kind) ?? defaultStrategy(kind);
  const setStrategies = (next: StrategyConfigInput[]) => {
    setValue("strategies", next, { shouldDirty: true, shouldValidate: isSubmitted });
    setPreset("");
  };
  const toggleStrategy = (kind: StrategyKind, on: boolean) => {
    const current = getValues("strategies") ?? [];
    setStrategies(
      STRATEGY_KINDS.flatMap((k) =>
        k === kind
          ? on
            ? [current.find((s) => s.kind === k) ?? configFor(k)]
            : []
          : current.filter((s) => s.kind === k),
      ),
    );
  };
  const updateStrategy = (next: StrategyConfigInput) =>
    setStrategies((getValues("strategies") ?? []).map((s) => (s.kind === next.kind ? next : s)));

  // A name that is still a preset's (or one made here) describes the data it came with: once the
  // base model or the dataset changes it would mislabel the experiment, so it follows the new pair.
  const madeName = useRef<string | null>(null);
  const onSourceChange = () => {
    setPreset("");
    const name = getValues("name");
    if (name !== madeName.current && !presets.some((p) => p.values.name === name)) return;
    madeName.current = `${getValues("baseModel")} → ${getValues("dataset")}`;
    setValue("name", madeName.current, { shouldValidate: isSubmitted });
  };

  const applyPreset = (id: string) => {
    setPreset(id);
    const chosen = presets.find((p) => p.id === id);
    if (!chosen) return;
    const values = structuredClone(chosen.values);
    if (!baseModels.some((m) => m.name === values.baseModel))
      values.baseModel = getValues("baseModel");
    if (!datasets.some((d) => d.name === values.dataset)) values.dataset = getValues("dataset");
    reset(values, { keepDefaultValues: true });
    setResets((n) => n + 1);
  };

  const onSubmit = handleSubmit(async (input) => {
    try {
      const { id } = await create.mutateAsync(input);
      setLaunched(true);
      router.push(`/experiments/${id}`);
    } catch (error) {
      if (!(error instanceof TRPCClientError)) {
        setError("root.server", {
          message: error instanceof Error ? error.message : String(error),
        });
        return;
      }
      const { fields, form } = launchErrorsFromServer(error);
      const entries = Object.entries(fields) as [LaunchField, string][];
      entries.forEach(([field, message], i) => {
        setError(field, { type: "server", message }, { shouldFocus: i === 0 });
      });
      if (form) setError("root.server", { message: form });
    }
  });

  const strategiesError = errors.strategies?.message ?? errors.strategies?.root?.message;
  const strategyErrors = messagesByPath(errors.strategies);
  const trainingErrors = messagesByPath(errors.training);
  const otherErrors = Object.entries(errors).flatMap(([field, error]) => {
    if (field === "root" || RENDERED_FIELDS.has(field)) return [];
    const message = Object.values(messagesByPath(error))[0];
    return message ? [`${field}: ${message}`] : [];
  });
  const busy = isSubmitting || launched;
  // Until React has hydrated the form, a click would submit it natively (a GET with every field in
  // the URL) and typing could be overwritten: the Launch button waits for the form to be live.
  const hydrated = useHydrated();
  const training = watch("training");
  const num = (name: Parameters<typeof register>[0]) =>
    register(name, { valueAsNumber: true, onChange: () => setPreset("") });

  return (
    <div className="launch-layout">
      <form
        className="launch-form"
        onSubmit={onSubmit}
        noValidate
        aria-label="Launch an experiment"
      >
        <div className="form-row">
          <div className="field">
            <label htmlFor="preset">Preset</label>
            <select
              id="preset"
              value={preset}
              onChange={(e) => applyPreset(e.target.value)}
              aria-describedby="preset-hint"
            >
              <option value="">Custom settings</option>
              {presets.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.label}
                </option>
              ))}
            </select>
            <p id="preset-hint" className="hint">
              {presets.find((p) => p.id === preset)?.description ??
                "Choosing a preset fills every field below; edit anything after."}
            </p>
          </div>
          <FormField id="name" label="Experiment name" error={messageOf(errors.name)}>
            <input
              id="name"
              type="text"
              autoComplete="off"
              {...fieldA11y("name", errors.name)}
              {...register("name")}
            />
          </FormField>
        </div>

        <div className="form-row">
          <FormField
            id="baseModel"
            label="Base model"
            error={messageOf(errors.baseModel)}
            hint={baseModelHint}
          >
            <select
              id="baseModel"
              {...fieldA11y("baseModel", errors.baseModel, Boolean(baseModelHint))}
              {...register("baseModel", { onChange: onSourceChange })}
            >
              {baseModels.length === 0 ? <option value="">No base models available</option> : null}
              {baseModels.map((m) => (
                <option key={m.name} value={m.name}>
                  {m.name}
                </option>
              ))}
            </select>
          </FormField>
          <FormField
            id="dataset"
            label="Dataset"
            error={messageOf(errors.dataset)}
            hint={
              dataset
                ? `${dataset.description || dataset.name} · classes ${dataset.classNames.join(", ")}`
                : undefined
            }
          >
            <select
              id="dataset"
              {...fieldA11y("dataset", errors.dataset, Boolean(dataset))}
              {...register("dataset", { onChange: onSourceChange })}
            >
              {datasets.length === 0 ? <option value="">No datasets available</option> : null}
              {datasets.map((d) => (
                <option key={d.name} value={d.name}>
                  {d.name}
                </option>
              ))}
            </select>
          </FormField>
        </div>

        <fieldset
          className="field strategies"
          aria-describedby={strategiesError ? "strategies-error" : undefined}
          aria-invalid={strategiesError ? true : undefined}
        >
          <legend>Strategies</legend>
          {STRATEGY_KINDS.map((kind) => {
            const index = strategies.findIndex((s) => s.kind === kind);
            const value = strategies[index];
            const errorsHere = Object.fromEntries(
              Object.entries(strategyErrors).flatMap(([path, message]) =>
                path.startsWith(`${index}.`)
                  ? [[path.slice(String(index).length + 1), message]]
                  : [],
              ),
            );
            return (
              <div key={kind} className={value ? "strategy-block strategy-on" : "strategy-block"}>
                <div className="checkbox">
                  <input
                    id={`strategy-${kind}`}
                    type="checkbox"
                    checked={selectedKinds.has(kind)}
                    onChange={(event) => toggleStrategy(kind, event.target.checked)}
                    aria-describedby={`strategy-${kind}-hint`}
                  />
                  <label htmlFor={`strategy-${kind}`}>{STRATEGY_LABELS[kind]}</label>
                  <span id={`strategy-${kind}-hint`} className="hint">
                    {STRATEGY_HINTS[kind]}
                  </span>
                </div>
                {value ? (
                  <StrategySettings
                    value={value}
                    layers={baseModel?.layers ?? []}
                    onChange={updateStrategy}
                    errors={errorsHere}
                  />
                ) : null}
              </div>
            );
          })}
          {strategiesError ? (
            <p id="strategies-error" className="field-error" role="alert">
              {strategiesError}
            </p>
          ) : null}
        </fieldset>

        <fieldset className="form-section">
          <legend>Training budget</legend>
          <div className="form-row form-row-3">
            <FormField id="epochs" label="Epochs" error={messageOf(errors.epochs)}>
              <input
                id="epochs"
                type="number"
                min={1}
                max={100}
                step={1}
                {...fieldA11y("epochs", errors.epochs)}
                {...num("epochs")}
              />
            </FormField>
            <FormField id="seeds" label="Seeds" error={messageOf(errors.seeds)}>
              <input
                id="seeds"
                type="number"
                min={1}
                max={10}
                step={1}
                {...fieldA11y("seeds", errors.seeds)}
                {...num("seeds")}
              />
            </FormField>
            <FormField id="batchSize" label="Batch size" error={messageOf(errors.batchSize)}>
              <input
                id="batchSize"
                type="number"
                min={1}
                max={1024}
                step={1}
                {...fieldA11y("batchSize", errors.batchSize)}
                {...num("batchSize")}
              />
            </FormField>
          </div>
          <div className="form-row form-row-3">
            <FormField
              id="earlyStopping"
              label="Early stopping patience"
              error={trainingErrors.earlyStoppingPatience}
              hint="Epochs without a better validation accuracy; 0 = off."
            >
              <input
                id="earlyStopping"
                type="number"
                min={0}
                max={100}
                step={1}
                aria-describedby="earlyStopping-hint"
                {...num("training.earlyStoppingPatience")}
              />
            </FormField>
            <FormField
              id="lrSchedule"
              label="Learning-rate schedule"
              error={trainingErrors.lrSchedule}
              hint="Applied to every strategy's learning rates."
            >
              <select
                id="lrSchedule"
                aria-describedby="lrSchedule-hint"
                {...register("training.lrSchedule", { onChange: () => setPreset("") })}
              >
                <option value="constant">constant</option>
                <option value="cosine">cosine decay</option>
                <option value="step">step decay</option>
              </select>
            </FormField>
            <FormField
              id="batchNorm"
              label="BatchNorm statistics"
              error={trainingErrors.batchNorm}
              hint="While fine-tuning: frozen keeps the base's moving mean and variance (inference mode); updated normalises by each batch."
            >
              <select
                id="batchNorm"
                aria-describedby="batchNorm-hint"
                {...register("training.batchNorm", { onChange: () => setPreset("") })}
              >
                <option value="frozen">frozen (inference mode)</option>
                <option value="updated">updated (batch statistics)</option>
              </select>
            </FormField>
          </div>
        </fieldset>

        <fieldset className="form-section">
          <legend>Augmentation (training batches only)</legend>
          <div className="form-row form-row-4">
            <div className="field field-check">
              <label className="inline-check">
                <input
                  type="checkbox"
                  {...register("training.augmentation.flipHorizontal", {
                    onChange: () => setPreset(""),
                  })}
                />
                Flip horizontally
              </label>
              <p className="hint">Off for digits: a mirrored 7 is not a 7.</p>
            </div>
            <FormField
              id="shiftPixels"
              label="Shift (pixels)"
              error={trainingErrors["augmentation.shiftPixels"]}
            >
              <input
                id="shiftPixels"
                type="number"
                min={0}
                max={32}
                step={1}
                {...num("training.augmentation.shiftPixels")}
              />
            </FormField>
            <FormField
              id="rotateDegrees"
              label="Rotation (degrees)"
              error={trainingErrors["augmentation.rotateDegrees"]}
            >
              <input
                id="rotateDegrees"
                type="number"
                min={0}
                max={45}
                step={1}
                {...num("training.augmentation.rotateDegrees")}
              />
            </FormField>
            <FormField
              id="brightness"
              label="Brightness (±fraction)"
              error={trainingErrors["augmentation.brightness"]}
            >
              <input
                id="brightness"
                type="number"
                min={0}
                max={0.5}
                step={0.05}
                {...num("training.augmentation.brightness")}
              />
            </FormField>
          </div>
          {training?.augmentation &&
          (training.augmentation.shiftPixels ||
            training.augmentation.rotateDegrees ||
            training.augmentation.brightness ||
            training.augmentation.flipHorizontal) ? (
            <p className="hint">
              With augmentation the frozen base cannot reuse cached features, so frozen and partial
              runs take longer.
            </p>
          ) : null}
        </fieldset>

        <fieldset className="form-section">
          <legend>Data</legend>
          <div className="form-row form-row-3">
            <FormField
              id="trainPerClass"
              label="Training images per class"
              error={messageOf(errors.trainPerClass)}
              hint="The few-shot budget: labelled images per class, the validation share included."
            >
              <input
                id="trainPerClass"
                type="number"
                min={2}
                max={10000}
                step={1}
                {...fieldA11y("trainPerClass", errors.trainPerClass, true)}
                {...num("trainPerClass")}
              />
            </FormField>
            <FormField
              id="validationFraction"
              label="Validation fraction"
              error={messageOf(errors.validationFraction)}
              hint="Held out from the training images for per-epoch validation (0.05–0.5)."
            >
              <input
                id="validationFraction"
                type="number"
                min={0.05}
                max={0.5}
                step={0.01}
                {...fieldA11y("validationFraction", errors.validationFraction, true)}
                {...num("validationFraction")}
              />
            </FormField>
            <FormField
              id="testPerClass"
              label="Test images per class"
              error={messageOf(errors.testPerClass)}
              hint="The same held-out test set scores every strategy."
            >
              <input
                id="testPerClass"
                type="number"
                min={1}
                max={10000}
                step={1}
                {...fieldA11y("testPerClass", errors.testPerClass, true)}
                {...num("testPerClass")}
              />
            </FormField>
          </div>
          <TransferCurveFields
            key={resets}
            layers={baseModel?.layers ?? []}
            partialChosen={selectedKinds.has("partial")}
            ladder={getValues("trainPerClassLadder")}
            cutSweep={watch("cutSweep")}
            onLadderChange={(ladder) => {
              setPreset("");
              setValue("trainPerClassLadder", ladder, { shouldValidate: isSubmitted });
            }}
            onCutSweepChange={(sweep) => {
              setPreset("");
              setValue("cutSweep", sweep, { shouldValidate: isSubmitted });
            }}
            ladderError={Object.values(messagesByPath(errors.trainPerClassLadder))[0]}
            cutSweepError={Object.values(messagesByPath(errors.cutSweep))[0]}
          />
        </fieldset>

        <FormField id="notes" label="Notes" error={messageOf(errors.notes)}>
          <textarea
            id="notes"
            rows={2}
            {...fieldA11y("notes", errors.notes)}
            {...register("notes")}
          />
        </FormField>

        {otherErrors.map((message) => (
          <FormError key={message} message={message} />
        ))}
        <FormError message={errors.root?.server?.message} />

        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={busy || !hydrated}>
            {busy ? "Launching…" : "Launch"}
          </button>
          <span className="muted">Runs queue at once; workers pick them up in order.</span>
        </div>
      </form>
      <LaunchSummary
        strategies={strategies}
        seeds={Number(watch("seeds"))}
        epochs={Number(watch("epochs"))}
        trainPerClass={Number(watch("trainPerClass"))}
        budgets={watch("trainPerClassLadder")?.length ?? 1}
        cutPoints={(() => {
          const sweep = watch("cutSweep");
          if (sweep === undefined) return null;
          return sweep === "all" ? sweepCandidates(baseModel?.layers ?? []).length : sweep.length;
        })()}
        validationFraction={Number(watch("validationFraction"))}
        classCount={dataset?.classNames.length ?? 0}
        layers={baseModel?.layers ?? []}
        baseModel={baseModel?.name ?? ""}
      />
    </div>
  );
}
