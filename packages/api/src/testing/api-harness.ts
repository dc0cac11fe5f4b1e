import { TRPCError } from "@trpc/server";
import { expect } from "vitest";
import type { FinalMetrics } from "@tlab/core/run";
import type { Principal, Role, SessionUser } from "@tlab/core/access";
import type { Db } from "@tlab/db/client";
import { createTestDb } from "@tlab/db/testing/create-test-db";
import { createContextInner } from "../context";
import { createCaller } from "../root";
import { createRepositories, createServices } from "../services/create-services";
import type { RunServiceOptions } from "../services/run-service";
import type { WebhookDeliveryOptions } from "../services/webhook-service";
import { accuracyOf, perClassMetrics } from "@tlab/core/classification-metrics";

export const LENET_LAYERS = [
  { name: "conv1", className: "Conv2D", paramCount: 156 },
  { name: "pool1", className: "MaxPooling2D", paramCount: 0 },
  { name: "conv2", className: "Conv2D", paramCount: 2416 },
  { name: "pool2", className: "MaxPooling2D", paramCount: 0 },
  { name: "flatten", className: "Flatten", paramCount: 0 },
  { name: "fc1", className: "Dense", paramCount: 30840 },
  { name: "fc2", className: "Dense", paramCount: 10164 },
];

/**
 * A real migrated database with the digits catalog, one user per role, and callers for each role,
 * for anonymous callers and for a worker. SQLite by default; PostgreSQL (a fresh schema per harness) under TLAB_TEST_DB=postgresql, as `npm run test:pg` sets.
 */
export async function createApiHarness(
  options: RunServiceOptions & { dataDir?: string; webhooks?: WebhookDeliveryOptions } = {},
) {
  const testDb = await createTestDb();
  const services = createServices(testDb.db, {
    ...options,
    webhooks: { secretKey: "test-server-secret-0123456789abcdef", ...options.webhooks },
  });
  // Fixtures and reads a test checks behind the services' back go straight to the repositories.
  const repos = createRepositories(testDb.db);
  await repos.catalog.upsertDataset({
    name: "mnist-digits-5-9",
    description: "",
    spec: { source: "mnist", classes: [5, 6, 7, 8, 9] },
    classNames: ["5", "6", "7", "8", "9"],
  });
  await repos.catalog.upsertBaseModel({
    name: "lenet5-digits-0-4",
    description: "",
    source: "builtin",
    storagePath: "base-models/lenet5-digits-0-4",
    inputShape: [28, 28, 1],
    layers: LENET_LAYERS,
    totalParams: 43576,
    sha256: "0".repeat(64),
  });
  const users = {
    admin: await addTestUser(testDb.db, "admin@example.test", "admin"),
    member: await addTestUser(testDb.db, "member@example.test", "member"),
    viewer: await addTestUser(testDb.db, "viewer@example.test", "viewer"),
  };
  const as = (principal: Principal) => createCaller(createContextInner({ services, principal }));
  const signedIn = (user: SessionUser) => as({ kind: "user", user, via: "session" });
  return {
    ...testDb,
    services,
    repos,
    users,
    /** A member (may launch, cancel, retry): the role most tests act as. */
    user: signedIn(users.member),
    admin: signedIn(users.admin),
    member: signedIn(users.member),
    viewer: signedIn(users.viewer),
    anonymous: as({ kind: "anonymous" }),
    /** A worker holding the server's bootstrap worker token. */
    worker: createCaller(createContextInner({ services, isWorker: true })),
    /** A caller for any principal (e.g. a personal or worker token resolved by `services.tokens.authenticate`). */
    as,
  };
}

/** A user row as better-auth would have written it (without a password: tests call procedures directly). */
export async function addTestUser(db: Db, email: string, role: Role): Promise<SessionUser> {
  const name = email.split("@")[0]!;
  const row = await db.user.create({ data: { id: crypto.randomUUID(), email, name, role } });
  return { id: row.id, email, name, role };
}

/** What a simulated worker registers with. */
export const workerInfoFixture = {
  name: "w",
  hostname: "host",
  backend: "wasm" as const,
  device: "cpu",
  versions: {},
};

/** Final metrics a simulated worker reports: a two-class result, any field overridable. */
export function finalMetricsFixture(overrides: Partial<FinalMetrics> = {}): FinalMetrics {
  const confusionMatrix = [
    [9, 1],
    [0, 10],
  ];
  const classNames = ["5", "6"];
  return {
    testAccuracy: accuracyOf(confusionMatrix),
    testLoss: 0.2,
    confusionMatrix,
    classNames,
    perClass: perClassMetrics(confusionMatrix, classNames),
    bestEpoch: 2,
    epochsRun: 3,
    trainableParams: 100,
    totalParams: 1000,
    wallTimeMs: 1234,
    trainImagesPerSec: 500,
    peakMemoryBytes: 1,
    ...overrides,
  };
}

/** The TRPCError a call rejected with; fails the test when it resolved or threw something else. */
export async function trpcErrorOf(promise: Promise<unknown>): Promise<TRPCError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  return error as TRPCError;
}
