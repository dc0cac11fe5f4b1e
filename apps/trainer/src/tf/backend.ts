import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import type { TrainingBackend } from "@tlab/core/run";
// Registered here, before anything can create a cpu backend (tests import it for reference
// results at any time), so that its banner is quieted once for the whole process.
import "@tensorflow/tfjs-backend-cpu";
import { quietCpuBackendBanner } from "./quiet-cpu-banner";
import * as tf from "./tfjs";
import { registerWasmTrainingKernels } from "./wasm-kernels";
import {
  MAX_WASM_THREADS,
  releaseIdleWorkers,
  startThreadedWasm,
  type ThreadedWasmModule,
  type ThreadedWasmOptions,
} from "./wasm-threads";

export { tf };

quietCpuBackendBanner();

export type BackendRequest = "auto" | TrainingBackend;

export interface BackendInfo {
  backend: TrainingBackend;
  /** Human-readable description of where the math runs, shown next to the worker in the dashboard. */
  device: string;
  /**
   * CPU threads the backend computes with: the wasm backend's thread pool, the host's cores for
   * libtensorflow (its default intra-op pool), 1 for the plain-JavaScript cpu backend.
   */
  threads: number;
  /** Why fewer wasm threads run than were asked for (the threaded build could not start), if so. */
  threadsNote?: string;
  versions: Record<string, string>;
}

export interface BackendOptions {
  /**
   * Threads for the wasm backend, 1 to 8 (see wasmThreadsFor); other backends ignore it. Unset:
   * 1 the first time, then the count the wasm backend was last set up with. A different count on
   * a later call rebuilds the wasm backend, which drops every tensor made on it: switch before
   * building models (benchmarks compare counts this way).
   */
  wasmThreads?: number;
  /** Test hook for the threaded wasm start (a refused worker script, a shorter timeout). */
  threadedWasm?: ThreadedWasmOptions;
}

export class BackendUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BackendUnavailableError";
  }
}

/**
 * Fastest first. tensorflow-gpu only counts when libtensorflow actually found a CUDA device; if
 * the GPU package loads but finds none, auto keeps it as the CPU "tensorflow" backend rather than
 * loading a second copy of libtensorflow from tfjs-node into the same process.
 */
const AUTO_ORDER: readonly TrainingBackend[] = ["tensorflow-gpu", "tensorflow", "wasm", "cpu"];

const GPU_PACKAGE = "@tensorflow/tfjs-node-gpu";
const CPU_PACKAGE = "@tensorflow/tfjs-node";

let active: BackendInfo | undefined;
/** The wasm backend as last set up, and the thread count it was asked for: switching back to it reuses it. */
let wasmLoaded: { info: BackendInfo; wanted: number } | undefined;

/**
 * Selects and initialises the tfjs backend for this process. "auto" takes the first that works of
 * tfjs-node-gpu (with a GPU), tfjs-node, wasm, cpu; a named backend that cannot start throws
 * BackendUnavailableError saying why. Calling it again with "auto" or the active backend returns
 * the active one (unless options.wasmThreads asks the wasm backend for another thread count);
 * libtensorflow cannot be unloaded, so one process trains on one backend.
 */
export async function initBackend(
  requested: BackendRequest,
  options: BackendOptions = {},
): Promise<BackendInfo> {
  const { wasmThreads } = options;
  if (
    wasmThreads !== undefined &&
    (!Number.isInteger(wasmThreads) || wasmThreads < 1 || wasmThreads > MAX_WASM_THREADS)
  ) {
    throw new RangeError(
      `wasmThreads must be a whole number from 1 to ${MAX_WASM_THREADS}, got ${wasmThreads}`,
    );
  }
  if (active !== undefined && (requested === "auto" || requested === active.backend)) {
    if (
      active.backend !== "wasm" ||
      wasmThreads === undefined ||
      wasmThreads === wasmLoaded?.wanted
    )
      return active;
  }
  if (requested !== "auto") {
    active = await loadBackend(requested, options);
    return active;
  }
  const failures: string[] = [];
  for (const candidate of AUTO_ORDER) {
    try {
      active =
        candidate === "tensorflow-gpu"
          ? await loadNodeBackend(GPU_PACKAGE, "gpu-or-cpu")
          : await loadBackend(candidate, options);
      return active;
    } catch (error) {
      failures.push(`${candidate}: ${errorMessage(error)}`);
    }
  }
  throw new BackendUnavailableError(
    `no TensorFlow.js backend could start:\n  ${failures.join("\n  ")}`,
  );
}

