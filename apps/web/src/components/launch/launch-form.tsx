"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation } from "@tanstack/react-query";
import { TRPCClientError } from "@trpc/client";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useForm, type FieldError } from "react-hook-form";
import { CreateExperimentInput, type CreateExperimentFormValues } from "@tlab/core/experiment";
import { defaultStrategy, STRATEGY_KINDS, STRATEGY_LABELS, type StrategyConfigInput, type StrategyKind } from "@tlab/core/strategy";
import { formatInteger } from "@/lib/format";
import { launchErrorsFromServer, type LaunchField } from "@/lib/launch-form-errors";
import { useTRPC } from "@/trpc/react";
import { FormField, fieldA11y } from "./form-field";

export interface BaseModelOption {
  name: string;
  description: string;
  totalParams: number;
  layerCount: number;
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
}

const STRATEGY_HINTS: Record<StrategyKind, string> = {
  frozen: "Base frozen in inference mode; only the new head trains.",
  partial: "Bottom of the base frozen; the top layers and the head train.",
  full: "Every layer trains, the base at a lower learning rate.",
};

/** zod's generic "expected number, received NaN" becomes something a person can act on. */
function messageOf(error: FieldError | undefined): string | undefined {
  if (!error?.message) return undefined;
  return error.message.startsWith("Invalid input: expected number") ? "Enter a number" : error.message;
}

/** Fields with a control of their own on this form; errors of any other field are listed above the submit button. */
const RENDERED_FIELDS = new Set<string>(["name", "baseModel", "dataset", "strategies", "epochs", "seeds", "batchSize", "trainPerClass", "validationFraction", "testPerClass", "notes"]);

