import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { Command, InvalidArgumentError } from "commander";
import {
  BASE_MODEL_MANIFEST_FILE,
  BaseModelManifestError,
  parseBaseModelManifest,
} from "@tlab/core/base-model-manifest";
import { parseInputRange } from "@tlab/core/catalog-input";
import { readEnv } from "../env";
import { readModelForImport } from "../model/import-model";
import { initBackend } from "../tf/backend";
import { createApiClient } from "../worker/api-client";
import { uploadBaseModel, userToken } from "./catalog-upload";
import { parseCatalogName } from "./datasets-command";

interface AddOptions {
  inputRange?: [number, number];
  description?: string;
  dryRun?: boolean;
  json?: boolean;
  apiUrl?: string;
}

export function modelsCommand(): Command {
  const models = new Command("models").description(
    "import base models into the catalog and list them",
  );
  models
    .command("add")
    .description(
      "validate and upload a TensorFlow.js LayersModel (model.json + weight files) as a base model",
    )
    .argument("<name>", "catalog name (letters, digits, . _ -)", parseCatalogName)
    .argument("<source>", "a directory or .zip holding model.json and the weight files it lists")
    .option(
      "--input-range <lo,hi>",
      "pixel range the model expects, e.g. -1,1 (default: as recorded in model.json, else 0,1)",
      (v) => {
        try {
          return parseInputRange(v);
        } catch (error) {
          throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
        }
      },
    )
    .option(
      "--description <text>",
      "shown in the dashboard (default: the description in a base-model.json beside model.json)",
    )
    .option("--dry-run", "validate and report, upload nothing")
    .option("--json", "print one JSON object on stdout")
    .option("--api-url <url>", "Transfer Lab API URL (env TLAB_API_URL)")
    .action(add);
  models
    .command("list")
    .description("list the catalog's base models")
    .option("--json", "print JSON on stdout")
    .option("--api-url <url>", "Transfer Lab API URL (env TLAB_API_URL)")
    .action(async (opts: { json?: boolean; apiUrl?: string }) => {
      const env = readEnv();
      const apiUrl = opts.apiUrl ?? env.TLAB_API_URL;
      const list = await createApiClient(apiUrl, userToken(env, apiUrl)).catalog.baseModels.query();
      if (opts.json) return void process.stdout.write(`${JSON.stringify(list)}\n`);
      for (const m of list) {
        const lineage = m.parentRunId ? ` (from run ${m.parentRunId})` : "";
        process.stdout.write(
          `${m.name.padEnd(28)} ${m.source.padEnd(8)} input ${m.inputShape.join("×").padEnd(10)} ${String(m.layers.length).padStart(4)} layers ${String(m.totalParams).padStart(10)} params${lineage}\n`,
        );
      }
    });
  return models;
}

async function add(name: string, source: string, opts: AddOptions): Promise<void> {
  const env = readEnv();
  // Loading only builds the layers and reads weights: the pure-JS backend is enough and starts at once.
  await initBackend("cpu");
  const { files, inspection } = await readModelForImport(source);
  if (!opts.json) {
    const weighted = inspection.layers.filter((l) => l.paramCount > 0).length;
    process.stderr.write(
      `${name}: input ${inspection.inputShape.join("×")}, ${inspection.layers.length} layers (${weighted} with weights), ${inspection.totalParams} parameters, ` +
        `weights in ${inspection.weightFiles.length} file(s); last layer ${inspection.layers[inspection.layers.length - 1]!.name}\n`,
    );
  }
  const description = opts.description ?? manifestDescription(source);
  let created: boolean | null = null;
  if (!opts.dryRun) {
    const apiUrl = opts.apiUrl ?? env.TLAB_API_URL;
    ({ created } = await uploadBaseModel(
      apiUrl,
      name,
      files,
      { ...opts, description },
      userToken(env, apiUrl),
    ));
    if (!opts.json)
      process.stderr.write(
        created
          ? `uploaded to ${apiUrl} as base model "${name}"\n`
          : `"${name}" was already in the catalog with this content; nothing changed\n`,
      );
  }
  if (opts.json)
    process.stdout.write(
      `${JSON.stringify({ name, created, dryRun: opts.dryRun === true, ...inspection })}\n`,
    );
}

/**
 * The description in a base-model.json beside the model (a directory `tlab build-base` or
 * `tlab pretrain` wrote), read through the one manifest schema. Only a default: the upload does
 * not need the manifest (the server writes its own), so one that does not read is reported and left out.
 */
function manifestDescription(source: string): string | undefined {
  const file = path.join(source, BASE_MODEL_MANIFEST_FILE);
  if (!existsSync(file)) return undefined; // a .zip, or a plain tfjs export
  try {
    return parseBaseModelManifest(readFileSync(file, "utf8"), file).description || undefined;
  } catch (error) {
    if (!(error instanceof BaseModelManifestError)) throw error;
    process.stderr.write(`ignoring ${error.message}\n`);
    return undefined;
  }
}
