"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import type { DatasetDto } from "@tlab/core/dto";
import { formatDateTime } from "@/lib/format";
import { useTRPC } from "@/trpc/react";
import styles from "./catalog.module.css";
import { UploadForm } from "./upload-form";

function describeSource(dataset: DatasetDto): string {
  const spec = dataset.spec;
  if (spec.source === "mnist") return `built in: MNIST digits ${spec.classes.join(", ")}`;
  const [h, w, c] = spec.imageShape;
  return `${spec.format === "idx" ? "IDX" : "image folder"} · ${h}×${w}×${c} · ${spec.hasTestSplit ? "own test split" : "no test split"}`;
}

function ClassCounts({ dataset }: { dataset: DatasetDto }) {
  if (dataset.spec.source !== "upload")
    return <span className="muted">{dataset.classNames.join(", ")}</span>;
  const { train, test } = dataset.spec.counts;
  return (
    <ul className={styles.counts} aria-label={`Images per class of ${dataset.name}`}>
      {dataset.classNames.map((name, i) => (
        <li key={name}>
          {name}: <b>{train[i]}</b>
          {test ? <span className="muted"> + {test[i]} test</span> : null}
        </li>
      ))}
    </ul>
  );
}

export function DatasetsView({ initial }: { initial: DatasetDto[] }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { data: datasets } = useQuery(
    trpc.catalog.datasets.queryOptions(undefined, { initialData: initial }),
  );
  return (
    <>
      <div className="page-header">
        <h1>Datasets</h1>
      </div>
      <UploadForm
        label="Upload dataset"
        endpoint={(name, form) => {
          const size = String(form.get("size") ?? "").trim();
          return `/api/datasets/${encodeURIComponent(name)}${size ? `?size=${encodeURIComponent(size)}` : ""}`;
        }}
        extraFields={
          <div className="field">
            <label htmlFor="upload-size">Stored size (optional)</label>
            <input id="upload-size" name="size" type="text" placeholder="HxW, e.g. 64x64" />
          </div>
        }
        hint={
          <>
            A zip of PNG or JPEG images, one folder per class (<code>cats/001.png</code>),
            optionally under <code>train/</code> and <code>test/</code>. Without a size, images keep
            their size when they all share one, else the most common size. From a terminal:{" "}
            <code>npm run tlab -- datasets add NAME --format imagefolder DIR</code> (or{" "}
            <code>--format idx</code>).
          </>
        }
        onUploaded={() => queryClient.invalidateQueries(trpc.catalog.pathFilter())}
      />
      <div className="table-scroll">
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Source</th>
              <th scope="col">Classes and images</th>
              <th scope="col">Added</th>
            </tr>
          </thead>
          <tbody>
            {datasets.map((dataset) => (
              <tr key={dataset.id}>
                <th scope="row">
                  {dataset.name}
                  {dataset.description ? <div className="hint">{dataset.description}</div> : null}
                </th>
                <td>{describeSource(dataset)}</td>
                <td>
                  <ClassCounts dataset={dataset} />
                </td>
                <td className="nowrap">{formatDateTime(dataset.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
