import path from "node:path";
import { SingleBar, Presets } from "cli-progress";
import { Command } from "commander";
import { readEnv } from "../env";
import { initBackend } from "../tf/backend";
import { PRETRAIN_DEFAULTS, pretrainLenet5 } from "../pretrain";
import { parsePositiveInt } from "./worker-command";

export const DEFAULT_PRETRAIN_OUT = path.resolve(
  import.meta.dirname,
  "../../assets/base-models/lenet5-digits-0-4",
);

export function pretrainCommand(): Command {
  return new Command("pretrain")
    .description(
      "train the built-in LeNet-5 base model on MNIST digits 0-4 and save it (reproducible from the seed)",
    )
    .option("--out <dir>", "output directory", DEFAULT_PRETRAIN_OUT)
    .option(
      "--epochs <n>",
      "training epochs",
      (v) => parsePositiveInt(v, "--epochs"),
      PRETRAIN_DEFAULTS.epochs,
    )
    .option(
      "--seed <n>",
      "random seed",
      (v) => parsePositiveInt(v, "--seed"),
      PRETRAIN_DEFAULTS.seed,
    )
    .action(async (opts: { out: string; epochs: number; seed: number }) => {
      const env = readEnv();
      // One wasm thread unless TLAB_THREADS says otherwise: LeNet-5's kernels are too small for a
      // thread pool (2 threads trained it at half the speed, twice the CPU, on a 2-core host).
      const backend = await initBackend(env.TLAB_BACKEND, { wasmThreads: env.TLAB_THREADS ?? 1 });
      const note = backend.threadsNote === undefined ? "" : `; ${backend.threadsNote}`;
      process.stderr.write(
        `pretraining LeNet-5 on digits 0-4 (${backend.backend}, ${backend.device}${note})\n`,
      );
      const bar = new SingleBar(
        { format: "pretrain |{bar}| epoch {value}/{total} | {status}" },
        Presets.shades_classic,
      );
      bar.start(opts.epochs, 0, { status: "" });
      const result = await pretrainLenet5({
        outDir: opts.out,
        epochs: opts.epochs,
        seed: opts.seed,
        onEpoch: (epoch: number, logs: Record<string, number>) =>
          bar.update(epoch, {
            status: Object.entries(logs)
              .map(([k, v]) => `${k} ${v.toFixed(4)}`)
              .join(" "),
          }),
      });
      bar.stop();
      process.stdout.write(`${JSON.stringify(result)}\n`);
    });
}
