/**
 * `npm run bench`: the trainer's figures (training/inference throughput, epoch cost per strategy)
 * and the platform's (ingest, compare, claims), printed as ONE JSON object on the last line.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { platformBench } from "./platform-bench";

const root = path.resolve(import.meta.dirname, "../../..");
const trainer = spawnSync("npm", ["run", "-s", "bench", "-w", "@tlab/trainer"], {
  cwd: root,
  stdio: ["ignore", "pipe", "inherit"],
  encoding: "utf8",
});
if (trainer.status !== 0) {
  process.stderr.write(`trainer benchmark failed (exit ${trainer.status})\n`);
  process.exit(1);
}
const lastLine = trainer.stdout.trim().split("\n").at(-1) ?? "{}";
const trainerFigures = JSON.parse(lastLine) as Record<string, unknown>;
const platformFigures = await platformBench();
process.stdout.write(`${JSON.stringify({ ...trainerFigures, ...platformFigures })}\n`);
