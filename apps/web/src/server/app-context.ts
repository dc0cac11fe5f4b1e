import { createAuth, type Auth } from "@tlab/api/auth/create-auth";
import type { RequestAuth } from "@tlab/api/auth/request-principal";
import { createServices, type Services } from "@tlab/api/services/create-services";
import { createDb, tuneSqlite, type Db, type DbProvider } from "@tlab/db/client";
import { getEnv, type Env } from "./env";

/** Everything a request needs. */
export interface AppContext {
  env: Env;
  db: Db;
  provider: DbProvider;
  services: Services;
  /** better-auth: accounts, sessions, sign-in (served at /api/auth/*). */
  auth: Auth;
  /** What resolving a request's caller needs (server/request-auth.ts). */
  requestAuth: RequestAuth;
}

// Next bundles instrumentation.ts and every route as separate module graphs, each with its own
// copy of our workspace packages, so objects must not cross from one graph to another: a
// DomainError thrown by another graph's services fails the tRPC middleware's `instanceof` test
// (the client would get a 500 instead of a 400), and `providerOf(db)` only knows clients its own
// copy of @tlab/db opened. Hence two scopes:
// - per module graph (a module variable): the database client and the services over it;
// - per process (globalThis): registering the catalog and the lease sweeper, which must happen
//   once however many graphs there are. The sweeper runs on the client of the graph that booted
//   first, normally instrumentation.ts at server start.
let graphContext: Promise<AppContext> | undefined;

export function getAppContext(): Promise<AppContext> {
  graphContext ??= createGraphContext().catch((error: unknown) => {
    // Let a later call retry (e.g. after migrations were applied) instead of caching the failure.
    graphContext = undefined;
    throw error;
  });
  return graphContext;
}

async function createGraphContext(): Promise<AppContext> {
  const env = getEnv();
  const { db, provider } = createDb(env.DATABASE_URL);
  try {
    // Per connection: busy timeout and synchronous mode are connection settings.
    if (provider === "sqlite") await tuneSqlite(db);
    const services = createServices(db, {
      dataDir: env.DATA_DIR,
      leaseMs: env.TLAB_LEASE_MS,
      webhooks: {
        secretKey: env.TLAB_AUTH_SECRET,
        retryBaseMs: env.TLAB_WEBHOOKS.retryBaseMs,
        timeoutMs: env.TLAB_WEBHOOKS.timeoutMs,
        maxAttempts: env.TLAB_WEBHOOKS.maxAttempts,
      },
    });
    const auth = createAuth({
      db,
      provider,
      secret: env.TLAB_AUTH_SECRET,
      baseURL: env.TLAB_PUBLIC_URL,
    });
    await bootProcessOnce(env, services, auth);
    return {
      env,
      db,
      provider,
      services,
      auth,
      requestAuth: { auth, tokens: services.tokens, bootstrapWorkerToken: env.TLAB_WORKER_TOKEN },
    };
  } catch (error) {
    await db.$disconnect().catch(() => undefined);
    throw error;
  }
}

const BOOT_KEY = Symbol.for("tlab.web.processBoot");
const BOOTED_KEY = Symbol.for("tlab.web.processBooted");
type BootHolder = typeof globalThis & { [BOOT_KEY]?: Promise<void>; [BOOTED_KEY]?: true };

function bootProcessOnce(env: Env, services: Services, auth: Auth): Promise<void> {
  const holder = globalThis as BootHolder;
  holder[BOOT_KEY] ??= bootProcess(env, services, auth).then(
    () => {
      holder[BOOTED_KEY] = true;
    },
    (error: unknown) => {
      delete holder[BOOT_KEY];
      throw error;
    },
  );
  return holder[BOOT_KEY];
}

/** Whether this process has registered the catalog and the admin account (per process, any graph). */
export function processBooted(): boolean {
  return (globalThis as BootHolder)[BOOTED_KEY] === true;
}

