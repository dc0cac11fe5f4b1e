import { ExternalSubject } from "@tlab/core/external-run";
import { parseJsonColumn } from "../json";

/** What to select of an experiment to name its base model and dataset, built-in or external. */
export const subjectSelect = {
  baseModel: { select: { name: true } },
  dataset: { select: { name: true } },
  external: true,
} as const;

export interface SubjectRow {
  baseModel: { name: string } | null;
  dataset: { name: string } | null;
  external: string | null;
}

/** A built-in experiment names catalog entries; an external one the names its client gave. */
export function subjectNames(row: SubjectRow): { baseModelName: string; datasetName: string } {
  if (row.baseModel && row.dataset)
    return { baseModelName: row.baseModel.name, datasetName: row.dataset.name };
  const external = externalSubject(row);
  return {
    baseModelName: row.baseModel?.name ?? external?.baseModel.name ?? "",
    datasetName: row.dataset?.name ?? external?.dataset.name ?? "",
  };
}

export function externalSubject(row: Pick<SubjectRow, "external">): ExternalSubject | null {
  return row.external === null
    ? null
    : parseJsonColumn(ExternalSubject, row.external, "Experiment.external");
}
