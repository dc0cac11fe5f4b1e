import type { DbProvider } from "@tlab/db/client";
import type { HealthProbeRepository } from "@tlab/db/repositories/health-probe-repository";

export type HealthStatus = "ok" | "starting" | "degraded";

/** A start-up step not done yet: the server's own boot, or the rest of `npm start` (the CLI sign-in). */
export interface PendingStartup {
  waitingFor: "server" | "platform";
  reason: string;
}

export interface HealthReport {
  status: HealthStatus;
  db: DbProvider;
  /** Why the status is not ok: what start-up still waits for, or what the database refused. */
  reason?: string;
  /** With `starting`: which part of start-up is still running. */
  waitingFor?: PendingStartup["waitingFor"];
}

/** How long the health write may take before the server counts as degraded. */
export const HEALTH_PROBE_TIMEOUT_MS = 3_000;

/**
 * What `/api/health` reports. `ok` means the server can do its work now: start-up is done and a
 * short write transaction commits in time. A database that answers reads but cannot write (full
 * disk, read-only file, stuck transactions) is `degraded`, with the database's reason.
 */
export class HealthService {
  constructor(
    private readonly probe: HealthProbeRepository,
    private readonly provider: DbProvider,
    private readonly timeoutMs = HEALTH_PROBE_TIMEOUT_MS,
  ) {}

  /** `pending`: what the platform's start-up still waits for, or null when it is done. */
  async check(pending: PendingStartup | null): Promise<HealthReport> {
    const failure = await this.probeWrite();
    if (failure) return { status: "degraded", db: this.provider, reason: failure };
    if (pending)
      return {
        status: "starting",
        db: this.provider,
        reason: pending.reason,
        waitingFor: pending.waitingFor,
      };
    return { status: "ok", db: this.provider };
  }

  /** null when the write committed in time, else why not, in one line. */
  private async probeWrite(): Promise<string | null> {
    let timer: NodeJS.Timeout | undefined;
    // The transaction has its own timeouts; this bound also covers a driver that never answers.
    const overrun = new Promise<string>((resolve) => {
      timer = setTimeout(
        () =>
          resolve(
            `the database did not complete a short write transaction within ${this.timeoutMs / 1000} s`,
          ),
        this.timeoutMs + 500,
      );
    });
    try {
      return await Promise.race([
        this.probe.writeTransaction(this.timeoutMs).then(
          () => null,
          (error: unknown) => `the database refused a short write transaction: ${oneLine(error)}`,
        ),
        overrun,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Prisma's messages span several lines with blank ones between. */
function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .join(" ")
    .slice(0, 500);
}
