import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import AdmZip from "adm-zip";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DatasetImportError, unpackDataset } from "@tlab/core/dataset-pack";
import { encodeIdx } from "@tlab/core/idx";
import { drawShape, encodeImage, writeShapesFolder } from "../testing/synthetic-images";
import { importDataset } from "./import-dataset";

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "tlab-import-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function writeImage(
  file: string,
  pixels: Uint8Array,
  size: number,
  format: "png" | "jpeg",
  channels: 1 | 3 = 1,
) {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, await encodeImage(pixels, size, format, channels));
}

describe("image folder import (PNG and JPEG decoded with sharp)", () => {
  it("imports one folder per class from a directory, keeping the common size and grey channel", async () => {
    const root = await writeShapesFolder(path.join(tmp, "shapes"), {
      perClass: 6,
      size: 20,
      seed: 1,
    });
    const { dataset, counts, spec, notes, packed } = await importDataset({
      format: "imagefolder",
      source: root,
    });
    expect(dataset.classNames).toEqual(["box", "hbar", "vbar"]);
    expect([dataset.height, dataset.width, dataset.channels]).toEqual([20, 20, 1]);
    expect(counts).toEqual({ train: [6, 6, 6] });
    expect(notes).toEqual([]);
    expect(spec).toMatchObject({
      source: "upload",
      format: "imagefolder",
      imageShape: [20, 20, 1],
      numClasses: 3,
      hasTestSplit: false,
    });
    // PNG is lossless: the first box image (a PNG) comes back pixel for pixel.
    const box0 = drawShape("box", 20, (await import("./seeded-random")).deriveSeed(1, 2, 0));
    expect(Array.from(dataset.train.images.subarray(0, 400))).toEqual(Array.from(box0));
    // The same folder always packs to the same bytes.
    expect((await importDataset({ format: "imagefolder", source: root })).spec.sha256).toBe(
      spec.sha256,
    );
    expect(unpackDataset(packed).train.count).toBe(18);
  });

  it("imports a zip with a wrapping folder and train/test folders; mixed sizes go to the most common", async () => {
    const zip = new AdmZip();
    const add = async (name: string, size: number, format: "png" | "jpeg", channels: 1 | 3) =>
      zip.addFile(
        name,
        await encodeImage(drawShape("hbar", size, name.length), size, format, channels),
      );
    for (let i = 0; i < 3; i++) {
      await add(`mydata/train/cats/${i}.png`, 16, "png", 3);
      await add(`mydata/train/dogs/${i}.jpg`, 16, "jpeg", 3);
    }
    await add("mydata/train/dogs/big.png", 24, "png", 3);
    await add("mydata/test/cats/t.png", 16, "png", 3);
    await add("mydata/test/dogs/t.jpeg", 12, "jpeg", 3);
    zip.addFile("mydata/README.txt", Buffer.from("about"));
    const file = path.join(tmp, "split.zip");
    zip.writeZip(file);
    const { dataset, counts, notes } = await importDataset({ format: "imagefolder", source: file });
    expect(dataset.classNames).toEqual(["cats", "dogs"]);
    expect([dataset.height, dataset.width, dataset.channels]).toEqual([16, 16, 3]);
    expect(counts).toEqual({ train: [3, 4], test: [1, 1] });
    expect(notes.join("\n")).toMatch(
      /3 different sizes \(16×16 \(7\), 24×24 \(1\), 12×12 \(1\)\); 2 resized to the most common, 16×16/,
    );
    expect(notes.join("\n")).toMatch(
      /ignored 1 file\(s\) that are not PNG or JPEG: mydata\/README\.txt/,
    );

    const resized = await importDataset({
      format: "imagefolder",
      source: file,
      size: [8, 10],
      channels: 1,
    });
    expect([resized.dataset.height, resized.dataset.width, resized.dataset.channels]).toEqual([
      8, 10, 1,
    ]);
  });

  it("names an unreadable image file by its path", async () => {
    const root = path.join(tmp, "broken");
    await writeImage(path.join(root, "a/1.png"), drawShape("box", 8, 1), 8, "png");
    await writeImage(path.join(root, "b/1.png"), drawShape("box", 8, 2), 8, "png");
    await writeFile(path.join(root, "b/2.png"), "this is not a png");
    const run = importDataset({ format: "imagefolder", source: root });
    await expect(run).rejects.toThrow(DatasetImportError);
    await expect(run).rejects.toThrow(/unreadable image: b\/2\.png cannot be read as PNG or JPEG/);
  });

  it("reports an empty class folder instead of dropping it", async () => {
    const root = path.join(tmp, "empty-class");
    await writeImage(path.join(root, "a/1.png"), drawShape("box", 8, 1), 8, "png");
    await writeImage(path.join(root, "b/1.png"), drawShape("box", 8, 2), 8, "png");
    await mkdir(path.join(root, "c"), { recursive: true });
    await writeFile(path.join(root, "c/notes.txt"), "no images here");
    await expect(importDataset({ format: "imagefolder", source: root })).rejects.toThrow(
      /empty class: "c" has no training images/,
    );
  });

  it("refuses images outside class folders, and folders with no images", async () => {
    const root = path.join(tmp, "flat");
    await writeImage(path.join(root, "a/1.png"), drawShape("box", 8, 1), 8, "png");
    await writeImage(path.join(root, "stray.png"), drawShape("box", 8, 2), 8, "png");
    await expect(importDataset({ format: "imagefolder", source: root })).rejects.toThrow(
      /stray\.png: not inside a class folder/,
    );
    await mkdir(path.join(tmp, "nothing/a"), { recursive: true });
    await expect(
      importDataset({ format: "imagefolder", source: path.join(tmp, "nothing") }),
    ).rejects.toThrow(/no PNG or JPEG images found/);
  });
});

