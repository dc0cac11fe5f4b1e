import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { makeDataDirPrivate } from "./private-data-dir";

const mode = (file: string) => statSync(file).mode & 0o777;
let root: string;
const umask = process.umask();
afterEach(() => {
  process.umask(umask);
  rmSync(root, { recursive: true, force: true });
});

describe("makeDataDirPrivate", () => {
  it("closes DATA_DIR and the SQLite files to other users, and keeps new files private", () => {
    root = mkdtempSync(path.join(os.tmpdir(), "tlab-private-"));
    const dataDir = path.join(root, "data");
    mkdirSync(dataDir, { mode: 0o755 });
    chmodSync(dataDir, 0o755);
    for (const file of ["tlab.db", "tlab.db-wal", "tlab.db-shm"]) {
      writeFileSync(path.join(dataDir, file), "x");
      chmodSync(path.join(dataDir, file), 0o644);
    }
    writeFileSync(path.join(dataDir, "readonly-note"), "x", { mode: 0o400 });

    makeDataDirPrivate(dataDir, `file:${path.join(dataDir, "tlab.db")}`);

    expect(mode(dataDir)).toBe(0o700);
    for (const file of ["tlab.db", "tlab.db-wal", "tlab.db-shm"])
      expect(mode(path.join(dataDir, file)), file).toBe(0o600);
    expect(mode(path.join(dataDir, "readonly-note"))).toBe(0o400);
    // What the server writes afterwards (artifacts, uploads) is owner-only without asking.
    mkdirSync(path.join(dataDir, "artifacts", "run-1"), { recursive: true });
    writeFileSync(path.join(dataDir, "artifacts", "run-1", "model.json"), "{}");
    expect(mode(path.join(dataDir, "artifacts"))).toBe(0o700);
    expect(mode(path.join(dataDir, "artifacts", "run-1", "model.json"))).toBe(0o600);
  });
});
