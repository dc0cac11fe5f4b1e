import { createTestDb } from "@tlab/db/testing/create-test-db";
import { createContextInner } from "./context";
import { createCaller } from "./root";
import { createServices } from "./services/create-services";
import type { RunServiceOptions } from "./services/run-service";

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
 * A real migrated database with the digits catalog, and callers for a user and a worker. SQLite by
 * default; PostgreSQL (a fresh schema per harness) under TLAB_TEST_DB=postgresql, as `npm run test:pg` sets.
 */
export async function createApiHarness(options: RunServiceOptions = {}) {
  const testDb = await createTestDb();
  const services = createServices(testDb.db, options);
  await services.catalog.upsertDataset({
    name: "mnist-digits-5-9",
    description: "",
    spec: { source: "mnist", classes: [5, 6, 7, 8, 9] },
    classNames: ["5", "6", "7", "8", "9"],
  });
  await services.catalog.upsertBaseModel({
    name: "lenet5-digits-0-4",
    description: "",
    source: "builtin",
    storagePath: "base-models/lenet5-digits-0-4",
    inputShape: [28, 28, 1],
    layers: LENET_LAYERS,
    totalParams: 43576,
    sha256: "0".repeat(64),
  });
  return {
    ...testDb,
    services,
    user: createCaller(createContextInner({ services })),
    worker: createCaller(createContextInner({ services, isWorker: true })),
  };
}