/** The first message in a (possibly nested) react-hook-form error object. */
function firstMessage(error: unknown): string | undefined {
  if (!error || typeof error !== "object") return undefined;
  if ("message" in error && typeof error.message === "string" && error.message) return error.message;
  for (const value of Object.values(error)) {
    if (value && typeof value === "object" && value !== error) {
      const found = firstMessage(value);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * The launch form. Validated by the same zod schema as the API (CreateExperimentInput), so the
 * browser catches what it can and the server's errors land next to the same fields.
 */
export function LaunchForm({ defaults, baseModels, datasets }: Props) {
  const trpc = useTRPC();
  const router = useRouter();
  const [launched, setLaunched] = useState(false);
  const create = useMutation(trpc.experiment.create.mutationOptions());
  const {
    register,
    handleSubmit,
    setError,
    setValue,
    getValues,
    watch,
    formState: { errors, isSubmitting, isSubmitted },
  } = useForm<CreateExperimentFormValues, unknown, CreateExperimentInput>({
    resolver: zodResolver(CreateExperimentInput),
    defaultValues: defaults,
  });

  const strategies = watch("strategies") ?? [];
  const selectedKinds = new Set(strategies.map((s) => s.kind));
  const seeds = watch("seeds");
  const runCount = selectedKinds.size * (Number.isFinite(seeds) && seeds ? seeds : 0);
  const baseModel = baseModels.find((m) => m.name === watch("baseModel"));
  const dataset = datasets.find((d) => d.name === watch("dataset"));
  const baseModelHint = baseModel
    ? `${baseModel.description || "Pretrained base"} · ${baseModel.layerCount} layers · ${formatInteger(baseModel.totalParams)} parameters`
    : baseModels.length === 0
      ? "No base model is registered: put one under DATA_DIR/base-models (tlab pretrain) and restart the server."
      : undefined;

  // A strategy switched back on gets the config it started with (a copied experiment's own config).
  const configFor = (kind: StrategyKind): StrategyConfigInput => defaults.strategies.find((s) => s.kind === kind) ?? defaultStrategy(kind);

  const toggleStrategy = (kind: StrategyKind, on: boolean) => {
    const current = getValues("strategies") ?? [];
    const next = STRATEGY_KINDS.flatMap((k) => (k === kind ? (on ? [configFor(k)] : []) : current.filter((s) => s.kind === k)));
    setValue("strategies", next, { shouldDirty: true, shouldValidate: isSubmitted });
  };

  const onSubmit = handleSubmit(async (input) => {
    try {
      const { id } = await create.mutateAsync(input);
      setLaunched(true);
      router.push(`/experiments/${id}`);
    } catch (error) {
      if (!(error instanceof TRPCClientError)) {
        setError("root.server", { message: error instanceof Error ? error.message : String(error) });
        return;
      }
      const { fields, form } = launchErrorsFromServer(error);
      const entries = Object.entries(fields) as [LaunchField, string][];
      entries.forEach(([field, message], i) => setError(field, { type: "server", message }, { shouldFocus: i === 0 }));
      if (form) setError("root.server", { message: form });
    }
  });

  const strategiesError = errors.strategies?.message ?? errors.strategies?.root?.message;
  // Settings without a control here (e.g. training options from the preset or a copied experiment).
  const otherErrors = Object.entries(errors).flatMap(([field, error]) => {
    if (field === "root" || RENDERED_FIELDS.has(field)) return [];
    const message = firstMessage(error);
    return message ? [`${field}: ${message}`] : [];
  });
  const busy = isSubmitting || launched;

  return (
    <form className="launch-form" onSubmit={onSubmit} noValidate>
      <FormField id="name" label="Experiment name" error={messageOf(errors.name)}>
        <input id="name" type="text" autoComplete="off" {...fieldA11y("name", errors.name)} {...register("name")} />
      </FormField>

      <div className="form-row">
        <FormField
          id="baseModel"
          label="Base model"
          error={messageOf(errors.baseModel)}
          hint={baseModelHint}
        >
          <select id="baseModel" {...fieldA11y("baseModel", errors.baseModel, Boolean(baseModelHint))} {...register("baseModel")}>
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
          hint={dataset ? `${dataset.description || dataset.name} · classes ${dataset.classNames.join(", ")}` : undefined}
        >
          <select id="dataset" {...fieldA11y("dataset", errors.dataset, Boolean(dataset))} {...register("dataset")}>
            {datasets.length === 0 ? <option value="">No datasets available</option> : null}
            {datasets.map((d) => (
              <option key={d.name} value={d.name}>
                {d.name}
              </option>
            ))}
          </select>
        </FormField>
      </div>

      <fieldset className="field strategies" aria-describedby={strategiesError ? "strategies-error" : undefined} aria-invalid={strategiesError ? true : undefined}>
        <legend>Strategies</legend>
        {STRATEGY_KINDS.map((kind) => (
          <div key={kind} className="checkbox">
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
        ))}
        {strategiesError ? (
          <p id="strategies-error" className="field-error" role="alert">
            {strategiesError}
          </p>
        ) : null}
      </fieldset>

      <div className="form-row form-row-4">
        <FormField id="epochs" label="Epochs" error={messageOf(errors.epochs)}>
          <input id="epochs" type="number" min={1} max={100} step={1} {...fieldA11y("epochs", errors.epochs)} {...register("epochs", { valueAsNumber: true })} />
        </FormField>
        <FormField id="seeds" label="Seeds" error={messageOf(errors.seeds)}>
          <input id="seeds" type="number" min={1} max={10} step={1} {...fieldA11y("seeds", errors.seeds)} {...register("seeds", { valueAsNumber: true })} />
        </FormField>
        <FormField id="batchSize" label="Batch size" error={messageOf(errors.batchSize)}>
          <input id="batchSize" type="number" min={1} max={1024} step={1} {...fieldA11y("batchSize", errors.batchSize)} {...register("batchSize", { valueAsNumber: true })} />
        </FormField>
        <FormField id="trainPerClass" label="Training images per class" error={messageOf(errors.trainPerClass)}>
          <input
            id="trainPerClass"
            type="number"
            min={1}
            max={10000}
            step={1}
            {...fieldA11y("trainPerClass", errors.trainPerClass)}
            {...register("trainPerClass", { valueAsNumber: true })}
          />
        </FormField>
      </div>

      <details className="more-settings" open={Boolean(errors.validationFraction || errors.testPerClass || errors.notes)}>
        <summary>Evaluation split and notes</summary>
        <div className="form-row">
          <FormField id="validationFraction" label="Validation fraction" error={messageOf(errors.validationFraction)} hint="Share of the training pool held out for per-epoch validation (0.05–0.5).">
            <input
              id="validationFraction"
              type="number"
              min={0.05}
              max={0.5}
              step={0.01}
              {...fieldA11y("validationFraction", errors.validationFraction, true)}
              {...register("validationFraction", { valueAsNumber: true })}
            />
          </FormField>
          <FormField id="testPerClass" label="Test images per class" error={messageOf(errors.testPerClass)} hint="The same held-out test set scores every strategy.">
            <input
              id="testPerClass"
              type="number"
              min={1}
              max={10000}
              step={1}
              {...fieldA11y("testPerClass", errors.testPerClass, true)}
              {...register("testPerClass", { valueAsNumber: true })}
            />
          </FormField>
        </div>
        <FormField id="notes" label="Notes" error={messageOf(errors.notes)}>
          <textarea id="notes" rows={3} {...fieldA11y("notes", errors.notes)} {...register("notes")} />
        </FormField>
      </details>

      {otherErrors.map((message) => (
        <p key={message} className="form-error" role="alert">
          {message}
        </p>
      ))}
      {errors.root?.server?.message ? (
        <p className="form-error" role="alert">
          {errors.root.server.message}
        </p>
      ) : null}

      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? "Launching…" : "Launch"}
        </button>
        <span className="muted" aria-live="polite">
          {runCount > 0
            ? `${runCount} run${runCount === 1 ? "" : "s"}: ${selectedKinds.size} strateg${selectedKinds.size === 1 ? "y" : "ies"} × ${seeds} seed${seeds === 1 ? "" : "s"}, same split and epoch budget for each.`
            : null}
        </span>
      </div>
    </form>
  );
}
