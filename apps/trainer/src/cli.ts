import { Command } from "commander";
import { buildBaseCommand } from "./cli/build-base-command";
import { datasetsCommand } from "./cli/datasets-command";
import { launchCommand } from "./cli/launch-command";
import { loginCommand, logoutCommand } from "./cli/login-command";
import { modelsCommand } from "./cli/models-command";
import { pretrainCommand } from "./cli/pretrain-command";
import { workerCommand } from "./cli/worker-command";

const program = new Command("tlab")
  .description("Transfer Lab trainer: run workers, launch experiments, build base models")
  .addCommand(workerCommand())
  .addCommand(launchCommand())
  .addCommand(pretrainCommand())
  .addCommand(buildBaseCommand())
  .addCommand(datasetsCommand())
  .addCommand(modelsCommand())
  .addCommand(loginCommand())
  .addCommand(logoutCommand());

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`tlab: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
