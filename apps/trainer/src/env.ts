import os from "node:os";
import path from "node:path";
import { z } from "zod";
import type { FaultInjection } from "./tf/fault-injection";

/** Trainer configuration: the only module that reads process.env. */
const EnvSchema = z.object({
  /** The `npm start` data directory on this machine: its cli-token lets local user commands reach a local server. */
  DATA_DIR: z.string().default(path.resolve(import.meta.dirname, "../../../data")),
  TLAB_API_URL: z
    .url({ error: "TLAB_API_URL must be a URL such as http://localhost:3000" })
    .default("http://localhost:3000"),
  TLAB_WORKER_TOKEN: z.string().optional(),
  /** A personal API token for user commands (launch, datasets, models); `tlab login` saves one instead. */
  TLAB_TOKEN: z.string().optional(),
  TLAB_BACKEND: z
    .enum(["auto", "tensorflow-gpu", "tensorflow", "wasm", "cpu"], {
      error: "TLAB_BACKEND must be one of auto, tensorflow-gpu, tensorflow, wasm, cpu",
    })
    .default("auto"),
  TLAB_CACHE_DIR: z.string().default(path.join(os.homedir(), ".cache", "tlab")),
  /** Size cap of the feature cache under TLAB_CACHE_DIR/features; least recently used entries go first. */
  /** Set by `tlab worker --concurrency N` on each child: its slot, 0..N-1. */
  TLAB_WORKER_SLOT: z.string().optional(),
  /** Set by `tlab worker --concurrency N` on each child: N, the training processes sharing the host's cores. */
  TLAB_WORKER_PROCESSES: z.coerce.number().int().min(1).optional(),
  /**
   * Threads of the wasm backend per training process (1-8; the backend's thread pool holds 8).
   * Default: the host's cores divided by the training processes on it.
   */
  TLAB_THREADS: z.coerce
    .number({ error: "TLAB_THREADS must be a whole number of threads from 1 to 8" })
    .int("TLAB_THREADS must be a whole number of threads from 1 to 8")
    .min(1, "TLAB_THREADS must be a whole number of threads from 1 to 8")
    .max(
      8,
      "TLAB_THREADS must be a whole number of threads from 1 to 8 (the wasm backend's thread pool holds 8)",
    )
    .optional(),
  TLAB_FEATURE_CACHE_MAX_MB: z.coerce
    .number({ error: "TLAB_FEATURE_CACHE_MAX_MB must be a whole number of megabytes ≥ 1" })
    .int("TLAB_FEATURE_CACHE_MAX_MB must be a whole number of megabytes ≥ 1")
    .min(1, "TLAB_FEATURE_CACHE_MAX_MB must be a whole number of megabytes ≥ 1")
    .default(2048),
  /**
   * Tensor memory a run may plan for, in MiB: the GPU's memory on tensorflow-gpu (libtensorflow
   * does not tell tfjs; 4096 is assumed without it), or a lower cap on any backend.
   */
  TLAB_DEVICE_MEMORY_MB: z.coerce
    .number({ error: "TLAB_DEVICE_MEMORY_MB must be a whole number of megabytes ≥ 64" })
    .int("TLAB_DEVICE_MEMORY_MB must be a whole number of megabytes ≥ 64")
    .min(64, "TLAB_DEVICE_MEMORY_MB must be a whole number of megabytes ≥ 64")
    .optional(),
  TLAB_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace"]).default("info"),
  /** Test hook for fault tests, unset in real use: see tf/fault-injection.ts. */
  TLAB_FAULT_INJECT: z
    .string()
    .regex(
      /^backend-crash-after-steps:[1-9][0-9]*$/,
      "TLAB_FAULT_INJECT is a test hook; its one form is backend-crash-after-steps:<N ≥ 1>",
    )
    .transform(
      (value): FaultInjection => ({
        kind: "backend-crash-after-steps",
        steps: Number(value.split(":")[1]),
      }),
    )
    .optional(),
});
export type TrainerEnv = z.infer<typeof EnvSchema>;

export function readEnv(source: NodeJS.ProcessEnv = process.env): TrainerEnv {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`invalid trainer environment:\n${lines.join("\n")}`);
  }
  return parsed.data;
}
