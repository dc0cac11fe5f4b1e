#!/usr/bin/env node
// Runs the TypeScript CLI through tsx so the workspace needs no build step: one child process,
// `node --import <tsx> src/cli.ts` (so `tlab worker --concurrency N` forks its children with the
// same loader). SIGTERM and SIGHUP are passed on: a container's stop signal reaches only PID 1,
// this process, and a worker must hear it to give its run back to the queue. A terminal's Ctrl-C
// already reaches the whole process group, so SIGINT is not forwarded (a second SIGINT tells a
// worker pool to stop at once).
import { spawn } from "node:child_process";
import { constants } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const cli = path.join(path.dirname(fileURLToPath(import.meta.url)), "../src/cli.ts");
const child = spawn(
  process.execPath,
  ["--import", import.meta.resolve("tsx"), cli, ...process.argv.slice(2)],
  { stdio: "inherit" },
);
for (const signal of ["SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
process.on("SIGINT", () => {});
child.on("exit", (code, signal) => {
  process.exitCode = code ?? 128 + (constants.signals[signal] ?? 0);
});
child.on("error", (error) => {
  process.stderr.write(`tlab: could not start the CLI: ${error.message}\n`);
  process.exitCode = 1;
});
