import { chmodSync, existsSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

/** Owner-only: every file and folder the server creates from now on (artifacts, uploads, secrets). */
export const PRIVATE_UMASK = 0o077;

/**
 * DATA_DIR holds password hashes (tlab.db), secrets and every upload: other local users must read
 * none of it. New files are private through the umask; this closes what existed before (a data
 * directory from an older version, or a database `prisma migrate` created under a looser umask):
 * DATA_DIR becomes 0700 and the SQLite database with its -wal, -shm and -journal files 0600.
 * Files inside DATA_DIR that the server did not create are left as they are.
 */
export function makeDataDirPrivate(dataDir: string, databaseUrl: string): void {
  process.umask(PRIVATE_UMASK);
  restrict(dataDir, 0o700);
  const database = sqliteFile(databaseUrl);
  if (database)
    for (const suffix of ["", "-wal", "-shm", "-journal"]) restrict(`${database}${suffix}`, 0o600);
}

function restrict(file: string, mode: number): void {
  if (!existsSync(file)) return;
  const current = statSync(file).mode & 0o777;
  // Only ever narrows: a mode already stricter (e.g. 0400) stays.
  if ((current & ~mode) !== 0) chmodSync(file, current & mode);
}

function sqliteFile(databaseUrl: string): string | null {
  if (!databaseUrl.startsWith("file:")) return null;
  const location = databaseUrl.slice("file:".length).split("?")[0]!;
  return location.startsWith("//") ? fileURLToPath(`file:${location}`) : path.resolve(location);
}
