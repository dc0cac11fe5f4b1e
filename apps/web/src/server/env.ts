import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { TrustedProxies } from "@tlab/api/auth/client-address";

/**
 * The web server's configuration. This is the only module that reads `process.env`; everything
 * else receives values from here. Parsing fails with one readable message listing every bad
 * variable, so a misconfigured server stops at boot instead of failing on some later request.
 */

/** An unset variable and an empty one mean the same: use the default. */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess(
    (value) => (typeof value === "string" && value.trim() === "" ? undefined : value),
    schema.optional(),
  );

const UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

/** A size in bytes: a whole number, optionally with a unit ("512MiB", "2GiB", "100MB"). */
const byteSize = (max: number) =>
  z
    .string()
    .regex(
      /^\s*\d+(\.\d+)?\s*(b|kb|mb|gb|kib|mib|gib)?\s*$/i,
      'must be a size in bytes, e.g. 2147483648, "512MiB" or "2GiB"',
    )
    .transform((text) => {
      const [, number, unit] = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text)!;
      return Math.floor(Number(number) * UNITS[unit!.toLowerCase()]!);
    })
    .pipe(z.number().min(1, "must be at least 1 byte").max(max, `must be at most ${max} bytes`));

/** A duration in whole milliseconds within [min, max]. */
const milliseconds = (min: number, max: number) =>
  z.coerce
    .number({ error: "must be a number of milliseconds" })
    .int("must be a whole number")
    .min(min, `must be from ${min} to ${max}`)
    .max(max, `must be from ${min} to ${max}`);

/** Uploads held in memory whole (zips are read from memory) stay within what one buffer can hold. */
const MAX_BUFFERED_UPLOAD = 4 * 1024 ** 3;

