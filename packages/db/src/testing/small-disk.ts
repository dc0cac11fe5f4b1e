import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export interface SmallDisk {
  dir: string;
  /** Takes up the disk's free space with a filler file. */
  fill: () => void;
  /** Removes the filler: space is back. */
  free: () => void;
  /** Remounts the disk read-only (EROFS on every write), or writable again. */
  setReadOnly: (readOnly: boolean) => void;
  unmount: () => void;
}

/**
 * A real full-disk fault for tests: a tmpfs of `sizeBytes` (Linux, with permission to mount, e.g.
 * root in a container). null where it cannot be mounted; such tests are skipped there.
 */
export function mountSmallDisk(sizeBytes: number): SmallDisk | null {
  if (process.platform !== "linux") return null;
  const dir = mkdtempSync(path.join(tmpdir(), "tlab-small-disk-"));
  if (
    spawnSync("mount", ["-t", "tmpfs", "-o", `size=${sizeBytes}`, "tmpfs", dir], {
      stdio: "ignore",
    }).status !== 0
  ) {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
  const filler = path.join(dir, "filler");
  return {
    dir,
    fill: () => {
      try {
        writeFileSync(filler, Buffer.alloc(sizeBytes));
      } catch {
        // ENOSPC: the filler took what was left, which is the point
      }
    },
    free: () => rmSync(filler, { force: true }),
    setReadOnly: (readOnly) => {
      spawnSync("mount", ["-o", `remount,${readOnly ? "ro" : "rw"}`, dir], { stdio: "ignore" });
    },
    unmount: () => {
      spawnSync("umount", ["-l", dir], { stdio: "ignore" });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
