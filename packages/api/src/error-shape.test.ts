import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { TRPCError } from "@trpc/server";
import { describe, expect, it } from "vitest";
import { CreateExperimentInput } from "@tlab/core/experiment";
import { PRESETS } from "@tlab/core/presets";
import { errorIdOf } from "./error-id";
import { appRouter } from "./root";

describe("the API's error shape", () => {
  it("carries a bad input's issues by top-level field and with their whole path", () => {
    const parsed = CreateExperimentInput.safeParse({
      ...PRESETS.digits,
      epochs: 0,
      strategies: [PRESETS.digits.strategies[0], { kind: "partial", learningRate: -1 }],
    });
    expect(parsed.success).toBe(false);
    const error = new TRPCError({ code: "BAD_REQUEST", cause: parsed.error });
    const shape = appRouter._def._config.errorFormatter({
      error,
      type: "mutation",
      path: "experiment.create",
      input: undefined,
      ctx: undefined,
      shape: {
        message: error.message,
        code: -32600,
        data: {
          code: "BAD_REQUEST",
          httpStatus: getHTTPStatusCodeFromError(error),
          path: "experiment.create",
        },
      },
    }) as {
      data: {
        zodError: {
          fieldErrors: Record<string, string[]>;
          issues: { path: string; message: string }[];
        };
      };
    };
    expect(shape.data.zodError.fieldErrors.epochs).toEqual([
      "must be a whole number from 1 to 100",
    ]);
    expect(shape.data.zodError.issues).toContainEqual({
      path: "epochs",
      message: "must be a whole number from 1 to 100",
    });
    expect(shape.data.zodError.issues.find((i) => i.path.startsWith("strategies.1."))?.path).toBe(
      "strategies.1.learningRate",
    );
  });
});

describe("unexpected server errors", () => {
  it("answer a generic message with an error id, never the cause's text or stack", () => {
    const cause = new Error(
      'Invalid `prisma.run.findMany()` invocation: SELECT "main"."Run"."id" FROM "main"."Run" WHERE ... /srv/tlab/node_modules/.prisma',
    );
    const error = new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: cause.message, cause });
    const format = () =>
      appRouter._def._config.errorFormatter({
        error,
        type: "query",
        path: "run.table",
        input: undefined,
        ctx: undefined,
        shape: {
          message: error.message,
          code: -32603,
          data: {
            code: "INTERNAL_SERVER_ERROR",
            httpStatus: 500,
            path: "run.table",
            stack: error.stack,
          },
        },
      }) as { message: string; data: Record<string, unknown> };
    const shape = format();
    expect(shape.message).toMatch(
      /^unexpected error on the server \(error id [0-9a-f]{12}\); the detail is in the server log$/,
    );
    expect(JSON.stringify(shape)).not.toMatch(/prisma|SELECT|node_modules/i);
    expect(shape.data.stack).toBeUndefined();
    // The id is the one the server logs for this error.
    expect(shape.message).toContain(errorIdOf(error));
    expect(format().message).toBe(shape.message);
  });
});
