import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "./env";
import {
  declaredTooLarge,
  limitBodyStream,
  readBodyWithLimit,
  type UploadLimit,
} from "./upload-body";

const LIMIT: UploadLimit = {
  maxBytes: 10,
  what: "a dataset upload",
  setting: "TLAB_MAX_DATASET_UPLOAD_BYTES",
};

/** A body sent in chunks, without a Content-Length (as a chunked upload arrives). */
function chunked(...chunks: number[]): Request {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const n of chunks) controller.enqueue(new Uint8Array(n).fill(1));
      controller.close();
    },
  });
  return new Request("http://localhost/api/datasets/x", {
    method: "PUT",
    body,
    duplex: "half",
  } as RequestInit);
}

describe("upload body limits", () => {
  it("reads a body within the limit whole", async () => {
    expect((await readBodyWithLimit(chunked(4, 6), LIMIT)).length).toBe(10);
  });

  it("refuses a chunked body as soon as it passes the limit, naming the limit and the setting", async () => {
    await expect(readBodyWithLimit(chunked(4, 4, 4), LIMIT)).rejects.toThrowError(
      "body: a dataset upload may be at most 10 bytes; the server's TLAB_MAX_DATASET_UPLOAD_BYTES setting sets this limit",
    );
  });

  it("refuses by the declared Content-Length before keeping anything", async () => {
    const req = new Request("http://localhost/x", {
      method: "PUT",
      body: new Uint8Array(11),
      headers: { "content-length": "11" },
    });
    const response = declaredTooLarge(req, { ...LIMIT, maxBytes: 2 * 1024 ** 3 + 1 });
    expect(response).toBeNull();
    const refused = declaredTooLarge(req, LIMIT)!;
    expect(refused.status).toBe(413);
    expect(((await refused.json()) as { error: string }).error).toMatch(
      /TLAB_MAX_DATASET_UPLOAD_BYTES/,
    );
  });

  it("makes a streamed body error once more than the limit has passed", async () => {
    const stream = limitBodyStream(chunked(6, 6).body!, LIMIT);
    const reader = stream.getReader();
    expect((await reader.read()).value?.length).toBe(6);
    await expect(reader.read()).rejects.toMatchObject({
      name: "UploadTooLargeError",
      message: expect.stringContaining("at most 10 bytes"),
    });
  });
});

describe("upload limit settings", () => {
  const base = {
    DATA_DIR: "/tmp/tlab-env-test",
    TLAB_WORKER_TOKEN: "w".repeat(32),
    TLAB_AUTH_SECRET: "s".repeat(40),
  };

  it("default to 2 GiB for datasets and base models and 8 GiB for run artifacts, and take units", () => {
    const env = parseEnv(base, "/repo");
    expect([
      env.TLAB_MAX_DATASET_UPLOAD_BYTES,
      env.TLAB_MAX_MODEL_UPLOAD_BYTES,
      env.TLAB_MAX_ARTIFACT_UPLOAD_BYTES,
    ]).toEqual([2 * 1024 ** 3, 2 * 1024 ** 3, 8 * 1024 ** 3]);
    const set = parseEnv(
      {
        ...base,
        TLAB_MAX_DATASET_UPLOAD_BYTES: "512MiB",
        TLAB_MAX_MODEL_UPLOAD_BYTES: "1000",
        TLAB_MAX_ARTIFACT_UPLOAD_BYTES: "20 GB",
      },
      "/repo",
    );
    expect([
      set.TLAB_MAX_DATASET_UPLOAD_BYTES,
      set.TLAB_MAX_MODEL_UPLOAD_BYTES,
      set.TLAB_MAX_ARTIFACT_UPLOAD_BYTES,
    ]).toEqual([512 * 1024 ** 2, 1000, 20e9]);
  });

  it("refuse a value that is not a size, or too big to hold in memory, naming the variable", () => {
    expect(() =>
      parseEnv({ ...base, TLAB_MAX_DATASET_UPLOAD_BYTES: "lots" }, "/repo"),
    ).toThrowError(EnvError);
    expect(() =>
      parseEnv({ ...base, TLAB_MAX_DATASET_UPLOAD_BYTES: "lots" }, "/repo"),
    ).toThrowError(
      /TLAB_MAX_DATASET_UPLOAD_BYTES: must be a size in bytes, e.g. 2147483648, "512MiB" or "2GiB" \(got "lots"\)/,
    );
    expect(() => parseEnv({ ...base, TLAB_MAX_MODEL_UPLOAD_BYTES: "5GiB" }, "/repo")).toThrowError(
      /TLAB_MAX_MODEL_UPLOAD_BYTES: must be at most 4294967296 bytes/,
    );
  });
});
