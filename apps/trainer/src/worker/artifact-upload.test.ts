import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../logger";
import { uploadArtifact } from "./artifact-upload";
import { createRunCallRetry, ServerStorageError } from "./run-call-retry";
import { createRunLogger } from "./run-logger";

const FULL =
  "storing an artifact failed: the server's storage is full (ENOSPC): nothing was stored; an operator must free space";

let server: Server | undefined;
afterEach(
  () => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())),
);

/** An artifact route that answers each PUT with the next of `answers` (the last one repeats). */
async function artifactRoute(
  answers: { status: number; body: unknown }[],
): Promise<{ url: string; puts: () => number }> {
  let puts = 0;
  server = createServer((req, res) => {
    req.resume().on("end", () => {
      const answer = answers[Math.min(puts++, answers.length - 1)]!;
      res
        .writeHead(answer.status, { "content-type": "application/json" })
        .end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, puts: () => puts };
}

function capturedRunLog() {
  const lines: { level: string; message: string }[] = [];
  const runLog = createRunLogger(createLogger("silent"), { runId: "r1" }, (level, message) =>
    lines.push({ level, message }),
  );
  return { runLog, lines };
}

describe("uploading an artifact to a server whose storage refuses it", () => {
  it("writes the server's cause to the run's log once, retries for the storage tolerance, then fails with that cause", async () => {
    const route = await artifactRoute([{ status: 507, body: { error: FULL } }]);
    const { runLog, lines } = capturedRunLog();
    const retrying = createRunCallRetry(runLog, {
      leaseMs: 1_000,
      storageToleranceMs: 400,
      initialDelayMs: 20,
    });
    const started = Date.now();
    const failure = await uploadArtifact(
      "r1",
      "weights.bin",
      new Uint8Array(8),
      { apiUrl: route.url, workerId: "w1", token: "t" },
      retrying,
    ).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ServerStorageError);
    // The run fails with this message as its reason: what failed, the status and the server's cause.
    expect((failure as Error).message).toBe(`upload weights.bin: HTTP 507: ${FULL}`);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(route.puts()).toBeGreaterThan(1);
    const errors = lines.filter((line) => line.level === "error");
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(
      /^upload weights\.bin: the server cannot store it: upload weights\.bin: HTTP 507: storing an artifact failed: the server's storage is full \(ENOSPC\).*retrying for up to 0 s, then the run fails$/,
    );
  });

  it("succeeds once the server can store again (space freed)", async () => {
    const route = await artifactRoute([
      { status: 507, body: { error: FULL } },
      {
        status: 503,
        body: {
          error:
            "storing an artifact failed: the server's storage is read-only (EROFS): nothing was stored",
        },
      },
      { status: 201, body: { ok: true } },
    ]);
    const { runLog, lines } = capturedRunLog();
    await uploadArtifact(
      "r1",
      "model.json",
      new Uint8Array(8),
      { apiUrl: route.url, workerId: "w1", token: undefined },
      createRunCallRetry(runLog, { leaseMs: 1_000, storageToleranceMs: 5_000, initialDelayMs: 20 }),
    );
    expect(route.puts()).toBe(3);
    expect(lines.map((line) => line.level)).toEqual(["error", "warn"]);
  });

  it("does not retry a 4xx, and says what the server said", async () => {
    const route = await artifactRoute([
      { status: 413, body: { error: "artifact: at most 8 GiB" } },
    ]);
    const { runLog } = capturedRunLog();
    await expect(
      uploadArtifact(
        "r1",
        "weights.bin",
        new Uint8Array(8),
        { apiUrl: route.url, workerId: "w1", token: "t" },
        createRunCallRetry(runLog, { leaseMs: 1_000, initialDelayMs: 20 }),
      ),
    ).rejects.toThrow("upload weights.bin: HTTP 413: artifact: at most 8 GiB");
    expect(route.puts()).toBe(1);
  });
});