describe("IDX import", () => {
  const images = encodeIdx(
    "uint8",
    [4, 3, 3],
    Array.from({ length: 36 }, (_, i) => i),
  );
  const labels = encodeIdx("uint8", [4], [0, 1, 1, 0]);

  it("reads gzipped and plain IDX files, with a test split", async () => {
    const files = {
      images: path.join(tmp, "train-images-idx3-ubyte.gz"),
      labels: path.join(tmp, "train-labels-idx1-ubyte"),
      testImages: path.join(tmp, "t10k-images-idx3-ubyte"),
      testLabels: path.join(tmp, "t10k-labels-idx1-ubyte.gz"),
    };
    await writeFile(files.images, gzipSync(images));
    await writeFile(files.labels, labels);
    await writeFile(files.testImages, images);
    await writeFile(files.testLabels, gzipSync(labels));
    const { dataset, counts, spec } = await importDataset({
      format: "idx",
      ...files,
      classNames: ["zero", "one"],
    });
    expect(dataset.classNames).toEqual(["zero", "one"]);
    expect(counts).toEqual({ train: [2, 2], test: [2, 2] });
    expect(spec).toMatchObject({ format: "idx", imageShape: [3, 3, 1], hasTestSplit: true });
    expect(Array.from(dataset.train.images)).toEqual(Array.from({ length: 36 }, (_, i) => i));
  });

  it("names the files when counts do not match or the magic is wrong", async () => {
    const fewer = path.join(tmp, "three-labels");
    await writeFile(fewer, encodeIdx("uint8", [3], [0, 1, 1]));
    const imagesFile = path.join(tmp, "four-images");
    await writeFile(imagesFile, images);
    await expect(
      importDataset({ format: "idx", images: imagesFile, labels: fewer }),
    ).rejects.toThrow(
      /count mismatch: --images four-images has 4 images but --labels three-labels has 3 labels/,
    );
    const notIdx = path.join(tmp, "labels.csv");
    await writeFile(notIdx, "0,1,1,0\n");
    await expect(
      importDataset({ format: "idx", images: imagesFile, labels: notIdx }),
    ).rejects.toThrow(/--labels labels\.csv: bad IDX magic/);
  });
});
