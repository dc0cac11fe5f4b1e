import os from "node:os";
import { createInterface } from "node:readline";
import { Writable } from "node:stream";
import { createTRPCClient, httpLink } from "@trpc/client";
import { Command } from "commander";
import type { AppRouter } from "@tlab/api/root";
import { readEnv } from "../env";
import { createApiClient, fetchNamingApi } from "../worker/api-client";
import { credentialsFile, removeCredential, saveCredential } from "./credentials";

interface LoginOptions {
  apiUrl?: string;
  email?: string;
  passwordStdin?: boolean;
  name?: string;
  print?: boolean;
}

/**
 * `tlab login`: signs in with email and password, creates a personal API token and keeps it for
 * this server (or prints it with --print, for `export TLAB_TOKEN=...`). The password is sent once
 * to the server's sign-in endpoint and never stored.
 */
export function loginCommand(): Command {
  return new Command("login")
    .description(
      "sign in and save a personal API token for this server (used by launch, datasets, models)",
    )
    .option("--api-url <url>", "Transfer Lab API URL (env TLAB_API_URL)")
    .option("--email <email>", "account email (asked when omitted)")
    .option("--password-stdin", "read the password from standard input (for scripts)")
    .option("--name <name>", "name of the token in the dashboard", `tlab CLI on ${os.hostname()}`)
    .option("--print", "print the token on stdout instead of saving it")
    .action(login);
}

export function logoutCommand(): Command {
  return new Command("logout")
    .description("revoke and forget the personal API token `tlab login` saved for this server")
    .option("--api-url <url>", "Transfer Lab API URL (env TLAB_API_URL)")
    .action(async (opts: { apiUrl?: string }) => {
      const apiUrl = opts.apiUrl ?? readEnv().TLAB_API_URL;
      const removed = removeCredential(apiUrl);
      if (!removed) {
        process.stderr.write(`no saved token for ${new URL(apiUrl).origin}\n`);
        return;
      }
      const api = createApiClient(apiUrl, removed.token);
      const me = await api.account.me.query().catch(() => null);
      const revoked = me?.tokenId
        ? await api.token.revokePersonal.mutate({ id: me.tokenId }).then(
            () => true,
            () => false,
          )
        : false;
      process.stderr.write(
        `logged out of ${new URL(apiUrl).origin}${revoked ? " (token revoked)" : ""}\n`,
      );
    });
}

async function login(opts: LoginOptions): Promise<void> {
  const apiUrl = opts.apiUrl ?? readEnv().TLAB_API_URL;
  const origin = new URL(apiUrl).origin;
  const email = opts.email ?? (await ask("Email: "));
  const password = opts.passwordStdin
    ? (await readStdin()).replace(/\r?\n$/, "")
    : await ask("Password: ", { hidden: true });
  if (!email || !password) throw new Error("email and password are required");

  const signIn = await fetchNamingApi(apiUrl, new URL("/api/auth/sign-in/email", apiUrl), {
    method: "POST",
    headers: { "content-type": "application/json", origin },
    body: JSON.stringify({ email, password }),
  });
  if (!signIn.ok) {
    const message = ((await signIn.json().catch(() => ({}))) as { message?: string }).message;
    throw new Error(
      signIn.status === 401
        ? "wrong email or password"
        : `sign-in failed (HTTP ${signIn.status})${message ? `: ${message}` : ""}`,
    );
  }
  const cookie = signIn.headers
    .getSetCookie()
    .map((c) => c.split(";")[0]!)
    .join("; ");
  // The session is used for this one call; the token it creates is what the CLI keeps.
  const api = createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: new URL("/api/trpc", apiUrl).toString(),
        headers: () => ({ cookie, origin }),
      }),
    ],
  });
  const created = await api.token.createPersonal.mutate({
    name: opts.name ?? `tlab CLI on ${os.hostname()}`,
  });
  await fetch(new URL("/api/auth/sign-out", apiUrl), {
    method: "POST",
    headers: { cookie, origin, "content-type": "application/json" },
    body: "{}",
  }).catch(() => undefined);
  if (opts.print) {
    process.stdout.write(`${created.token}\n`);
    return;
  }
  saveCredential(apiUrl, { token: created.token, email: created.info.ownerEmail });
  process.stderr.write(
    `logged in to ${origin} as ${created.info.ownerEmail}; personal token "${created.info.name}" saved in ${credentialsFile()}\n`,
  );
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** A question on the terminal; with `hidden`, typed characters are not echoed (for passwords). */
function ask(question: string, opts: { hidden?: boolean } = {}): Promise<string> {
  if (!process.stdin.isTTY)
    throw new Error(
      `${question.replace(/: $/, "")} is required: pass --email and --password-stdin when not on a terminal`,
    );
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      rl.close();
      if (opts.hidden) process.stderr.write("\n");
      resolve(answer.trim());
    });
    muted = opts.hidden ?? false;
  });
}
