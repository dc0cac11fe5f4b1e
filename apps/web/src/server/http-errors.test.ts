import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { mountSmallDisk } from "@tlab/db/testing/small-disk";
import { errorResponse } from "./http-errors";

/** A real full and read-only disk (tmpfs; skipped where it cannot be mounted). */
const disk = mountSmallDisk(1024 * 1024);
afterAll(() => disk?.unmount());

function failedWrite(): unknown {
  try {
    writeFileSync(path.join(disk!.dir, `artifact-${Math.random()}`), Buffer.alloc(2 * 1024 * 1024));
  } catch (error) {
    return error;
  }
  throw new Error("the write did not fail");
}

describe.skipIf(!disk)("errorResponse for storage failures", () => {
  it("answers 507 for a full disk and 503 for a read-only one, naming the cause; other errors stay a generic 500", async () => {
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    disk!.fill();
    const full = errorResponse(failedWrite(), "storing an artifact");
    expect(full.status).toBe(507);
    expect(await full.json()).toEqual({
      error: expect.stringMatching(
        /^storing an artifact failed: the server's storage is full \(ENOSPC\): nothing was stored/,
      ),
    });
    disk!.free();

    disk!.setReadOnly(true);
    try {
      const readOnly = errorResponse(failedWrite(), "storing an artifact");
      expect(readOnly.status).toBe(503);
      expect(await readOnly.json()).toEqual({
        error: expect.stringMatching(
          /^storing an artifact failed: the server's storage is read-only \(EROFS\)/,
        ),
      });
    } finally {
      disk!.setReadOnly(false);
    }

    const other = errorResponse(new Error("something else"), "storing an artifact");
    expect(other.status).toBe(500);
  });
});
