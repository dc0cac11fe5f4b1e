import type { ArtifactDto } from "@tlab/core/dto";
import { formatBytes, formatDateTime } from "@/lib/format";

export function ArtifactsTable({ runId, artifacts }: { runId: string; artifacts: ArtifactDto[] }) {
  if (artifacts.length === 0) return <p className="muted">No artifacts yet: the worker uploads the trained model when the run finishes.</p>;
  return (
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
                <a href={`/api/artifacts/runs/${encodeURIComponent(runId)}/${encodeURIComponent(a.fileName)}`} download={a.fileName}>
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
  );
}
