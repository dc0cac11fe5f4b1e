import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import type { Worker } from "node:worker_threads";
import type { BackendWasmModule } from "@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm";

/**
 * The threaded SIMD build of tfjs-backend-wasm, started in Node.
 *
 * tfjs turns this build off in Node (its WASM_HAS_MULTITHREAD_SUPPORT flag is false whenever
 * IS_NODE) because its loader hands emscripten Blob URLs for the pthread worker script and for the
 * main script, which Node's worker_threads cannot load. The emscripten glue itself supports Node
 * (worker_threads, importScripts through fs). So this module calls the package's own glue
 * (wasm-out/…-threaded-simd.js) with:
 * - the pthread worker script as a data: URL holding a small ES module that gives the package's
 *   worker source the CommonJS globals it expects (require, __filename, __dirname) and evaluates
 *   it: nothing is written to disk;
 * - the main script the workers import left at the glue's own path (read with fs by the workers);
 * - `emscripten_num_logical_cores` answering 2 × the wanted count: backend.cc halves that figure
 *   ("2 hyperthreads per core") and caps the pool at it, which left a 2-core host at 1 thread.
 * Everything else (kernels, BackendWasm) is the package's own code.
 */

/** The emscripten module of the threaded build, with tfjs's bridge functions as BackendWasm expects. */
export type ThreadedWasmModule = BackendWasmModule & { PThread: PThreadApi };

interface PThreadApi {
  unusedWorkers: Worker[];
  runningWorkers: Worker[];
  loadWasmModuleToWorker(
    worker: Worker & { onerror?: (e: unknown) => void },
    onFinishedLoading?: (w: Worker) => void,
  ): void;
  terminateAllThreads(): void;
}

interface FactoryConfig {
  locateFile(file: string, prefix: string): string | URL;
  instantiateWasm(
    imports: WebAssembly.Imports,
    receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void,
  ): object;
  PThread?: PThreadApi;
}

export interface ThreadedWasmOptions {
  /** How long the pthread workers may take to load before the attempt counts as failed. */
  timeoutMs?: number;
  /** Test hook: another pthread worker script, to check how a refused start is handled. */
  workerScript?: URL;
}

export class ThreadedWasmError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ThreadedWasmError";
  }
}

const GLUE = "tfjs-backend-wasm-threaded-simd.js";
const WORKER_SOURCE = "tfjs-backend-wasm-threaded-simd.worker.js";
const BINARY = "tfjs-backend-wasm-threaded-simd.wasm";
/** backend.cc's thread pool holds at most this many threads (the build pre-creates 8 workers). */
export const MAX_WASM_THREADS = 8;

/**
 * Loads the threaded SIMD build with its pthread workers running in Node. Resolves once every
 * worker has loaded the module; rejects with ThreadedWasmError (and leaves no worker behind) when
 * shared memory, the workers or the module refuse to start. The caller passes the module to
 * BackendWasm and then calls releaseIdleWorkers.
 */
