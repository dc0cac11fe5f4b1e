import {
  existsSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PACKED_DATASET_CONTENT_TYPE } from "@tlab/core/dataset-pack";
import { BUILTIN_BASE_MODEL, PRESETS } from "@tlab/core/presets";
import { buildZip } from "@tlab/storage/testing/hostile-zip";
import { drawShape, encodeImage } from "@tlab/trainer/testing/synthetic-images";
import { personalToken, startPlatform, type Platform } from "./platform-harness";

const ADMIN = { email: "untrusted-admin@example.test", password: "untrusted admin password" };
const LIMITS = {
  TLAB_MAX_DATASET_UPLOAD_BYTES: "64KiB",
  TLAB_MAX_MODEL_UPLOAD_BYTES: "48KiB",
  TLAB_MAX_ARTIFACT_UPLOAD_BYTES: "4KiB",
  TLAB_MAX_API_BODY_BYTES: "64KiB",
};

// Hostile requests against the running platform, over HTTP: path traversal, zip-slip, zip bombs,
// oversized and mistyped uploads, overlong text. Each is refused with a status and a message that
// names the problem, and nothing is registered or written. Small upload limits are set through
// the environment, as an operator would; no local worker runs, the test plays the worker.
describe("untrusted input", () => {
  let platform: Platform;
  let token: string;
  let workerToken: string;
  const outside = mkdtempSync(path.join(os.tmpdir(), "tlab-outside-"));
  const secretFile = path.join(outside, "secret.txt");

  beforeAll(async () => {
    platform = await startPlatform({ admin: ADMIN, workers: 0, env: LIMITS });
    token = await personalToken(platform.url, ADMIN);
    workerToken = platform.workerToken();
    writeFileSync(secretFile, "top secret: not part of any model");
  }, 300_000);
  afterAll(async () => {
    await platform?.stop();
    rmSync(outside, { recursive: true, force: true });
  });

  const user = () => ({ authorization: `Bearer ${token}` });
  const worker = () => ({ authorization: `Bearer ${workerToken}` });
  async function call(
    pathname: string,
    init: RequestInit = {},
  ): Promise<{ status: number; text: string; error: string }> {
    const response = await fetch(`${platform.url}${pathname}`, init);
    const text = await response.text();
    let error = "";
    try {
      error = (JSON.parse(text) as { error?: string }).error ?? "";
    } catch {
      // not JSON
    }
    return { status: response.status, text, error };
  }
  async function trpc<T>(
    procedure: string,
    input: unknown,
    headers: Record<string, string>,
  ): Promise<{ status: number; data: T; message: string }> {
    const response = await fetch(`${platform.url}/api/trpc/${procedure}`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify(input),
    });
    const json = (await response.json()) as { result?: { data: T }; error?: { message: string } };
    return {
      status: response.status,
      data: json.result?.data as T,
      message: json.error?.message ?? "",
    };
  }
  const datasetNames = async () =>
    (await (
      await fetch(`${platform.url}/api/trpc/catalog.datasets`, { headers: user() })
    ).json()) as { result: { data: Array<{ name: string }> } };
  const dataDirEntries = (...parts: string[]) => {
    const dir = path.join(platform.dataDir, ...parts);
    return existsSync(dir) ? readdirSync(dir).filter((f) => f !== ".staging") : [];
  };

  it("serves no file outside a base model's folder or a run's artifacts, however the path is spelled", async () => {
    for (const file of [
      "..%2F..%2Fworker-token",
      "..%2F..%2F..%2Fetc%2Fpasswd",
      "%2E%2E%2Fworker-token",
      "..%5C..%5Cworker-token",
      "model.json%00.png",
    ]) {
      const served = await call(`/api/base-models/${BUILTIN_BASE_MODEL}/${file}`, {
        headers: user(),
      });
      expect([400, 404], `${file}: ${served.text}`).toContain(served.status);
      expect(served.error).toMatch(/^file: /);
      expect(served.text).not.toContain(workerToken);
    }
    const byName = await call(`/api/base-models/..%2F..%2F/worker-token`, { headers: worker() });
    expect(byName.status).toBe(404);
    for (const target of [
      "..%2F..%2Fworker-token/x",
      "run/..%2F..%2Fworker-token",
      "..%2F..%2F/worker-token",
    ]) {
      const served = await call(`/api/artifacts/runs/${target}`, { headers: user() });
      expect([400, 404], `${target}: ${served.text}`).toContain(served.status);
      expect(served.text).not.toContain(workerToken);
    }
    const dataset = await call(`/api/datasets/..%2F..%2Fworker-token/data`, { headers: worker() });
    expect(dataset.status).toBe(404);
    // Names that would become folders under DATA_DIR are refused before anything is stored.
    const datasetName = await call(`/api/datasets/..%2F..%2Fescaped`, {
      method: "PUT",
      headers: { ...user(), "content-type": PACKED_DATASET_CONTENT_TYPE },
      body: "x",
    });
    expect(datasetName.status).toBe(400);
    expect(datasetName.error).toMatch(/^name: "\.\.\/\.\.\/escaped" is not a valid name/);
    const modelName = await call(`/api/base-models/..%2Fescaped`, {
      method: "PUT",
      headers: { ...user(), "content-type": "application/zip" },
      body: new Uint8Array(buildZip([{ name: "model.json", data: "{}" }])),
    });
    expect(modelName.status).toBe(400);
    expect(modelName.error).toMatch(/^name: "\.\.\/escaped" is not a valid name/);
    expect(existsSync(path.join(platform.dataDir, "..", "escaped"))).toBe(false);

    // A symbolic link planted in a model's folder is not served.
    const planted = path.join(platform.dataDir, "base-models", BUILTIN_BASE_MODEL, "leak.bin");
    symlinkSync(secretFile, planted);
    try {
      const leak = await call(`/api/base-models/${BUILTIN_BASE_MODEL}/leak.bin`, {
        headers: user(),
      });
      expect(leak.status).toBe(404);
      expect(leak.text).not.toContain("top secret");
    } finally {
      unlinkSync(planted);
    }
    expect(
      (await call(`/api/base-models/${BUILTIN_BASE_MODEL}/model.json`, { headers: user() })).status,
    ).toBe(200);
    // A worker token reads a base model only while one of its workers holds a run on it.
    const unheld = await call(`/api/base-models/${BUILTIN_BASE_MODEL}/model.json`, {
      headers: worker(),
    });
    expect(unheld.status).toBe(403);
    expect(unheld.error).toMatch(
      /^base model "lenet5-digits-0-4": a worker token may download only what the runs its workers hold need/,
    );
  });

  it("refuses a dataset zip with a zip-slip entry, a symbolic link entry or a zip bomb, naming the entry", async () => {
    const png = await encodeImage(drawShape("box", 12, 1), 12, "png");
    const good = [
      { name: "cats/1.png", data: png },
      { name: "dogs/1.png", data: png },
    ];
    const cases: Array<[string, Parameters<typeof buildZip>[0], RegExp]> = [
      [
        "slip",
        [...good, { name: "../evil.png", data: png }],
        /^dataset: entry "\.\.\/evil\.png" contains a "\.\." segment/,
      ],
      [
        "backslash",
        [...good, { name: "cats\\..\\..\\evil.png", data: png }],
        /^dataset: entry "cats\\\\\.\.\\\\\.\.\\\\evil\.png" contains a "\.\." segment/,
      ],
      [
        "absolute",
        [...good, { name: "/tmp/evil.png", data: png }],
        /^dataset: entry "\/tmp\/evil\.png" is an absolute path/,
      ],
      [
        "link",
        [...good, { name: "cats/2.png", data: "/etc/passwd", mode: 0o120777 }],
        /^dataset: entry "cats\/2\.png" is a symbolic link; only files and folders are accepted/,
      ],
      [
        "bomb",
        [...good, { name: "cats/huge.png", data: new Uint8Array(16 * 1024 ** 2) }],
        /^dataset: entry "cats\/huge\.png" unpacks from \d+ to 16777216 bytes, a compression ratio above 200:1/,
      ],
    ];
    for (const [name, entries, message] of cases) {
      const zip = buildZip(entries);
      expect(zip.length, name).toBeLessThan(64 * 1024);
      const refused = await call(`/api/datasets/hostile-${name}`, {
        method: "PUT",
        headers: { ...user(), "content-type": "application/zip" },
        body: new Uint8Array(zip),
      });
      expect(refused.status, refused.text).toBe(400);
      expect(refused.error).toMatch(message);
    }
    // A base model zip is held to the same rules.
    const model = await call(`/api/base-models/hostile-model`, {
      method: "PUT",
      headers: { ...user(), "content-type": "application/zip" },
      body: new Uint8Array(buildZip([{ name: "../model.json", data: "{}" }])),
    });
    expect(model.status, model.text).toBe(400);
    expect(model.error).toMatch(/^model: entry "\.\.\/model\.json" contains a "\.\." segment/);

    expect(
      (await datasetNames()).result.data.map((d) => d.name).filter((n) => n.startsWith("hostile")),
    ).toEqual([]);
    expect(dataDirEntries("datasets")).toEqual([]);
    expect(existsSync(path.join(platform.dataDir, "..", "evil.png"))).toBe(false);
    expect(existsSync(path.join(platform.dataDir, "base-models", "hostile-model"))).toBe(false);
  });

  it("refuses uploads over the configured limits with 413, by Content-Length and while streaming, and stores nothing", async () => {
    const body = new Uint8Array(100 * 1024).fill(7);
    const declared = await call("/api/datasets/too-big", {
      method: "PUT",
      headers: { ...user(), "content-type": PACKED_DATASET_CONTENT_TYPE },
      body,
    });
    expect(declared.status).toBe(413);
    expect(declared.error).toBe(
      "body: a dataset upload may be at most 65536 bytes (64 KiB); the server's TLAB_MAX_DATASET_UPLOAD_BYTES setting sets this limit",
    );

    // Chunked, without a Content-Length: counted as it arrives.
    const streamed = await call("/api/datasets/too-big", {
      method: "PUT",
      headers: { ...user(), "content-type": "application/zip" },
      body: chunks(body),
      duplex: "half",
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(streamed.error).toMatch(/TLAB_MAX_DATASET_UPLOAD_BYTES/);

    const model = await call("/api/base-models/too-big", {
      method: "PUT",
      headers: { ...user(), "content-type": "application/zip" },
      body: chunks(body),
      duplex: "half",
    } as RequestInit);
    expect(model.status).toBe(413);
    expect(model.error).toBe(
      "body: a base model upload may be at most 49152 bytes (48 KiB); the server's TLAB_MAX_MODEL_UPLOAD_BYTES setting sets this limit",
    );

    expect((await datasetNames()).result.data.map((d) => d.name)).not.toContain("too-big");
    expect(dataDirEntries("datasets")).toEqual([]);
    expect(existsSync(path.join(platform.dataDir, "base-models", "too-big"))).toBe(false);
  });

  it("refuses a run artifact over the limit or of the wrong type, and never reads one through a link out of the run's folder", async () => {
    const created = await trpc<{ id: string }>(
      "experiment.create",
      { ...PRESETS.digits, name: "untrusted artifacts", epochs: 1, seeds: 1, trainPerClass: 20 },
      user(),
    );
    expect(created.status, created.message).toBe(200);
    const registered = await trpc<{ id: string }>(
      "worker.register",
      { name: "test-worker", hostname: "test", backend: "cpu", device: "cpu", versions: {} },
      worker(),
    );
    expect(registered.status, registered.message).toBe(200);
    const claimed = await trpc<{ runId: string }>(
      "worker.claim",
      { workerId: registered.data.id },
      worker(),
    );
    const runId = claimed.data.runId;
    const upload = (
      file: string,
      body: BodyInit,
      contentType = "application/octet-stream",
      extra: RequestInit = {},
    ) =>
      call(`/api/artifacts/runs/${runId}/${file}`, {
        method: "PUT",
        headers: {
          ...worker(),
          "x-tlab-worker-id": registered.data.id,
          "content-type": contentType,
        },
        body,
        ...extra,
      });

    const tooBig = await upload(
      "weights.bin",
      chunks(new Uint8Array(8 * 1024)),
      "application/octet-stream",
      { duplex: "half" } as RequestInit,
    );
    expect(tooBig.status).toBe(413);
    expect(tooBig.error).toBe(
      "body: a run artifact may be at most 4096 bytes (4 KiB); the server's TLAB_MAX_ARTIFACT_UPLOAD_BYTES setting sets this limit",
    );
    expect((await upload("weights.bin", new Uint8Array(5000))).status).toBe(413);
    // Nothing recorded, no partial file left behind.
    expect(
      (await call(`/api/artifacts/runs/${runId}/weights.bin`, { headers: user() })).status,
    ).toBe(404);
    expect(dataDirEntries("artifacts", runId)).toEqual([]);

    const wrongType = await upload("model.json", "<html></html>", "text/html");
    expect(wrongType.status).toBe(415);
    expect(wrongType.error).toBe(
      'content-type: send the file\'s bytes as application/octet-stream; got "text/html"',
    );

    const slip = await call(`/api/artifacts/runs/${runId}/..%2F..%2Fworker-token`, {
      method: "PUT",
      headers: {
        ...worker(),
        "x-tlab-worker-id": registered.data.id,
        "content-type": "application/octet-stream",
      },
      body: "x",
    });
    expect(slip.status).toBe(400);
    expect(slip.error).toMatch(/^file: "\.\.\/\.\.\/worker-token" is not valid/);
    expect(platform.workerToken()).toBe(workerToken);

    expect((await upload("model.json", '{"ok":true}')).status).toBe(201);
    const stored = path.join(platform.dataDir, "artifacts", runId, "model.json");
    unlinkSync(stored);
    symlinkSync(secretFile, stored);
    const leak = await call(`/api/artifacts/runs/${runId}/model.json`, { headers: user() });
    expect(leak.status).toBe(400);
    expect(leak.error).toBe(
      'file: "model.json" is a symbolic link (or lies under one) that leads out of its folder; refused',
    );
    expect(leak.text).not.toContain("top secret");
  });

  it("refuses uploads of the wrong content type with 415 naming what is accepted", async () => {
    const dataset = await call("/api/datasets/typed", {
      method: "PUT",
      headers: { ...user(), "content-type": "text/plain" },
      body: "cats/1.png",
    });
    expect(dataset.status).toBe(415);
    expect(dataset.error).toBe(
      `content-type: send application/zip (an image folder, one folder per class) or ${PACKED_DATASET_CONTENT_TYPE} (from tlab datasets add); got "text/plain"`,
    );
    const model = await call(`/api/base-models/typed`, {
      method: "PUT",
      headers: { ...user(), "content-type": "application/octet-stream" },
      body: "x",
    });
    expect(model.status).toBe(415);
    expect(model.error).toBe(
      'content-type: send a zip (application/zip) of model.json and its weight files; got "application/octet-stream"',
    );
  });

  it("refuses overlong names and text with a message naming the field and the limit", async () => {
    const longName = await call(`/api/datasets/${"a".repeat(101)}`, {
      method: "PUT",
      headers: { ...user(), "content-type": PACKED_DATASET_CONTENT_TYPE },
      body: "x",
    });
    expect(longName.status).toBe(400);
    expect(longName.error).toMatch(/^name: "a{101}" is not a valid name: use 1 to 100 letters/);

    const experiment = await trpc(
      "experiment.create",
      { ...PRESETS.digits, name: "x".repeat(121) },
      user(),
    );
    expect(experiment.status).toBe(400);
    expect(experiment.message).toMatch(/Experiment name is at most 120 characters/);

    const created = await trpc<{ id: string }>(
      "experiment.create",
      { ...PRESETS.digits, name: "untrusted comments", epochs: 1, seeds: 1, trainPerClass: 20 },
      user(),
    );
    const comment = await trpc(
      "review.addComment",
      { experimentId: created.data.id, body: "y".repeat(10_001) },
      user(),
    );
    expect(comment.status).toBe(400);
    expect(comment.message).toMatch(/body: at most 10000 characters/);

    // Any API request body, whatever the procedure, is bounded before it is parsed.
    const huge = await trpc(
      "review.addComment",
      { experimentId: created.data.id, body: "z".repeat(100 * 1024) },
      user(),
    );
    expect(huge.status).toBe(413);
    expect(huge.message).toBe(
      "body: an API request may be at most 65536 bytes (64 KiB); the server's TLAB_MAX_API_BODY_BYTES setting sets this limit",
    );
  });
});

/** A body sent in 1 KiB chunks with no Content-Length (chunked transfer encoding). */
function chunks(bytes: Uint8Array): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + 1024));
      offset += 1024;
    },
  });
}
