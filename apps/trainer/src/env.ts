import os from "node:os";
import path from "node:path";
import { z } from "zod";

/** Trainer configuration: the only module that reads process.env. */
const EnvSchema = z.object({
  TLAB_API_URL: z.url({ error: "TLAB_API_URL must be a URL such as http://localhost:3000" }).default("http://localhost:3000"),
  TLAB_WORKER_TOKEN: z.string().optional(),
  TLAB_BACKEND: z
    .enum(["auto", "tensorflow-gpu", "tensorflow", "wasm", "cpu"], {
      error: "TLAB_BACKEND must be one of auto, tensorflow-gpu, tensorflow, wasm, cpu",
    })
    .default("auto"),
  TLAB_CACHE_DIR: z.string().default(path.join(os.homedir(), ".cache", "tlab")),
  TLAB_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace"]).default("info"),
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
