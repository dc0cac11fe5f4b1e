import { describe, expect, it } from "vitest";
import { buildRepeatedEntryZip, buildZip } from "./testing/hostile-zip";
import { DEFAULT_ZIP_LIMITS, zipLimitsForUpload } from "@tlab/core/archive-entries";
import { zipEntries } from "./zip-entries";

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe("zipEntries", () => {
  it("lists the entries of an ordinary archive, Windows backslashes included", async () => {
    const entries = zipEntries(
      buildZip([
        { name: "cats/1.png", data: PNG },
        { name: "dogs\\1.png", data: PNG },
      ]),
    );
    expect(entries.map((e) => e.path)).toEqual(["cats/1.png", "dogs\\1.png"]);
    expect(await entries[0]!.read!()).toEqual(PNG);
  });

  it.each([
    ["../evil.png", '".." segment'],
    ["cats/../../evil.png", '".." segment'],
    ["cats\\..\\..\\evil.png", '".." segment'],
    ["/etc/cron.d/evil.png", "absolute path"],
    ["C:/Users/evil.png", "drive letter"],
  ])("refuses the zip-slip entry %j, naming it", (name, reason) => {
    const zip = buildZip([
      { name: "cats/1.png", data: PNG },
      { name, data: PNG },
    ]);
    expect(() => zipEntries(zip)).toThrowError(
      expect.objectContaining({
        name: "ZipError",
        message: expect.stringContaining(`entry ${JSON.stringify(name)}`),
      }),
    );
    expect(() => zipEntries(zip)).toThrowError(reason);
  });

  it("refuses a symbolic link entry, naming it", () => {
    const zip = buildZip([
      { name: "cats/1.png", data: PNG },
      { name: "cats/2.png", data: "/etc/passwd", mode: 0o120777 },
    ]);
    expect(() => zipEntries(zip)).toThrowError(
      'entry "cats/2.png" is a symbolic link; only files and folders are accepted',
    );
  });

  it("refuses an entry that inflates far beyond its compressed size (zip bomb)", () => {
    const zip = buildZip([
      { name: "cats/1.png", data: PNG },
      { name: "cats/padding.png", data: new Uint8Array(8 * 1024 ** 2) },
    ]);
    expect(() => zipEntries(zip)).toThrowError(
      /entry "cats\/padding.png" unpacks from \d+ to 8388608 bytes, a compression ratio above 200:1/,
    );
  });

  it("refuses a zip whose entries unpack to more than the limit in total", () => {
    const zip = buildZip([
      { name: "a/1.png", data: new Uint8Array(600).fill(7) },
      { name: "a/2.png", data: new Uint8Array(600).fill(9) },
    ]);
    expect(() => zipEntries(zip, { ...DEFAULT_ZIP_LIMITS, maxUnzippedBytes: 1000 })).toThrowError(
      'the zip unpacks to more than 1000 bytes (reached at entry "a/2.png")',
    );
  });

  it("refuses many entries each just under the per-entry ratio check (1,000 × 1 MiB in a 1 MB zip) before inflating any", async () => {
    const zip = buildRepeatedEntryZip(1000, 1024 ** 2 - 1);
    expect(zip.byteLength).toBeLessThan(2 * 1024 ** 2);
    // A sound zip: its entries read back whole when nothing refuses it.
    const one = zipEntries(buildRepeatedEntryZip(1, 1024 ** 2 - 1, "dogs/"));
    expect((await one[0]!.read!()).byteLength).toBe(1024 ** 2 - 1);
    const before = process.memoryUsage();
    expect(() => zipEntries(zip)).toThrowError(
      /^the zip's 1000 entries unpack from \d+ to 1048575000 bytes in all, a compression ratio above 20:1/,
    );
    const after = process.memoryUsage();
    // Refused from the central directory: nothing near the 1 GB it claims was allocated.
    expect(
      after.arrayBuffers + after.external - (before.arrayBuffers + before.external),
    ).toBeLessThan(64 * 1024 ** 2);
  });

  it("bounds an upload's unpacked size near its upload limit, naming the setting", () => {
    const limits = zipLimitsForUpload(4000, "TLAB_MAX_DATASET_UPLOAD_BYTES");
    expect(limits.maxUnzippedBytes).toBe(5000);
    const random = (n: number) =>
      Uint8Array.from({ length: n }, () => Math.floor(Math.random() * 256));
    expect(
      zipEntries(
        buildZip([
          { name: "a/1.png", data: random(2400) },
          { name: "a/2.png", data: random(2400) },
        ]),
        limits,
      ),
    ).toHaveLength(2);
    expect(() =>
      zipEntries(
        buildZip([
          { name: "a/1.png", data: random(2600) },
          { name: "a/2.png", data: random(2600) },
        ]),
        limits,
      ),
    ).toThrowError(
      'the zip unpacks to more than 5000 bytes (TLAB_MAX_DATASET_UPLOAD_BYTES + 25%) (reached at entry "a/2.png")',
    );
  });

  it("refuses bytes that are not a zip", () => {
    expect(() => zipEntries(new TextEncoder().encode("not a zip at all"))).toThrowError(
      "not a readable zip file: it has no end-of-archive record (the file is cut short or is not a zip)",
    );
  });
});
