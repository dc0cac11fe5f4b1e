import { cp, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../tf/backend";
import { loadModelFromDir } from "../model/load-model-files";
import { readModelForImport } from "../model/import-model";
import { buildZip } from "@tlab/storage/testing/hostile-zip";
import { encodeImage, drawShape, writeShapesFolder } from "../testing/synthetic-images";
import { folderEntries } from "./folder-entries";
import { importDataset } from "./import-dataset";

const LENET_DIR = path.resolve(import.meta.dirname, "../../assets/base-models/lenet5-digits-0-4");

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "tlab-folder-entries-"));
});
afterAll(async () => rm(tmp, { recursive: true, force: true }));

describe("local folders and zips given to `tlab datasets add` / `tlab models add`", () => {
  it("refuses a symbolic link that leads out of the folder, naming it", async () => {
    const root = await writeShapesFolder(path.join(tmp, "with-link-out"), {
      perClass: 2,
      size: 12,
      seed: 3,
    });
    await writeFile(
      path.join(tmp, "private.png"),
      await encodeImage(drawShape("box", 12, 1), 12, "png"),
    );
    await symlink(path.join(tmp, "private.png"), path.join(root, "box", "stolen.png"));
    await expect(folderEntries(root)).rejects.toThrowError(
      `${path.join(root, "box", "stolen.png")}: a symbolic link to ${path.join(tmp, "private.png")}, outside ${root}`,
    );
    await expect(importDataset({ format: "imagefolder", source: root })).rejects.toThrowError(
      /symbolic link .* outside/,
    );
  });

  it("refuses a linked folder that leads outside", async () => {
    const root = await writeShapesFolder(path.join(tmp, "with-dir-link"), {
      perClass: 2,
      size: 12,
      seed: 4,
    });
    const outside = await writeShapesFolder(path.join(tmp, "outside-classes"), {
      perClass: 2,
      size: 12,
      seed: 5,
    });
    await symlink(path.join(outside, "hbar"), path.join(root, "more-hbar"));
    await expect(folderEntries(root)).rejects.toThrowError(
      /more-hbar: a symbolic link to .*outside-classes\/hbar, outside/,
    );
  });

  it("follows links that stay inside the folder, and refuses one that loops back up", async () => {
    const root = await writeShapesFolder(path.join(tmp, "with-link-in"), {
      perClass: 2,
      size: 12,
      seed: 6,
    });
    await symlink(
      path.join(root, "box", (await folderEntries(path.join(root, "box")))[0]!.path),
      path.join(root, "hbar", "alias.png"),
    );
    const entries = await folderEntries(root);
    const alias = entries.find((e) => e.path === "hbar/alias.png");
    expect(alias?.isDirectory).toBe(false);
    expect((await alias!.read!()).length).toBeGreaterThan(0);

    await symlink(root, path.join(root, "vbar", "loop"));
    await expect(folderEntries(root)).rejects.toThrowError(
      /loop: a symbolic link to one of its own parent folders/,
    );
  });

  it("refuses a local zip with a zip-slip entry or a symbolic link entry, naming the entry", async () => {
    const png = await encodeImage(drawShape("box", 12, 1), 12, "png");
    const slip = path.join(tmp, "slip.zip");
    await writeFile(
      slip,
      buildZip([
        { name: "cats/1.png", data: png },
        { name: "../evil.png", data: png },
      ]),
    );
    await expect(importDataset({ format: "imagefolder", source: slip })).rejects.toThrowError(
      `${slip}: entry "../evil.png" contains a ".." segment`,
    );
    const link = path.join(tmp, "link.zip");
    await writeFile(
      link,
      buildZip([
        { name: "cats/1.png", data: png },
        { name: "cats/2.png", data: "/etc/passwd", mode: 0o120777 },
      ]),
    );
    await expect(importDataset({ format: "imagefolder", source: link })).rejects.toThrowError(
      'entry "cats/2.png" is a symbolic link',
    );
  });

  it("refuses a model.json whose weight paths lead out of the model folder", async () => {
    await initBackend("cpu");
    const dir = path.join(tmp, "escaping-model");
    await cp(LENET_DIR, dir, { recursive: true });
    await writeFile(path.join(tmp, "weights.bin"), await readFile(path.join(dir, "weights.bin")));
    const json = JSON.parse(await readFile(path.join(dir, "model.json"), "utf8")) as {
      weightsManifest: Array<{ paths: string[] }>;
    };
    json.weightsManifest[0]!.paths = ["../weights.bin"];
    await writeFile(path.join(dir, "model.json"), JSON.stringify(json));
    await expect(readModelForImport(dir)).rejects.toThrowError(
      'model.json lists the weight file "../weights.bin", which is not a plain file name beside model.json',
    );
    await expect(loadModelFromDir(dir)).rejects.toThrowError(
      /weight file: "\.\.\/weights\.bin" contains a "\.\." segment/,
    );

    // The plain name, but a symbolic link out of the folder.
    json.weightsManifest[0]!.paths = ["weights.bin"];
    await writeFile(path.join(dir, "model.json"), JSON.stringify(json));
    await rm(path.join(dir, "weights.bin"));
    await symlink(path.join(tmp, "weights.bin"), path.join(dir, "weights.bin"));
    await expect(loadModelFromDir(dir)).rejects.toThrowError(
      /weight file: "weights.bin" is a symbolic link .* leads out of its folder/,
    );
    await expect(readModelForImport(dir)).rejects.toThrowError(
      /weights.bin: a symbolic link to .*, outside/,
    );
  });
});
