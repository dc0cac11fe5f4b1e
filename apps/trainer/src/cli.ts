import { Command } from "commander";
import { launchCommand } from "./cli/launch-command";
import { pretrainCommand } from "./cli/pretrain-command";
import { workerCommand } from "./cli/worker-command";

const program = new Command("tlab")
  .description("Transfer Lab trainer: run workers, launch experiments, build base models")
  .addCommand(workerCommand())
  .addCommand(launchCommand())
  .addCommand(pretrainCommand());

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`tlab: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
