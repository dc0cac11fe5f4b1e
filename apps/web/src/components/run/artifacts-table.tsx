import type { ArtifactDto } from "@tlab/core/dto";
import { formatBytes, formatDateTime } from "@/lib/format";

function href(runId: string, fileName: string): string {
  return `/api/artifacts/runs/${encodeURIComponent(runId)}/${encodeURIComponent(fileName)}`;
}

/** The trained model's files (tfjs model.json and its weights), each downloadable. */
export function ArtifactsTable({ runId, artifacts }: { runId: string; artifacts: ArtifactDto[] }) {
  if (artifacts.length === 0)
    return (
      <p className="muted">
        No files yet: the worker uploads the trained model (a TensorFlow.js model.json and its
        weights) when the run succeeds.
      </p>
    );
  const modelJson = artifacts.find((a) => a.fileName === "model.json");
  return (
    <>
      {modelJson ? (
        <p className="download-line">
          <a
            className="button"
            href={href(runId, modelJson.fileName)}
            download={modelJson.fileName}
          >
            Download model.json
          </a>
          <span className="muted">
            {" "}
            Load it with <code>tf.loadLayersModel</code>; keep the weight files beside it.
          </span>
        </p>
      ) : null}
      <div className="table-scroll">
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">File</th>
              <th scope="col">Kind</th>
              <th scope="col">Size</th>
              <th scope="col">Stored</th>
            </tr>
          </thead>
          <tbody>
            {artifacts.map((a) => (
              <tr key={a.id}>
                <td>
                  <a href={href(runId, a.fileName)} download={a.fileName}>
                    {a.fileName}
                  </a>
                </td>
                <td>{a.kind}</td>
                <td className="num">{formatBytes(a.sizeBytes)}</td>
                <td className="nowrap">{formatDateTime(a.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
