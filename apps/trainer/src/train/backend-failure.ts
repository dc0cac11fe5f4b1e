/**
 * What the backends say when memory runs out: libtensorflow's "OOM when allocating tensor", the
 * wasm heap's failed growth (a bare "Aborted()" from emscripten, or an out-of-bounds access when a
 * failed allocation is used), V8 refusing an ArrayBuffer on the cpu backend.
 */
const OUT_OF_MEMORY =
  /out of memory|OOM when allocating|memory access out of bounds|Cannot enlarge memory|Aborted\(|Array buffer allocation failed|Invalid typed array length|ResourceExhausted/i;

/** emscripten's abort text, which names nothing a user can act on. */
const EMSCRIPTEN_ABORT = /\s*Aborted\((.*?)\)\.?(\s*Build with -sASSERTIONS for more info\.?)?/;

export function isOutOfMemory(error: unknown): boolean {
  return OUT_OF_MEMORY.test(errorText(error));
}

/** The engine's message with emscripten's abort boilerplate replaced by what it means. */
export function engineMessage(error: unknown): string {
  const text = errorText(error);
  return EMSCRIPTEN_ABORT.test(text)
    ? text
        .replace(
          EMSCRIPTEN_ABORT,
          (_all, detail: string) => ` the backend aborted${detail ? ` (${detail})` : ""}`,
        )
        .trim()
    : text;
}

/**
 * A training step the backend could not carry out, described for the person reading the run's
 * failure reason. `backendBroken` tells the worker to start its backend afresh before its next run.
 */
export class BackendFailureError extends Error {
  constructor(
    message: string,
    readonly backendBroken: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "BackendFailureError";
  }
}

export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(0)} MiB`;
  return `${(bytes / 2 ** 10).toFixed(0)} KiB`;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error);
}

/**
 * A run's failure reason from whatever ended it: BackendFailureError's own words; any other
 * out-of-memory failure (feature extraction, evaluation) with what to do about it; otherwise the
 * message, with emscripten's abort boilerplate replaced.
 */
export function describeTrainingFailure(error: unknown, backend: string): string {
  if (error instanceof BackendFailureError) return error.message;
  if (isOutOfMemory(error)) {
    return `the ${backend} backend ran out of memory (${engineMessage(error)}): lower the batch size, train fewer layers, or use a base with a smaller input`;
  }
  return engineMessage(error);
}
