"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import type { BaseModelDto, BaseModelListItemDto } from "@tlab/core/dto";
import { formatDateTime } from "@/lib/format";
import { useTRPC } from "@/trpc/react";
import styles from "./catalog.module.css";
import { SourceRunLink } from "./source-run-link";
import { UploadForm } from "./upload-form";

const SOURCE_WORDS: Record<string, string> = {
  builtin: "built in",
  import: "imported",
  run: "promoted from a run",
};
const integer = new Intl.NumberFormat("en-US");

/** The base's layers bottom to top, as the freeze planner sees them: name, class and parameters. */
export function LayerStrip({ model }: { model: BaseModelDto }) {
  return (
    <ol className={styles.strip} aria-label={`Layers of ${model.name}`}>
      {model.layers.map((layer) => (
        <li
          key={layer.name}
          className={`${styles.layer} ${layer.paramCount > 0 ? styles.layerWeighted : ""}`}
          title={`${layer.name} (${layer.className}): ${integer.format(layer.paramCount)} parameters`}
        >
          <strong>{layer.name}</strong>
          <span>{layer.className}</span>
          <span>{integer.format(layer.paramCount)}</span>
        </li>
      ))}
    </ol>
  );
}

/** How a base model got here; a promoted one names its source run, or says that run is gone. */
export function ModelSource({ model }: { model: BaseModelListItemDto }) {
  if (model.sourceRun) {
    return (
      <>
        promoted from <SourceRunLink run={model.sourceRun} />
      </>
    );
  }
  if (model.parentRunId) return <>promoted from a run that no longer exists</>;
  return <>{SOURCE_WORDS[model.source] ?? model.source}</>;
}

export function ModelsView({ initial }: { initial: BaseModelListItemDto[] }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { data: models } = useQuery(
    trpc.catalog.baseModels.queryOptions(undefined, { initialData: initial }),
  );
  return (
    <>
      <div className="page-header">
        <h1>Base models</h1>
      </div>
      <UploadForm
        label="Upload model"
        endpoint={(name, form) => {
          const range = String(form.get("inputRange") ?? "").trim();
          return `/api/base-models/${encodeURIComponent(name)}${range ? `?inputRange=${encodeURIComponent(range)}` : ""}`;
        }}
        extraFields={
          <div className="field">
            <label htmlFor="upload-range">Input range (optional)</label>
            <input
              id="upload-range"
              name="inputRange"
              type="text"
              placeholder="lo,hi, e.g. -1,1 (default 0,1)"
            />
          </div>
        }
        hint={
          <>
            A zip of a TensorFlow.js LayersModel: <code>model.json</code> and the weight files it
            lists, with a single image input. From a terminal:{" "}
            <code>npm run tlab -- models add NAME DIR_OR_ZIP</code>.
          </>
        }
        onUploaded={() => queryClient.invalidateQueries(trpc.catalog.pathFilter())}
      />
      {models.map((model) => (
        // The card's id is the model's name (catalog names are URL-safe), so /models#<name> links to it.
        <section
          key={model.id}
          id={model.name}
          className={styles.modelCard}
          aria-labelledby={`model-${model.id}`}
        >
          <h2 id={`model-${model.id}`}>{model.name}</h2>
          <p className="hint">
            <ModelSource model={model} /> · input {model.inputShape.join("×")} ·{" "}
            {model.layers.length} layers · {integer.format(model.totalParams)} parameters · added{" "}
            {formatDateTime(model.createdAt)}
          </p>
          {model.description ? <p>{model.description}</p> : null}
          <LayerStrip model={model} />
        </section>
      ))}
    </>
  );
}
