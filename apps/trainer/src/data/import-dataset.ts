import { readFile } from "node:fs/promises";
import path from "node:path";
import {
  countsOf,
  packDataset,
  uploadedDatasetSpec,
  type DatasetCounts,
  type PackedDataset,
} from "@tlab/core/dataset-pack";
import { importImageFolder } from "@tlab/core/image-folder";
import { datasetFromIdx, maybeGunzip, parseIdx } from "@tlab/core/idx";
import type { UploadedDatasetSpec } from "@tlab/core/run";
import { folderEntries } from "./folder-entries";
import { sharpImageDecoder } from "@tlab/images/sharp-image-decoder";

export type ImportDatasetInput =
  | {
      format: "imagefolder";
      /** A directory or .zip with one folder per class. */
      source: string;
      size?: [number, number];
      channels?: 1 | 3;
      onProgress?: (done: number, total: number) => void;
    }
  | {
      format: "idx";
      images: string;
      labels: string;
      testImages?: string;
      testLabels?: string;
      classNames?: string[];
    };

export interface ImportedDataset {
  dataset: PackedDataset;
  /** The packed file, ready to upload. */
  packed: Uint8Array;
  spec: UploadedDatasetSpec;
  counts: DatasetCounts;
  notes: string[];
}

/**
 * Reads, validates and packs a dataset from local files; nothing is written. Throws
 * DatasetImportError (from @tlab/core) naming the problem: an unreadable image and its path, an
 * empty class, an images/labels count mismatch, a bad IDX magic.
 */
export async function importDataset(input: ImportDatasetInput): Promise<ImportedDataset> {
  let dataset: PackedDataset;
  let notes: string[] = [];
  if (input.format === "imagefolder") {
    const result = await importImageFolder(await folderEntries(input.source), sharpImageDecoder, {
      ...(input.size ? { size: input.size } : {}),
      ...(input.channels ? { channels: input.channels } : {}),
      ...(input.onProgress ? { onProgress: input.onProgress } : {}),
    });
    dataset = result.dataset;
    notes = result.notes;
  } else {
    if ((input.testImages === undefined) !== (input.testLabels === undefined)) {
      throw new Error("--test-images and --test-labels go together: give both or neither");
    }
    const read = async (file: string, flag: string) => {
      const what = `${flag} ${path.basename(file)}`;
      const bytes = await readFile(file).catch((error: unknown) => {
        throw new Error(
          `${flag} ${file}: cannot read (${error instanceof Error ? error.message : String(error)})`,
        );
      });
      return { array: parseIdx(await maybeGunzip(bytes, what), what), what };
    };
    const split = async (images: string, labels: string, prefix: string) => {
      const [i, l] = [
        await read(images, `--${prefix}images`),
        await read(labels, `--${prefix}labels`),
      ];
      return { images: i.array, labels: l.array, imagesName: i.what, labelsName: l.what };
    };
    dataset = datasetFromIdx({
      train: await split(input.images, input.labels, ""),
      ...(input.testImages && input.testLabels
        ? { test: await split(input.testImages, input.testLabels, "test-") }
        : {}),
      ...(input.classNames ? { classNames: input.classNames } : {}),
    });
  }
  const packed = packDataset(dataset);
  return {
    dataset,
    packed,
    spec: await uploadedDatasetSpec(packed, dataset),
    counts: countsOf(dataset),
    notes,
  };
}
