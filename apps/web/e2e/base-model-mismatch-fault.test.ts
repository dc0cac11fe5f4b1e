import AdmZip from "adm-zip";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  modelArtifactsToFiles,
  serializeModel,
  writeModelFiles,
} from "@tlab/trainer/model/model-files";
import { initBackend, tf } from "@tlab/trainer/tf/backend";
import { personalToken, startPlatform, tlab, type Platform } from "./platform-harness";
import { trpc } from "./web-server";
import { startWorkerProcess, type WorkerProcess } from "./worker-process";

const ADMIN = { email: "shape-admin@example.test", password: "shape admin password" };

/**
 * A tiny base model: conv → global average pooling → dense. Its weights do not depend on the
 * input's height and width, so the same weights.bin loads under model.json files of different
 * input sizes, which is what lets the test swap a stored model.json for one of another size.
 */
function tinyBase(inputShape: number[]): tf.LayersModel {
  const input = tf.input({ shape: inputShape, name: "image" });
  let x = tf.layers
    .conv2d({ filters: 4, kernelSize: 3, activation: "relu", name: "conv" })
    .apply(input) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({ name: "gap" }).apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .dense({ units: 8, activation: "relu", name: "features" })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({ name: "tiny", inputs: input, outputs: x });
}

/** A model that takes flat vectors, not images. */
function flatModel(): tf.LayersModel {
  const input = tf.input({ shape: [784], name: "pixels" });
  const x = tf.layers
    .dense({ units: 8, activation: "relu", name: "features" })
    .apply(input) as tf.SymbolicTensor;
  return tf.model({ name: "flat", inputs: input, outputs: x });
}

async function writeModel(dir: string, model: tf.LayersModel): Promise<string> {
  await writeModelFiles(dir, modelArtifactsToFiles(await serializeModel(model)));
  model.dispose();
  return dir;
}

interface RunView {
  id: string;
  status: string;
  workerName: string | null;
  failureReason: string | null;
}

// Base models whose input does not fit: a model that takes no images is refused at import (by the
// CLI and, for any other client, by the server), so it can never be launched; images of another
// size or channel count are converted to the model's input, so a 32×32×3 model trains on the
// 28×28×1 digits. What can still reach a worker is a stored model.json replaced after it was
// registered: that run fails naming the model and both shapes, and the worker trains the next run.
describe("a base model whose input does not fit", () => {
  let platform: Platform;
  let token: string;
  let worker: WorkerProcess | undefined;
  const dir = mkdtempSync(path.join(os.tmpdir(), "tlab-shape-"));
  beforeAll(async () => {
    await initBackend("cpu");
    platform = await startPlatform({ workers: 0, admin: ADMIN });
    token = await personalToken(platform.url, ADMIN);
  }, 300_000);
  afterAll(async () => {
    await worker?.kill("SIGKILL");
    await platform?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("is refused at import when it takes no images", async () => {
    const flat = await writeModel(path.join(dir, "flat"), flatModel());
    const added = await tlab(platform.url, ["models", "add", "flat", flat], { token });
    expect(added.code).not.toBe(0);
    expect(added.stderr).toMatch(
      /the model's input is \[null, 784\]; a base model needs a 4-D image input \[batch, height, width, channels\]/,
    );

    // The server checks too: a client that skips the CLI's validation is refused the same way.
    const zip = new AdmZip();
    zip.addLocalFolder(flat);
    const response = await fetch(`${platform.url}/api/base-models/flat`, {
      method: "PUT",
      headers: { "content-type": "application/zip", authorization: `Bearer ${token}` },
      body: new Uint8Array(zip.toBuffer()),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(
      /the model's input is \[null, 784\]; a base model needs a 4-D image input/,
    );

    const launched = await tlab(
      platform.url,
      ["launch", "--preset", "digits", "--base-model", "flat", "--strategies", "frozen", "--json"],
      { token },
    );
    expect(launched.code).not.toBe(0);
    expect(launched.stderr).toMatch(/baseModel: no base model named "flat"/);
  });

  it("fails the run naming both shapes when the stored model changed after registration, and the worker trains the next run", async () => {
    const registered = await writeModel(path.join(dir, "tiny28"), tinyBase([28, 28, 1]));
    const resized = await writeModel(path.join(dir, "tiny32"), tinyBase([32, 32, 1]));
    const rgb = await writeModel(path.join(dir, "tiny-rgb32"), tinyBase([32, 32, 3]));
    for (const [name, source] of [
      ["tiny28", registered],
      ["tiny-rgb32", rgb],
    ] as const) {
      const added = await tlab(platform.url, ["models", "add", name, source], { token });
      expect(added.code, added.stderr).toBe(0);
    }
    // Someone re-exports the model at 32×32 and copies it over the stored one.
    copyFileSync(
      path.join(resized, "model.json"),
      path.join(platform.dataDir, "base-models", "tiny28", "model.json"),
    );

    const common = [
      "--preset",
      "digits",
      "--strategies",
      "full",
      "--epochs",
      "1",
      "--train-per-class",
      "20",
      "--test-per-class",
      "10",
      "--json",
    ];
    const bad = await tlab(platform.url, ["launch", "--base-model", "tiny28", ...common], {
      token,
    });
    expect(bad.code, bad.stderr).toBe(0);
    // A 32×32×3 base on the 28×28×1 digits: the images are resized and their channel repeated.
    const good = await tlab(platform.url, ["launch", "--base-model", "tiny-rgb32", ...common], {
      token,
    });
    expect(good.code, good.stderr).toBe(0);
    const badRunId = (JSON.parse(bad.stdout) as { runs: { id: string }[] }).runs[0]!.id;
    const goodRunId = (JSON.parse(good.stdout) as { runs: { id: string }[] }).runs[0]!.id;

    // Started after both launches, so it takes the changed model's run first.
    worker = startWorkerProcess({
      apiUrl: platform.url,
      token: platform.workerToken(),
      name: "shapes",
      cacheDir: path.join(platform.dataDir, "cache-shapes"),
    });
    const ended = async (runId: string): Promise<RunView> => {
      for (let i = 0; i < 1200; i++) {
        const run = await trpc<RunView>(platform.url, "run.byId", { runId }, { token });
        if (run.status === "SUCCEEDED" || run.status === "FAILED") return run;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      throw new Error(`run ${runId} did not end:\n${worker?.output().slice(-3000)}`);
    };
    const badRun = await ended(badRunId);
    expect(badRun.status, worker.output().slice(-3000)).toBe("FAILED");
    expect(badRun.failureReason).toBe(
      'base model "tiny28": the catalog registered input [28, 28, 1] but the model.json the worker received takes [32, 32, 1]; ' +
        "the stored model changed after it was registered (import the new one under another name)",
    );
    const goodRun = await ended(goodRunId);
    expect(goodRun.status, worker.output().slice(-3000)).toBe("SUCCEEDED");
    expect([badRun.workerName, goodRun.workerName]).toEqual(["shapes", "shapes"]);
    expect(worker.alive()).toBe(true);
    expect(worker.output().match(/worker registered/g)).toHaveLength(1);
  }, 300_000);
});