export async function startThreadedWasm(
  threads: number,
  options: ThreadedWasmOptions = {},
): Promise<ThreadedWasmModule> {
  if (!Number.isInteger(threads) || threads < 2 || threads > MAX_WASM_THREADS) {
    throw new RangeError(
      `threads must be a whole number from 2 to ${MAX_WASM_THREADS}, got ${threads}`,
    );
  }
  const support = sharedMemorySupport();
  if (support !== undefined) throw new ThreadedWasmError(support);

  const require = createRequire(import.meta.url);
  let dir: string;
  let factory: (config: FactoryConfig) => Promise<ThreadedWasmModule>;
  let workerSource: string;
  let binary: Uint8Array<ArrayBuffer>;
  try {
    dir = path.dirname(require.resolve(`@tensorflow/tfjs-backend-wasm/wasm-out/${GLUE}`));
    factory = require(path.join(dir, GLUE)) as typeof factory;
    workerSource = (require(path.join(dir, WORKER_SOURCE)) as { wasmWorkerContents: string })
      .wasmWorkerContents;
    binary = new Uint8Array(await readFile(path.join(dir, BINARY)));
  } catch (error) {
    throw new ThreadedWasmError(
      `the threaded build of @tensorflow/tfjs-backend-wasm could not be read: ${message(error)}`,
    );
  }
  const workerScript = options.workerScript ?? pthreadWorkerUrl(workerSource, dir);

  let fail: (error: unknown) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => {
    fail = (error) => reject(error);
  });
  // Handled here too: a failure after the race has been left (the glue throwing synchronously)
  // must not become an unhandled rejection, which the glue's handler turns into a crash.
  failed.catch(() => undefined);
  // "failed": the workers are being discarded; their late errors (several fail alike) must not
  // reach the glue's handler, which rethrows them as uncaught exceptions.
  let state: "starting" | "started" | "failed" = "starting";
  const onWorkerError = (error: unknown) => {
    if (state === "starting") fail(error);
  };
  const config: FactoryConfig = {
    locateFile: (file, prefix) => (file.endsWith(".worker.js") ? workerScript : prefix + file),
    instantiateWasm: (imports, receive) => {
      (imports.env as Record<string, unknown>).emscripten_num_logical_cores = () => 2 * threads;
      WebAssembly.instantiate(binary, imports).then(
        ({ instance, module }) => receive(instance, module),
        fail,
      );
      return {};
    },
  };

  let ready: Promise<ThreadedWasmModule>;
  let timer: NodeJS.Timeout | undefined;
  try {
    // The glue creates its workers synchronously inside this call.
    ready = factory(config);
    const pthread = config.PThread;
    if (pthread === undefined) throw new Error("the glue did not set up its pthread pool");
    // Until every worker has loaded, a worker error is this attempt failing, not a reason to crash
    // the process (the glue's own handler rethrows it as an uncaught exception).
    for (const worker of pthread.unusedWorkers) worker.on("error", onWorkerError);
    const load = pthread.loadWasmModuleToWorker.bind(pthread);
    pthread.loadWasmModuleToWorker = (worker, done) => {
      if (state === "failed") return;
      load(worker, done);
      const rethrow = worker.onerror;
      worker.onerror = (error) => {
        if (state === "started") rethrow?.(error);
        else onWorkerError(error);
      };
    };
    const timeoutMs = options.timeoutMs ?? 60_000;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`its pthread workers did not load within ${timeoutMs / 1000} s`)),
        timeoutMs,
      );
    });
    const module = await Promise.race([ready, failed, timedOut]);
    state = "started";
    for (const worker of pthread.unusedWorkers) worker.off("error", onWorkerError);
    addTfjsBridge(module);
    return module;
  } catch (error) {
    state = "failed";
    try {
      config.PThread?.terminateAllThreads();
    } catch {
      // Nothing more to release.
    }
    throw new ThreadedWasmError(`the threaded wasm build did not start: ${message(error)}`);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * After BackendWasm has created its thread pool: lets the process exit while the pool's threads
 * wait for work (the glue keeps a running pthread's worker referenced), and ends the pre-created
 * workers the pool did not take (about 10 MB each).
 */
export function releaseIdleWorkers(module: ThreadedWasmModule): void {
  for (const worker of module.PThread.runningWorkers) worker.unref();
  for (const worker of module.PThread.unusedWorkers.splice(0)) void worker.terminate();
}

/** Why this Node cannot run the threaded build, or undefined when it can. */
function sharedMemorySupport(): string | undefined {
  if (typeof SharedArrayBuffer === "undefined") return "this Node has no SharedArrayBuffer";
  try {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    if (!(memory.buffer instanceof SharedArrayBuffer))
      return "this Node's WebAssembly has no shared memory";
  } catch (error) {
    return `this Node's WebAssembly has no shared memory: ${message(error)}`;
  }
  return undefined;
}

/**
 * The package's worker source is a classic script for emscripten's Node path: it calls require()
 * and reads __filename. A data: URL is loaded as an ES module, so the module provides those as
 * globals and evaluates the source (indirectly, in global scope, as a script would run).
 */
function pthreadWorkerUrl(workerSource: string, dir: string): URL {
  const glue = path.join(dir, GLUE);
  // The source comes from a template literal in which "\n" inside string literals became real
  // newlines; tfjs's own loader escapes them back the same way.
  const source = workerSource.replace(/\n/g, "\\n");
  const bootstrap = [
    `import { createRequire } from "node:module";`,
    `globalThis.require = createRequire(${JSON.stringify(glue)});`,
    `globalThis.__filename = ${JSON.stringify(glue)};`,
    `globalThis.__dirname = ${JSON.stringify(dir)};`,
    `(0, eval)(${JSON.stringify(source)});`,
  ].join("\n");
  return new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`);
}

/** The functions tfjs's loader adds to the module (tf-backend-wasm init()); BackendWasm calls them. */
function addTfjsBridge(module: ThreadedWasmModule): void {
  module.tfjs = {
    init: module.cwrap("init", null, []),
    initWithThreadsCount: module.cwrap("init_with_threads_count", null, ["number"]),
    getThreadsCount: module.cwrap("get_threads_count", "number", []),
    registerTensor: module.cwrap("register_tensor", null, ["number", "number", "number"]),
    disposeData: module.cwrap("dispose_data", null, ["number"]),
    dispose: module.cwrap("dispose", null, []),
  } as BackendWasmModule["tfjs"];
}

function message(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (error !== null && typeof error === "object" && "message" in error)
    return String(error.message);
  return String(error);
}
