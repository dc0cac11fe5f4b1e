import type { RunLogLevel } from "@tlab/core/run-log";
import type { Logger } from "../logger";

type LogMethod = {
  (message: string): void;
  (fields: object, message: string): void;
};

/** What executeRun logs about a run: to the worker's own log, and into the run's log. */
export interface RunLogger {
  info: LogMethod;
  warn: LogMethod;
  error: LogMethod;
}

/**
 * A child of the worker's logger that also hands each line to `capture`, formatted as the run
 * page shows it: the message, then its fields as `key=value`. Only info and above exists here,
 * and it is captured whatever level the worker's own output is set to (TLAB_LOG_LEVEL=warn keeps
 * the console quiet, not the run's log). Credentials are masked before a line leaves the worker.
 */
export function createRunLogger(
  log: Logger,
  bindings: Record<string, unknown>,
  capture: (level: RunLogLevel, message: string) => void,
): RunLogger {
  const child = log.child(bindings);
  const method = (level: "info" | "warn" | "error"): LogMethod =>
    ((fieldsOrMessage: object | string, message?: string) => {
      if (typeof fieldsOrMessage === "string") {
        child[level](fieldsOrMessage);
        capture(level, redactSecrets(fieldsOrMessage));
      } else {
        child[level](fieldsOrMessage, message);
        // An error's stack goes on the lines after the message, as a reader expects it.
        const { err, ...rest } = fieldsOrMessage as { err?: unknown };
        const stack = err instanceof Error && err.stack ? `\n${err.stack}` : "";
        capture(
          level,
          redactSecrets(
            formatLine(message ?? "", err instanceof Error ? rest : fieldsOrMessage) + stack,
          ),
        );
      }
    }) as LogMethod;
  return { info: method("info"), warn: method("warn"), error: method("error") };
}

export function formatLine(message: string, fields: object): string {
  const parts = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${formatValue(value)}`);
  return [message, ...parts].filter((part) => part.length > 0).join(" ");
}

function formatValue(value: unknown): string {
  if (typeof value === "string") return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (value instanceof Error) return JSON.stringify(value.stack ?? value.message);
  return typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
}

/** Bearer tokens, `authorization:` headers, `token=` parameters and passwords in URLs. */
export function redactSecrets(text: string): string {
  return text
    .replace(/(bearer\s+)[^\s"',;]+/gi, "$1[redacted]")
    .replace(/(authorization["']?\s*[:=]\s*["']?)(?!bearer\s)[^\s"',;]+/gi, "$1[redacted]")
    .replace(/((?:token|password|secret)=)[^\s&"',;]+/gi, "$1[redacted]")
    .replace(/(\/\/[^/\s:@]+:)[^@\s/]+@/g, "$1[redacted]@");
}
