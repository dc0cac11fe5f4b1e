import { catalogRouter } from "./routers/catalog-router";
import { experimentRouter } from "./routers/experiment-router";
import { runRouter } from "./routers/run-router";
import { workerRouter } from "./routers/worker-router";
import { createCallerFactory, router } from "./trpc";

export const appRouter = router({
  experiment: experimentRouter,
  run: runRouter,
  worker: workerRouter,
  catalog: catalogRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
