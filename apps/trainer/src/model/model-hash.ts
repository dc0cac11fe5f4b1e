import { createHash } from "node:crypto";
import type { tf } from "../tf/backend";

/**
 * sha256 of a model's topology and current weight values: two models with the same hash compute
 * the same function, however they were stored (one weights file or shards, quantized on disk or
 * not). Weights are hashed by name, shape and dtype as well as bytes, in the model's own order.
 */
export function modelHash(model: tf.LayersModel): string {
  const hash = createHash("sha256");
  hash.update(JSON.stringify(model.toJSON(undefined, false)));
  for (const weight of model.weights) {
    const value = weight.read();
    hash.update(`\n${weight.originalName}:${value.dtype}:[${value.shape.join(",")}]\n`);
    const data = value.dataSync();
    hash.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  return hash.digest("hex");
}
