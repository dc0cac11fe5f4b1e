import type { FinalMetrics } from "@tlab/core/run";
import {
  formatBytes,
  formatDuration,
  formatInteger,
  formatNumber,
  formatPercent,
} from "@/lib/format";
import { ConfusionMatrix } from "../confusion-matrix";

export function FinalMetricsSection({ metrics }: { metrics: FinalMetrics }) {
  return (
    <>
      <dl className="facts">
        <div>
          <dt>Test accuracy</dt>
          <dd className="big">{formatPercent(metrics.testAccuracy)}</dd>
        </div>
        <div>
          <dt>Test loss</dt>
          <dd>{formatNumber(metrics.testLoss)}</dd>
        </div>
        <div>
          <dt>Best epoch</dt>
          <dd>
            {metrics.bestEpoch} of {metrics.epochsRun}
          </dd>
        </div>
        <div>
          <dt>Trainable parameters</dt>
          <dd>
            {formatInteger(metrics.trainableParams)} of {formatInteger(metrics.totalParams)}
          </dd>
        </div>
        <div>
          <dt title="Training and test evaluation on the workers, summed over the run's attempts; without downloads, uploads and time waiting for the server">
            Wall time (training)
          </dt>
          <dd>{formatDuration(metrics.wallTimeMs)}</dd>
        </div>
        {metrics.apiWaitMs ? (
          <div>
            <dt title="Time the last attempt waited for the server while training (an outage, a slow server); not counted in the wall time">
              Waiting for the server
            </dt>
            <dd>{formatDuration(metrics.apiWaitMs)}</dd>
          </div>
        ) : null}
        <div>
          <dt>Training throughput</dt>
          <dd>{formatInteger(metrics.trainImagesPerSec)} images/s</dd>
        </div>
        <div>
          <dt title="Most tensor memory the run held at once: base weights, data or features, head, optimizer state and a training step’s activations (not the worker process’s size)">
            Peak tensor memory
          </dt>
          <dd>{formatBytes(metrics.peakMemoryBytes)}</dd>
        </div>
        {metrics.microBatch !== undefined ? (
          <div>
            <dt title="Images per forward and backward pass. A batch that does not fit the backend's memory at once runs as several micro-batches whose gradients are summed into one step, so the effective batch stays the experiment's batch size.">
              Micro-batch
            </dt>
            <dd>{formatInteger(metrics.microBatch)} images per pass</dd>
          </div>
        ) : null}
      </dl>
      <div className="split">
        <div className="table-scroll">
          <table className="data-table per-class">
            <caption>Per class (test set)</caption>
            <thead>
              <tr>
                <th scope="col">Class</th>
                <th scope="col">Precision</th>
                <th scope="col">Recall</th>
                <th scope="col">F1</th>
                <th scope="col">Support</th>
              </tr>
            </thead>
            <tbody>
              {metrics.perClass.map((c) => (
                <tr key={c.className}>
                  <th scope="row">{c.className}</th>
                  <td className="num">{formatNumber(c.precision)}</td>
                  <td className="num">{formatNumber(c.recall)}</td>
                  <td className="num">{formatNumber(c.f1)}</td>
                  <td className="num">{c.support}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <ConfusionMatrix
          matrix={metrics.confusionMatrix}
          classNames={metrics.classNames}
          caption="Confusion matrix (test set)"
        />
      </div>
    </>
  );
}
