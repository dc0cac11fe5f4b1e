import os from "node:os";
import { MAX_WASM_THREADS } from "./wasm-threads";

export interface WasmThreadsInput {
  /** TLAB_THREADS when set: the user's count, used as given. */
  override?: number;
  /** Training processes sharing this host (`tlab worker --concurrency N` runs N). */
  processes?: number;
  /** Cores available to this process; default os.availableParallelism(). */
  parallelism?: number;
}

/**
 * Threads for the wasm backend of one training process: the host's cores shared evenly among the
 * training processes on it (at least 1, at most the backend's pool of 8), unless TLAB_THREADS says
 * otherwise. More threads than cores would only make the processes take turns.
 */
export function wasmThreadsFor(input: WasmThreadsInput = {}): number {
  if (input.override !== undefined) return input.override;
  const parallelism = input.parallelism ?? os.availableParallelism();
  const processes = Math.max(1, input.processes ?? 1);
  return Math.min(MAX_WASM_THREADS, Math.max(1, Math.floor(parallelism / processes)));
}