async function bootProcess(env: Env, services: Services, auth: Auth): Promise<void> {
  try {
    const { skipped } = await services.catalog.seed(env.DATA_DIR);
    for (const { dir, problem } of skipped)
      console.warn(
        `[tlab] base model directory ${dir} not registered: ${problem}; fix its base-model.json or remove the directory`,
      );
  } catch (error) {
    throw new Error(
      `could not register the catalog in ${env.DATABASE_URL} (have the migrations been applied? run \`npm run db:migrate\`): ${errorMessage(error)}`,
      { cause: error },
    );
  }
  if (env.TLAB_ADMIN) await createAdminFromEnv(env.TLAB_ADMIN, services, auth);
  else if ((await services.userAdmin.countAccounts()) === 0) {
    console.info(
      "[tlab] no accounts yet: open the dashboard to create the admin account (or set TLAB_ADMIN_EMAIL and TLAB_ADMIN_PASSWORD)",
    );
  }
  startLeaseSweeper(services, env.SWEEP_INTERVAL_MS, env.TLAB_LEASE_MS);
  startWebhookDelivery(services, env.TLAB_WEBHOOKS.pollMs);
}

/**
 * Non-interactive first start: with TLAB_ADMIN_EMAIL and TLAB_ADMIN_PASSWORD set (by the operator,
 * or by `npm start` for its local admin) and no account yet, that account is created through the
 * same sign-up as the dashboard's, so it becomes the admin. Once any account exists the variables
 * are ignored (the password is never reset from here).
 */
async function createAdminFromEnv(
  admin: { email: string; password: string; source: string },
  services: Services,
  auth: Auth,
): Promise<void> {
  if ((await services.userAdmin.countAccounts()) > 0) return;
  try {
    await auth.api.signUpEmail({
      body: {
        email: admin.email,
        password: admin.password,
        name: admin.email.split("@")[0] ?? "admin",
      },
    });
    console.info(`[tlab] created the admin account ${admin.email} (${admin.source})`);
  } catch (error) {
    // Another replica may have created the first account at the same moment: only a real failure is fatal.
    if ((await services.userAdmin.countAccounts()) === 0)
      throw new Error(
        `could not create the admin account from ${admin.source}: ${errorMessage(error)}`,
        { cause: error },
      );
  }
}

/**
 * The server owns lease expiry: runs whose worker stopped heartbeating go back to the queue (or
 * fail after their last attempt). One sweep at a time; a failed sweep is logged and the next one
 * tries again, so a transient database error never takes the server down.
 *
 * The first sweep waits one lease after start: leases that ran out while no server answered (a
 * restart, an outage) say nothing about their workers, which were retrying all along. Live workers
 * heartbeat within half a lease of the server's return; only the leases of gone ones expire.
 */
function startLeaseSweeper(services: Services, intervalMs: number, leaseMs: number): void {
  let sweeping = false;
  const firstSweepAt = Date.now() + leaseMs;
  const timer = setInterval(() => {
    if (sweeping || Date.now() < firstSweepAt) return;
    sweeping = true;
    services.runs
      .sweepExpiredLeases()
      .then(({ requeued, failed }) => {
        if (requeued + failed > 0)
          console.info(
            `[tlab] lease sweeper: requeued ${requeued} run(s), failed ${failed} run(s)`,
          );
      })
      .catch((error: unknown) =>
        console.error(`[tlab] lease sweeper failed: ${errorMessage(error)}`),
      )
      .finally(() => {
        sweeping = false;
      });
  }, intervalMs);
  // The sweeper must not keep a stopping process alive.
  timer.unref();
}

/**
 * Sends the webhook outbox: every web process polls, and each due delivery is claimed by exactly
 * one of them (WebhookService.deliverDue), so replicas share the work. One pass at a time; a
 * pending delivery left by a stopped server is sent by the next pass of any server. Like the
 * sweeper, a failed pass is logged and the next one tries again.
 */
function startWebhookDelivery(services: Services, pollMs: number): void {
  let delivering = false;
  let prunedAt = 0;
  const pass = async () => {
    // Settled deliveries past their retention go once an hour (any replica may do it; it is idempotent).
    if (Date.now() - prunedAt > 3_600_000) {
      prunedAt = Date.now();
      await services.webhooks.pruneSettled();
    }
    return services.webhooks.deliverDue();
  };
  const timer = setInterval(() => {
    if (delivering) return;
    delivering = true;
    pass()
      .then(({ delivered, retrying, failed }) => {
        if (retrying + failed > 0)
          console.warn(
            `[tlab] webhooks: ${delivered} delivered, ${retrying} to retry, ${failed} failed for good (see Settings → Webhooks)`,
          );
      })
      .catch((error: unknown) =>
        console.error(`[tlab] webhook delivery failed: ${errorMessage(error)}`),
      )
      .finally(() => {
        delivering = false;
      });
  }, pollMs);
  timer.unref();
}

/** One line: Prisma's messages span several lines with blank ones between. */
function errorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .join(" ");
}
