import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

/**
 * The web server's configuration. This is the only module that reads `process.env`; everything
 * else receives values from here. Parsing fails with one readable message listing every bad
 * variable, so a misconfigured server stops at boot instead of failing on some later request.
 */

/** An unset variable and an empty one mean the same: use the default. */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (typeof value === "string" && value.trim() === "" ? undefined : value), schema.optional());

const RawEnv = z.object({
  PORT: optional(z.coerce.number({ error: "must be a port number" }).int("must be a whole number").min(1, "must be from 1 to 65535").max(65535, "must be from 1 to 65535")),
  DATA_DIR: optional(z.string()),
  DATABASE_URL: optional(
    z.string().regex(/^(file:|postgres(ql)?:\/\/)/, 'must start with "file:" (SQLite) or "postgres://" / "postgresql://"'),
  ),
  TLAB_WORKER_TOKEN: optional(z.string().trim().min(16, "must be at least 16 characters")),
  SWEEP_INTERVAL_MS: optional(
    z.coerce.number({ error: "must be a number of milliseconds" }).int("must be a whole number").min(100, "must be from 100 to 3600000").max(3_600_000, "must be from 100 to 3600000"),
  ),
});

export interface Env {
  PORT: number;
  /** Absolute. Holds the SQLite file, base models, artifacts and the generated worker token. */
  DATA_DIR: string;
  DATABASE_URL: string;
  TLAB_WORKER_TOKEN: string;
  SWEEP_INTERVAL_MS: number;
}

export class EnvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EnvError";
  }
}

export const WORKER_TOKEN_FILE = "worker-token";

/**
 * Parses and completes the configuration. `repoRoot` anchors relative paths: a relative DATA_DIR
 * means the same directory for the web server (cwd apps/web) as for `prisma migrate` (cwd root).
 */
export function parseEnv(source: Record<string, string | undefined>, repoRoot: string): Env {
  const parsed = RawEnv.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? "environment");
      const given = source[name];
      return `  ${name}: ${issue.message}${given === undefined ? "" : ` (got ${JSON.stringify(given)})`}`;
    });
    throw new EnvError(`Invalid environment for the Transfer Lab web server:\n${lines.join("\n")}`);
  }
  const raw = parsed.data;
  const dataDir = path.resolve(repoRoot, raw.DATA_DIR ?? "data");
  return {
    PORT: raw.PORT ?? 3000,
    DATA_DIR: dataDir,
    DATABASE_URL: raw.DATABASE_URL ?? `file:${path.join(dataDir, "tlab.db")}`,
    TLAB_WORKER_TOKEN: raw.TLAB_WORKER_TOKEN ?? readOrCreateWorkerToken(dataDir),
    SWEEP_INTERVAL_MS: raw.SWEEP_INTERVAL_MS ?? 5000,
  };
}

/**
 * Without TLAB_WORKER_TOKEN the server keeps a random token in DATA_DIR/worker-token (mode 0600),
 * so local workers on the same machine can read it and it survives restarts.
 */
export function readOrCreateWorkerToken(dataDir: string): string {
  const file = path.join(dataDir, WORKER_TOKEN_FILE);
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    try {
      // "wx": if another process created it first, keep theirs and read it below.
      writeFileSync(file, `${randomBytes(32).toString("hex")}\n`, { mode: 0o600, flag: "wx" });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
  const token = readFileSync(file, "utf8").trim();
  if (token.length < 16) throw new EnvError(`${file}: the worker token file is empty or too short; delete it to generate a new one`);
  return token;
}

/**
 * The repository root, two levels above apps/web. `next start` runs with apps/web as its working
 * directory; starting from elsewhere in the repository also works because we look upwards.
 */
export function findRepoRoot(start: string): string {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "apps", "web", "package.json"))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(start, "../..");
  }
}

let cached: Env | undefined;

/** The process's configuration, parsed on first use (not at import, so `next build` reads nothing). */
export function getEnv(): Env {
  cached ??= parseEnv(process.env, findRepoRoot(process.cwd()));
  return cached;
}
