import { Presets, SingleBar } from "cli-progress";
import { Command, InvalidArgumentError, Option } from "commander";
import { CatalogName, parseImageSize } from "@tlab/core/catalog-input";
import { formatCountsTable, PACKED_DATASET_CONTENT_TYPE } from "@tlab/core/dataset-pack";
import { readEnv } from "../env";
import { importDataset } from "../data/import-dataset";
import { createApiClient } from "../worker/api-client";
import { putToApi, userToken } from "./catalog-upload";

interface AddOptions {
  format: "imagefolder" | "idx";
  images?: string;
  labels?: string;
  testImages?: string;
  testLabels?: string;
  size?: [number, number];
  channels?: "1" | "3";
  classNames?: string[];
  description?: string;
  dryRun?: boolean;
  json?: boolean;
  apiUrl?: string;
}

export function datasetsCommand(): Command {
  const datasets = new Command("datasets").description(
    "import datasets into the catalog and list them",
  );
  datasets
    .command("add")
    .description(
      "validate, pack and upload a dataset: an image folder (dir or .zip, one folder per class) or MNIST-style IDX files",
    )
    .argument("<name>", "catalog name (letters, digits, . _ -)", parseName)
    .argument(
      "[source]",
      "imagefolder: directory or .zip with one folder per class (optionally under train/ and test/)",
    )
    .addOption(
      new Option("--format <format>", "input format")
        .choices(["imagefolder", "idx"])
        .makeOptionMandatory(),
    )
    .option("--images <file>", "idx: training images (IDX, gzipped or not)")
    .option("--labels <file>", "idx: training labels")
    .option("--test-images <file>", "idx: the dataset's own test images")
    .option("--test-labels <file>", "idx: the dataset's own test labels")
    .option("--class-names <list>", "idx: comma-separated names for labels 0..K-1", (v) =>
      v.split(",").map((s) => s.trim()),
    )
    .option(
      "--size <HxW>",
      "imagefolder: stored image size (default: the common size, else the most common)",
      parseSize,
    )
    .addOption(
      new Option(
        "--channels <n>",
        "imagefolder: stored channels (default: 1 if every image is grey, else 3)",
      ).choices(["1", "3"]),
    )
    .option("--description <text>", "shown in the dashboard")
    .option("--dry-run", "validate and report, upload nothing")
    .option("--json", "print one JSON object on stdout")
    .option("--api-url <url>", "Transfer Lab API URL (env TLAB_API_URL)")
    .action(add);
  datasets
    .command("list")
    .description("list the catalog's datasets")
    .option("--json", "print JSON on stdout")
    .option("--api-url <url>", "Transfer Lab API URL (env TLAB_API_URL)")
    .action(async (opts: { json?: boolean; apiUrl?: string }) => {
      const env = readEnv();
      const apiUrl = opts.apiUrl ?? env.TLAB_API_URL;
      const list = await createApiClient(apiUrl, userToken(env, apiUrl)).catalog.datasets.query();
      if (opts.json) return void process.stdout.write(`${JSON.stringify(list)}\n`);
      for (const d of list) {
        const detail =
          d.spec.source === "upload"
            ? `${d.spec.imageShape.join("×")}, ${d.spec.counts.train.reduce((a, b) => a + b, 0)} images`
            : d.spec.source;
        process.stdout.write(
          `${d.name.padEnd(28)} ${String(d.classNames.length).padStart(3)} classes  ${detail}\n`,
        );
      }
    });
  return datasets;
}

async function add(name: string, source: string | undefined, opts: AddOptions): Promise<void> {
  const env = readEnv();
  const log = (text: string) => process.stderr.write(`${text}\n`);
  let bar: SingleBar | null = null;
  let imported: Awaited<ReturnType<typeof importDataset>>;
  if (opts.format === "imagefolder") {
    if (!source)
      throw new InvalidArgumentError(
        "imagefolder needs a <source>: a directory or .zip with one folder per class",
      );
    if (opts.images || opts.labels || opts.testImages || opts.testLabels)
      throw new InvalidArgumentError("--images/--labels/--test-* are for --format idx");
    bar =
      process.stderr.isTTY && !opts.json
        ? new SingleBar(
            { format: "decoding |{bar}| {value}/{total} images" },
            Presets.shades_classic,
          )
        : null;
    imported = await importDataset({
      format: "imagefolder",
      source,
      ...(opts.size ? { size: opts.size } : {}),
      ...(opts.channels ? { channels: Number(opts.channels) as 1 | 3 } : {}),
      onProgress: (done, total) => {
        if (done === 1) bar?.start(total, 0);
        bar?.update(done);
      },
    }).finally(() => bar?.stop());
  } else {
    if (source)
      throw new InvalidArgumentError(
        `idx takes its files from --images and --labels, not "${source}"`,
      );
    if (!opts.images || !opts.labels)
      throw new InvalidArgumentError("--format idx needs --images <file> and --labels <file>");
    if (opts.size || opts.channels)
      throw new InvalidArgumentError(
        "--size and --channels are for --format imagefolder; IDX images keep their size",
      );
    imported = await importDataset({
      format: "idx",
      images: opts.images,
      labels: opts.labels,
      ...(opts.testImages ? { testImages: opts.testImages } : {}),
      ...(opts.testLabels ? { testLabels: opts.testLabels } : {}),
      ...(opts.classNames ? { classNames: opts.classNames } : {}),
    });
  }
  const { dataset, packed, spec, counts, notes } = imported;
  if (!opts.json) {
    log(
      `${name}: ${dataset.classNames.length} classes, ${dataset.height}×${dataset.width}×${dataset.channels}, ${packed.length} bytes packed, sha256 ${spec.sha256}`,
    );
    log(formatCountsTable(dataset.classNames, counts));
    for (const note of notes) log(`note: ${note}`);
  }
  let created: boolean | null = null;
  if (!opts.dryRun) {
    const apiUrl = opts.apiUrl ?? env.TLAB_API_URL;
    const answer = await putToApi(
      apiUrl,
      `/api/datasets/${encodeURIComponent(name)}${opts.description ? `?description=${encodeURIComponent(opts.description)}` : ""}`,
      packed,
      PACKED_DATASET_CONTENT_TYPE,
      userToken(env, apiUrl),
    );
    created = answer.created === true;
    if (!opts.json)
      log(
        created
          ? `uploaded to ${apiUrl} as "${name}"`
          : `"${name}" was already in the catalog with this content; nothing changed`,
      );
  }
  if (opts.json) {
    process.stdout.write(
      `${JSON.stringify({ name, created, dryRun: opts.dryRun === true, classNames: dataset.classNames, counts, spec, notes })}\n`,
    );
  }
}

function parseName(value: string): string {
  const parsed = CatalogName.safeParse(value);
  if (!parsed.success)
    throw new InvalidArgumentError(
      `name "${value}": ${parsed.error.issues[0]?.message ?? "invalid"}`,
    );
  return parsed.data;
}

function parseSize(value: string): [number, number] {
  try {
    return parseImageSize(value);
  } catch (error) {
    throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
  }
}

export { parseName as parseCatalogName };
