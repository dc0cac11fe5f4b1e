import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { z } from "zod";

/** Where `tlab login` keeps personal tokens, one per server: ~/.config/tlab/credentials.json (mode 0600). */
export function credentialsFile(): string {
  const base = process.env.XDG_CONFIG_HOME?.trim() || path.join(os.homedir(), ".config");
  return path.join(base, "tlab", "credentials.json");
}

const Credentials = z.record(
  z.string(),
  z.object({ token: z.string().min(1), email: z.string(), savedAt: z.string() }),
);
type Credentials = z.infer<typeof Credentials>;

/** Tokens are kept per server origin, so one machine can talk to several Transfer Lab servers. */
function serverKey(apiUrl: string): string {
  return new URL(apiUrl).origin;
}

function readAll(file = credentialsFile()): Credentials {
  if (!existsSync(file)) return {};
  const parsed = Credentials.safeParse(JSON.parse(readFileSync(file, "utf8")));
  if (!parsed.success)
    throw new Error(
      `${file} is not a tlab credentials file; delete it and run \`tlab login\` again`,
    );
  return parsed.data;
}

export function saveCredential(
  apiUrl: string,
  entry: { token: string; email: string },
  file = credentialsFile(),
): void {
  const all = readAll(file);
  all[serverKey(apiUrl)] = { ...entry, savedAt: new Date().toISOString() };
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

export function removeCredential(
  apiUrl: string,
  file = credentialsFile(),
): { token: string } | null {
  const all = readAll(file);
  const entry = all[serverKey(apiUrl)];
  if (!entry) return null;
  delete all[serverKey(apiUrl)];
  writeFileSync(file, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
  return entry;
}

/**
 * The personal token user commands (launch, datasets, models) send: TLAB_TOKEN when set, else
 * the one `tlab login` saved for this server, else none (the server then answers 401 with a hint).
 */
export function resolveUserToken(
  envToken: string | undefined,
  apiUrl: string,
  file = credentialsFile(),
  localDataDir?: string,
): string | undefined {
  if (envToken?.trim()) return envToken.trim();
  const saved = readAll(file)[serverKey(apiUrl)]?.token;
  if (saved) return saved;
  return localCliToken(apiUrl, localDataDir);
}

/**
 * On the machine running `npm start`, its local admin's token (DATA_DIR/cli-token, mode 0600):
 * used only for a server on this machine's loopback address.
 */
function localCliToken(apiUrl: string, dataDir: string | undefined): string | undefined {
  if (!dataDir) return undefined;
  const host = new URL(apiUrl).hostname;
  if (host !== "localhost" && host !== "127.0.0.1" && host !== "[::1]") return undefined;
  const file = path.join(dataDir, "cli-token");
  return existsSync(file) ? readFileSync(file, "utf8").trim() || undefined : undefined;
}
