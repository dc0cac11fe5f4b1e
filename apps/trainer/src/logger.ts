import pino from "pino";

/**
 * Logs go to stderr so that `--json` output on stdout stays machine-readable.
 * Pretty-printed on a terminal, JSON lines otherwise (for log shippers).
 */
export function createLogger(level: string) {
  const pretty = process.stderr.isTTY;
  return pino(
    { level, base: { pid: process.pid } },
    pretty
      ? pino.transport({
          target: "pino-pretty",
          options: { destination: 2, translateTime: "HH:MM:ss" },
        })
      : pino.destination(2),
  );
}
export type Logger = ReturnType<typeof createLogger>;
