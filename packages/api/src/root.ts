import { accountRouter } from "./routers/account-router";
import { catalogRouter } from "./routers/catalog-router";
import { experimentRouter } from "./routers/experiment-router";
import { reviewRouter } from "./routers/review-router";
import { runRouter } from "./routers/run-router";
import { tokenRouter } from "./routers/token-router";
import { userRouter } from "./routers/user-router";
import { webhookRouter } from "./routers/webhook-router";
import { workerRouter } from "./routers/worker-router";
import { createCallerFactory, router } from "./trpc";

export const appRouter = router({
  experiment: experimentRouter,
  run: runRouter,
  worker: workerRouter,
  catalog: catalogRouter,
  account: accountRouter,
  token: tokenRouter,
  user: userRouter,
  review: reviewRouter,
  webhook: webhookRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