async function loadBackend(
  backend: TrainingBackend,
  options: BackendOptions,
): Promise<BackendInfo> {
  switch (backend) {
    case "tensorflow-gpu":
      return loadNodeBackend(GPU_PACKAGE, "gpu");
    case "tensorflow":
      return loadNodeBackend(CPU_PACKAGE, "cpu");
    case "wasm":
      return loadWasmBackend(options);
    case "cpu":
      return loadCpuBackend();
  }
}

/**
 * tfjs-node and tfjs-node-gpu are optional dependencies: their install downloads libtensorflow,
 * which fails offline, and npm then drops them. The specifier is a variable so neither TypeScript
 * nor a bundler insists that they exist.
 */
async function loadNodeBackend(
  specifier: string,
  want: "gpu" | "cpu" | "gpu-or-cpu",
): Promise<BackendInfo> {
  const name: TrainingBackend = want === "cpu" ? "tensorflow" : "tensorflow-gpu";
  let nodeModule: { version?: unknown };
  try {
    nodeModule = (await import(specifier)) as { version?: unknown };
  } catch (error) {
    throw new BackendUnavailableError(
      `backend "${name}" needs ${specifier}, which is not installed or failed to load ` +
        `(its install downloads libtensorflow and is skipped without internet): ${errorMessage(error)}`,
    );
  }
  if (!(await tf.setBackend("tensorflow"))) {
    throw new BackendUnavailableError(
      `backend "${name}": ${specifier} loaded but its "tensorflow" backend did not initialise`,
    );
  }
  const usingGpu =
    (tf.backend() as unknown as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true;
  if (want === "gpu" && !usingGpu) {
    throw new BackendUnavailableError(
      `backend "tensorflow-gpu": ${specifier} loaded but libtensorflow found no CUDA GPU (needs CUDA 11.2 + cuDNN 8.1)`,
    );
  }
  return {
    backend: usingGpu ? "tensorflow-gpu" : "tensorflow",
    device: usingGpu ? "GPU (libtensorflow, CUDA)" : `CPU (libtensorflow) on ${cpuDescription()}`,
    threads: os.availableParallelism(),
    versions: {
      ...baseVersions(),
      [specifier.replace("@tensorflow/", "")]: packageVersion(nodeModule.version),
    },
  };
}

const WASM_PRIORITY = 2;
type WasmFactory = () => tf.KernelBackend | Promise<tf.KernelBackend>;
/** tfjs's own wasm factory (the single-threaded SIMD build in Node), kept to return to it. */
let singleThreadedWasm: WasmFactory | undefined;

/**
 * The wasm backend with `wasmThreads` threads: above 1, the threaded SIMD build started for Node
 * (./wasm-threads); at 1, or when that build cannot start, tfjs's single-threaded SIMD build, with
 * the reason in threadsNote. A worker never fails for want of threads.
 */
async function loadWasmBackend(options: BackendOptions): Promise<BackendInfo> {
  const require = createRequire(import.meta.url);
  let wasm: typeof import("@tensorflow/tfjs-backend-wasm");
  let wasmDir: string;
  try {
    wasm = await import("@tensorflow/tfjs-backend-wasm");
    // The package's main file sits in dist/ next to the .wasm binaries; tfjs joins the prefix and
    // the file name without a separator, hence the trailing slash.
    wasmDir = path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm")) + path.sep;
  } catch (error) {
    throw new BackendUnavailableError(
      `backend "wasm": @tensorflow/tfjs-backend-wasm could not be loaded: ${errorMessage(error)}`,
    );
  }
  const wanted = options.wasmThreads ?? wasmLoaded?.wanted ?? 1;
  if (wasmLoaded !== undefined && wasmLoaded.wanted === wanted) {
    // Back from another backend: the same wasm backend, its tensors and threads intact.
    if (!(await tf.setBackend("wasm")))
      throw new BackendUnavailableError(`backend "wasm" did not initialise`);
    return wasmLoaded.info;
  }
  singleThreadedWasm ??= tf.findBackendFactory("wasm");
  wasm.setWasmPaths(wasmDir);
  // Before the first training step: without these kernels no gradient passes a Conv2D on wasm.
  registerWasmTrainingKernels();
  const simd = (await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")) === true;
  let threadsNote: string | undefined;
  if (wanted > 1 && !simd)
    threadsNote = "the threaded wasm build needs WebAssembly SIMD, which this Node lacks";
  if (wanted > 1 && simd) {
    let threaded: ThreadedWasmModule | undefined;
    try {
      const started = await startThreadedWasm(wanted, options.threadedWasm);
      threaded = started;
      useWasmFactory(() => {
        wasm.setThreadsCount(wanted);
        const backend = new wasm.BackendWasm(started);
        releaseIdleWorkers(started);
        return backend;
      });
      // tfjs's flag says whether its own loader may use threads; ours does, and nothing else loads.
      tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", true);
      if (await tf.setBackend("wasm")) {
        wasmLoaded = { info: wasmInfo(wasm, simd, wasm.getThreadsCount()), wanted };
        return wasmLoaded.info;
      }
      threadsNote = "the threaded wasm backend did not initialise";
    } catch (error) {
      threadsNote = errorMessage(error);
    }
    try {
      threaded?.PThread.terminateAllThreads();
    } catch {
      // Already gone with its backend.
    }
  }
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
  if (singleThreadedWasm !== null) useWasmFactory(singleThreadedWasm);
  if (!(await tf.setBackend("wasm"))) {
    throw new BackendUnavailableError(
      `backend "wasm" did not initialise (wasm binaries expected in ${wasmDir})`,
    );
  }
  wasmLoaded = {
    info: {
      ...wasmInfo(wasm, simd, 1),
      ...(threadsNote !== undefined
        ? { threadsNote: `running single-threaded: ${threadsNote}` }
        : {}),
    },
    wanted,
  };
  return wasmLoaded.info;
}

/** Makes `factory` the registered wasm backend, dropping the current one (and its tensors, threads). */
function useWasmFactory(factory: WasmFactory): void {
  if (tf.findBackendFactory("wasm") === factory) return;
  tf.removeBackend("wasm");
  tf.registerBackend("wasm", factory, WASM_PRIORITY);
}

function wasmInfo(
  wasm: typeof import("@tensorflow/tfjs-backend-wasm"),
  simd: boolean,
  threads: number,
): BackendInfo {
  const threading = threads > 1 ? `multi-threaded (${threads} threads)` : "single-threaded";
  return {
    backend: "wasm",
    device: `wasm (${simd ? "SIMD" : "no SIMD"}, ${threading}) on ${cpuDescription()}`,
    threads,
    versions: { ...baseVersions(), "tfjs-backend-wasm": wasm.version_wasm },
  };
}

async function loadCpuBackend(): Promise<BackendInfo> {
  const cpu = await import("@tensorflow/tfjs-backend-cpu");
  if (!(await tf.setBackend("cpu"))) {
    throw new BackendUnavailableError(`backend "cpu" did not initialise`);
  }
  return {
    backend: "cpu",
    device: `cpu (plain JavaScript) on ${cpuDescription()}`,
    threads: 1,
    versions: { ...baseVersions(), "tfjs-backend-cpu": cpu.version_cpu },
  };
}

function baseVersions(): Record<string, string> {
  return {
    "tfjs-core": tf.version_core,
    "tfjs-layers": tf.version_layers,
    node: process.versions.node,
  };
}

/** tfjs-node exports its version as a string; tolerate an object of versions too. */
function packageVersion(version: unknown): string {
  if (typeof version === "string") return version;
  if (version !== null && typeof version === "object") {
    const own = Object.entries(version).find(([key]) => key.startsWith("tfjs-node"));
    if (typeof own?.[1] === "string") return own[1];
  }
  return "unknown";
}

function cpuDescription(): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim() ?? "unknown CPU";
  return `${model} (${cpus.length} cores)`;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