const RawEnv = z.object({
  PORT: optional(
    z.coerce
      .number({ error: "must be a port number" })
      .int("must be a whole number")
      .min(1, "must be from 1 to 65535")
      .max(65535, "must be from 1 to 65535"),
  ),
  DATA_DIR: optional(z.string()),
  DATABASE_URL: optional(
    z
      .string()
      .regex(
        /^(file:|postgres(ql)?:\/\/)/,
        'must start with "file:" (SQLite) or "postgres://" / "postgresql://"',
      ),
  ),
  TLAB_WORKER_TOKEN: optional(z.string().trim().min(16, "must be at least 16 characters")),
  SWEEP_INTERVAL_MS: optional(
    z.coerce
      .number({ error: "must be a number of milliseconds" })
      .int("must be a whole number")
      .min(100, "must be from 100 to 3600000")
      .max(3_600_000, "must be from 100 to 3600000"),
  ),
  TLAB_LEASE_MS: optional(
    z.coerce
      .number({ error: "must be a number of milliseconds" })
      .int("must be a whole number")
      .min(1000, "must be from 1000 to 3600000")
      .max(3_600_000, "must be from 1000 to 3600000"),
  ),
  TLAB_WEBHOOK_POLL_MS: optional(milliseconds(100, 60_000)),
  TLAB_WEBHOOK_RETRY_BASE_MS: optional(milliseconds(100, 3_600_000)),
  TLAB_WEBHOOK_TIMEOUT_MS: optional(milliseconds(500, 60_000)),
  TLAB_WEBHOOK_MAX_ATTEMPTS: optional(
    z.coerce
      .number({ error: "must be a whole number from 1 to 30" })
      .int("must be a whole number from 1 to 30")
      .min(1, "must be a whole number from 1 to 30")
      .max(30, "must be a whole number from 1 to 30"),
  ),
  TLAB_AUTH_SECRET: optional(
    z.string().trim().min(32, "must be at least 32 characters (e.g. `openssl rand -hex 32`)"),
  ),
  TLAB_PUBLIC_URL: optional(
    z
      .url({ error: "must be the dashboard's URL, e.g. https://tlab.example.com" })
      .regex(/^https?:\/\//, "must start with http:// or https://"),
  ),
  TLAB_ADMIN_EMAIL: optional(
    z.email({
      error: "must be a full email address such as admin@example.com (a domain with a dot)",
    }),
  ),
  TLAB_ADMIN_PASSWORD: optional(
    z.string().min(8, "must be at least 8 characters").max(128, "must be at most 128 characters"),
  ),
  /** Set by `npm start`: where the admin account comes from (its own local admin, or the variables), for the log. */
  TLAB_ADMIN_SOURCE: optional(z.string()),
  TLAB_MAX_DATASET_UPLOAD_BYTES: optional(byteSize(MAX_BUFFERED_UPLOAD)),
  TLAB_MAX_MODEL_UPLOAD_BYTES: optional(byteSize(MAX_BUFFERED_UPLOAD)),
  TLAB_MAX_ARTIFACT_UPLOAD_BYTES: optional(byteSize(1024 ** 4)),
  TLAB_MAX_API_BODY_BYTES: optional(byteSize(MAX_BUFFERED_UPLOAD)),
  TLAB_TRUST_PROXY: optional(
    z.string().transform((text, ctx) => {
      try {
        return new TrustedProxies(
          text
            .split(",")
            .map((entry) => entry.trim())
            .filter(Boolean),
        );
      } catch (error) {
        ctx.addIssue({
          code: "custom",
          message: `must list the proxies' IP addresses or CIDR ranges, comma-separated: ${(error as Error).message}`,
        });
        return z.NEVER;
      }
    }),
  ),
  /** Set by `npm start`: the file in which it says whether its own start-up steps are done. */
  TLAB_STARTUP_STATE_FILE: optional(z.string()),
});

export interface Env {
  PORT: number;
  /** Absolute. Holds the SQLite file, base models, artifacts and the generated worker token. */
  DATA_DIR: string;
  DATABASE_URL: string;
  TLAB_WORKER_TOKEN: string;
  SWEEP_INTERVAL_MS: number;
  /** How long a claim holds a run without a heartbeat (workers beat at half of it). */
  TLAB_LEASE_MS: number;
  /**
   * Webhook delivery: how often each web process looks for due deliveries, the wait after a first
   * failed attempt (doubled after each further one, at most an hour), one request's time limit,
   * and the attempts before a delivery is marked failed.
   */
  TLAB_WEBHOOKS: { pollMs: number; retryBaseMs: number; timeoutMs: number; maxAttempts: number };
  /** Signs session cookies; webhook secrets are sealed under a key derived from it. Without TLAB_AUTH_SECRET, a random one kept in DATA_DIR/auth-secret. */
  TLAB_AUTH_SECRET: string;
  /** The dashboard's public URL, when set; otherwise each request's own origin is trusted. */
  TLAB_PUBLIC_URL: string | undefined;
  /**
   * Both set: this admin is created at start while the server has no account yet. `source` says
   * where it comes from: the variables, or `npm start`'s local admin file.
   */
  TLAB_ADMIN: { email: string; password: string; source: string } | undefined;
  /**
   * Largest accepted upload bodies, in bytes. Dataset and base model uploads are unpacked in
   * memory, so they are bounded by what one buffer holds; run artifacts (trained models and
   * checkpoints, which carry optimizer state beside the weights) stream to disk.
   */
  TLAB_MAX_DATASET_UPLOAD_BYTES: number;
  TLAB_MAX_MODEL_UPLOAD_BYTES: number;
  TLAB_MAX_ARTIFACT_UPLOAD_BYTES: number;
  /** Largest tRPC request body (a metric batch of 10,000 points is well under 1 MiB). */
  TLAB_MAX_API_BODY_BYTES: number;
  /**
   * The reverse proxies in front of the server, whose X-Forwarded-For names the client (for the
   * per-address sign-in limit). Empty by default: the header is anyone's to write, so without a
   * configured proxy the TCP peer is the client.
   */
  TLAB_TRUST_PROXY: TrustedProxies;
  /**
   * Under `npm start`: a file holding `ready` once the platform's start-up (the local CLI's sign-in,
   * which needs this server answering) is done; until then /api/health says `starting`.
   */
  TLAB_STARTUP_STATE_FILE: string | undefined;
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
  if ((raw.TLAB_ADMIN_EMAIL === undefined) !== (raw.TLAB_ADMIN_PASSWORD === undefined)) {
    throw new EnvError(
      "Invalid environment for the Transfer Lab web server:\n  TLAB_ADMIN_EMAIL and TLAB_ADMIN_PASSWORD: set both, or neither",
    );
  }
  const dataDir = path.resolve(repoRoot, raw.DATA_DIR ?? "data");
  return {
    PORT: raw.PORT ?? 3000,
    DATA_DIR: dataDir,
    DATABASE_URL: raw.DATABASE_URL ?? `file:${path.join(dataDir, "tlab.db")}`,
    TLAB_WORKER_TOKEN: raw.TLAB_WORKER_TOKEN ?? readOrCreateWorkerToken(dataDir),
    SWEEP_INTERVAL_MS: raw.SWEEP_INTERVAL_MS ?? 5000,
    TLAB_LEASE_MS: raw.TLAB_LEASE_MS ?? 60_000,
    TLAB_WEBHOOKS: {
      pollMs: raw.TLAB_WEBHOOK_POLL_MS ?? 2000,
      retryBaseMs: raw.TLAB_WEBHOOK_RETRY_BASE_MS ?? 30_000,
      timeoutMs: raw.TLAB_WEBHOOK_TIMEOUT_MS ?? 10_000,
      maxAttempts: raw.TLAB_WEBHOOK_MAX_ATTEMPTS ?? 8,
    },
    TLAB_AUTH_SECRET:
      raw.TLAB_AUTH_SECRET ?? readOrCreateSecretFile(dataDir, AUTH_SECRET_FILE, "auth secret"),
    TLAB_PUBLIC_URL: raw.TLAB_PUBLIC_URL,
    TLAB_ADMIN:
      raw.TLAB_ADMIN_EMAIL && raw.TLAB_ADMIN_PASSWORD
        ? {
            email: raw.TLAB_ADMIN_EMAIL,
            password: raw.TLAB_ADMIN_PASSWORD,
            source: raw.TLAB_ADMIN_SOURCE ?? "TLAB_ADMIN_EMAIL",
          }
        : undefined,
    TLAB_MAX_DATASET_UPLOAD_BYTES: raw.TLAB_MAX_DATASET_UPLOAD_BYTES ?? 2 * 1024 ** 3,
    TLAB_MAX_MODEL_UPLOAD_BYTES: raw.TLAB_MAX_MODEL_UPLOAD_BYTES ?? 2 * 1024 ** 3,
    TLAB_MAX_ARTIFACT_UPLOAD_BYTES: raw.TLAB_MAX_ARTIFACT_UPLOAD_BYTES ?? 8 * 1024 ** 3,
    TLAB_MAX_API_BODY_BYTES: raw.TLAB_MAX_API_BODY_BYTES ?? 16 * 1024 ** 2,
    TLAB_TRUST_PROXY: raw.TLAB_TRUST_PROXY ?? new TrustedProxies([]),
    TLAB_STARTUP_STATE_FILE: raw.TLAB_STARTUP_STATE_FILE,
  };
}

/**
 * Without TLAB_WORKER_TOKEN the server keeps a random token in DATA_DIR/worker-token (mode 0600),
 * so local workers on the same machine can read it and it survives restarts.
 */
export function readOrCreateWorkerToken(dataDir: string): string {
  return readOrCreateSecretFile(dataDir, WORKER_TOKEN_FILE, "worker token");
}

export const AUTH_SECRET_FILE = "auth-secret";

/** A random secret kept in DATA_DIR/<file> (mode 0600), created on first use, stable across restarts. */
function readOrCreateSecretFile(dataDir: string, fileName: string, what: string): string {
  const file = path.join(dataDir, fileName);
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
  if (token.length < 16)
    throw new EnvError(
      `${file}: the ${what} file is empty or too short; delete it to generate a new one`,
    );
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
