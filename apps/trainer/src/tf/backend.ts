import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import type { TrainingBackend } from "@tlab/core/run";
import * as tf from "./tfjs";
import { registerWasmTrainingKernels } from "./wasm-kernels";

export { tf };

export type BackendRequest = "auto" | TrainingBackend;

export interface BackendInfo {
  backend: TrainingBackend;
  /** Human-readable description of where the math runs, shown next to the worker in the dashboard. */
  device: string;
  versions: Record<string, string>;
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

/**
 * Selects and initialises the tfjs backend for this process. "auto" takes the first that works of
 * tfjs-node-gpu (with a GPU), tfjs-node, wasm, cpu; a named backend that cannot start throws
 * BackendUnavailableError saying why. Calling it again with "auto" or the active backend returns
 * the active one; libtensorflow cannot be unloaded, so one process trains on one backend.
 */
export async function initBackend(requested: BackendRequest): Promise<BackendInfo> {
  if (active !== undefined && (requested === "auto" || requested === active.backend)) return active;
  if (requested !== "auto") {
    active = await loadBackend(requested);
    return active;
  }
  const failures: string[] = [];
  for (const candidate of AUTO_ORDER) {
    try {
      active = candidate === "tensorflow-gpu" ? await loadNodeBackend(GPU_PACKAGE, "gpu-or-cpu") : await loadBackend(candidate);
      return active;
    } catch (error) {
      failures.push(`${candidate}: ${errorMessage(error)}`);
    }
  }
  throw new BackendUnavailableError(`no TensorFlow.js backend could start:\n  ${failures.join("\n  ")}`);
}

async function loadBackend(backend: TrainingBackend): Promise<BackendInfo> {
  switch (backend) {
    case "tensorflow-gpu":
      return loadNodeBackend(GPU_PACKAGE, "gpu");
    case "tensorflow":
      return loadNodeBackend(CPU_PACKAGE, "cpu");
    case "wasm":
      return loadWasmBackend();
    case "cpu":
      return loadCpuBackend();
  }
}

/**
 * tfjs-node and tfjs-node-gpu are optional dependencies: their install downloads libtensorflow,
 * which fails offline, and npm then drops them. The specifier is a variable so neither TypeScript
 * nor a bundler insists that they exist.
 */
async function loadNodeBackend(specifier: string, want: "gpu" | "cpu" | "gpu-or-cpu"): Promise<BackendInfo> {
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
    throw new BackendUnavailableError(`backend "${name}": ${specifier} loaded but its "tensorflow" backend did not initialise`);
  }
  const usingGpu = (tf.backend() as unknown as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true;
  if (want === "gpu" && !usingGpu) {
    throw new BackendUnavailableError(
      `backend "tensorflow-gpu": ${specifier} loaded but libtensorflow found no CUDA GPU (needs CUDA 11.2 + cuDNN 8.1)`,
    );
  }
  return {
    backend: usingGpu ? "tensorflow-gpu" : "tensorflow",
    device: usingGpu ? "GPU (libtensorflow, CUDA)" : `CPU (libtensorflow) on ${cpuDescription()}`,
    versions: { ...baseVersions(), [specifier.replace("@tensorflow/", "")]: packageVersion(nodeModule.version) },
  };
}

async function loadWasmBackend(): Promise<BackendInfo> {
  const require = createRequire(import.meta.url);
  let wasm: typeof import("@tensorflow/tfjs-backend-wasm");
  let wasmDir: string;
  try {
    wasm = await import("@tensorflow/tfjs-backend-wasm");
    // The package's main file sits in dist/ next to the .wasm binaries; tfjs joins the prefix and
    // the file name without a separator, hence the trailing slash.
    wasmDir = path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm")) + path.sep;
  } catch (error) {
    throw new BackendUnavailableError(`backend "wasm": @tensorflow/tfjs-backend-wasm could not be loaded: ${errorMessage(error)}`);
  }
  wasm.setWasmPaths(wasmDir);
  // Before the first training step: without these kernels no gradient passes a Conv2D on wasm.
  registerWasmTrainingKernels();
  if (!(await tf.setBackend("wasm"))) {
    throw new BackendUnavailableError(`backend "wasm" did not initialise (wasm binaries expected in ${wasmDir})`);
  }
  const simd = tf.env().getBool("WASM_HAS_SIMD_SUPPORT");
  const threads = tf.env().getBool("WASM_HAS_MULTITHREAD_SUPPORT");
  return {
    backend: "wasm",
    device: `wasm (${simd ? "SIMD" : "no SIMD"}, ${threads ? "multi-threaded" : "single-threaded"}) on ${cpuDescription()}`,
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
    versions: { ...baseVersions(), "tfjs-backend-cpu": cpu.version_cpu },
  };
}

function baseVersions(): Record<string, string> {
  return { "tfjs-core": tf.version_core, "tfjs-layers": tf.version_layers, node: process.versions.node };
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
