import { describe, expect, it } from "vitest";
import { buildZip } from "./hostile-zip";
import { zipEntries } from "./zip-entries";

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe("zipEntries", () => {
  it("lists the entries of an ordinary archive, Windows backslashes included", async () => {
    const entries = zipEntries(buildZip([{ name: "cats/1.png", data: PNG }, { name: "dogs\\1.png", data: PNG }]));
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
    const zip = buildZip([{ name: "cats/1.png", data: PNG }, { name, data: PNG }]);
    expect(() => zipEntries(zip)).toThrowError(expect.objectContaining({ name: "ZipError", message: expect.stringContaining(`entry ${JSON.stringify(name)}`) }));
    expect(() => zipEntries(zip)).toThrowError(reason);
  });

  it("refuses a symbolic link entry, naming it", () => {
    const zip = buildZip([{ name: "cats/1.png", data: PNG }, { name: "cats/2.png", data: "/etc/passwd", mode: 0o120777 }]);
    expect(() => zipEntries(zip)).toThrowError('entry "cats/2.png" is a symbolic link; only files and folders are accepted');
  });

  it("refuses an entry that inflates far beyond its compressed size (zip bomb)", () => {
    const zip = buildZip([{ name: "cats/1.png", data: PNG }, { name: "cats/padding.png", data: new Uint8Array(8 * 1024 ** 2) }]);
    expect(() => zipEntries(zip)).toThrowError(/entry "cats\/padding.png" unpacks from \d+ to 8388608 bytes, a compression ratio above 200:1/);
  });

  it("refuses a zip whose entries unpack to more than the limit in total", () => {
    const zip = buildZip([{ name: "a/1.png", data: new Uint8Array(600).fill(7) }, { name: "a/2.png", data: new Uint8Array(600).fill(9) }]);
    expect(() => zipEntries(zip, { maxUnzippedBytes: 1000, maxCompressionRatio: 200, ratioCheckFromBytes: 1024 ** 2 })).toThrowError(
      'the zip unpacks to more than 1000 bytes (reached at entry "a/2.png")',
    );
  });

  it("refuses bytes that are not a zip", () => {
    expect(() => zipEntries(new TextEncoder().encode("not a zip at all"))).toThrowError(
      "not a readable zip file: it has no end-of-archive record (the file is cut short or is not a zip)",
    );
  });
});
