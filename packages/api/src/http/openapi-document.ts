import { z } from "zod";
import { API_V1_ROUTES, type ApiRoute, PATH_PARAMS } from "./api-v1-routes";

/** JSON Schema 2020-12 (OpenAPI 3.1's dialect) of what a client may send: inputs before defaults apply. */
function inputSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io: "input",
    target: "draft-2020-12",
    unrepresentable: "any",
  }) as Record<string, unknown>;
  return rest;
}

function outputSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io: "output",
    target: "draft-2020-12",
    unrepresentable: "any",
  }) as Record<string, unknown>;
  return rest;
}

const ErrorBody = {
  type: "object",
  required: ["error"],
  properties: {
    error: { type: "string", description: "What is wrong, starting with the field it concerns." },
    issues: {
      type: "array",
      description: "Each invalid field of the request, with its whole path (e.g. `points.0.step`).",
      items: {
        type: "object",
        required: ["path", "message"],
        properties: { path: { type: "string" }, message: { type: "string" } },
      },
    },
  },
} as const;

const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
});

/** Every path parameter of a template, in order: `{experimentId}` → experimentId. */
export function pathParamsOf(path: string): (keyof typeof PATH_PARAMS)[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as keyof typeof PATH_PARAMS);
}

function operation(name: string, route: ApiRoute): Record<string, unknown> {
  const parameters: Record<string, unknown>[] = pathParamsOf(route.path).map((param) => ({
    name: param,
    in: "path",
    required: true,
    schema: inputSchema(PATH_PARAMS[param]),
  }));
  if (route.query) {
    const query = inputSchema(route.query) as {
      properties?: Record<string, Record<string, unknown>>;
      required?: string[];
    };
    for (const [param, schema] of Object.entries(query.properties ?? {}))
      parameters.push({
        name: param,
        in: "query",
        required: query.required?.includes(param) ?? false,
        schema,
      });
  }
  const success: Record<string, unknown> = { description: route.success.description };
  if (route.success.schema)
    success.content = { "application/json": { schema: outputSchema(route.success.schema) } };
  const responses: Record<string, unknown> = {
    [String(route.success.status)]: success,
    "400": errorResponse("Invalid input: the error names the field and what it allows."),
    "401": errorResponse("No valid token: send `Authorization: Bearer <personal API token>`."),
    "403": errorResponse(
      route.access === "member"
        ? "The token's user may not do this (a member or admin may)."
        : "The token's account is deactivated.",
    ),
    "404": errorResponse("No such experiment or run."),
  };
  if (route.method === "post")
    responses["409"] = errorResponse(
      "The experiment or run is not in a state that allows this (e.g. it already ended, or it is trained by workers).",
    );
  return {
    operationId: name,
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: [route.tag],
    "x-tlab-access": route.access,
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(route.body
      ? {
          requestBody: {
            required: true,
            content: {
              "application/json": {
                schema: inputSchema(route.body),
                ...(route.example === undefined ? {} : { example: route.example }),
              },
            },
          },
        }
      : {}),
    responses,
  };
}

/**
 * The OpenAPI 3.1 document of /api/v1, generated from the route table and its zod schemas;
 * served at GET /api/openapi.json and rendered on the dashboard's API page.
 */
export function openApiDocument(opts: { version: string; serverUrl?: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [name, route] of Object.entries(API_V1_ROUTES) as [string, ApiRoute][]) {
    paths[route.path] ??= {};
    paths[route.path]![route.method] = operation(name, route);
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Transfer Lab API",
      version: opts.version,
      description:
        "Report runs trained anywhere (PyTorch, Keras, …) into Transfer Lab experiments, and read experiments, runs, metrics and comparisons. Authenticate with a personal API token (Settings → API tokens) as `Authorization: Bearer <token>`. Reads need the viewer role, writes member. Every error is JSON `{ error, issues? }` naming the field.",
    },
    ...(opts.serverUrl ? { servers: [{ url: opts.serverUrl }] } : {}),
    security: [{ bearerToken: [] }],
    tags: [
      {
        name: "Experiments",
        description: "External experiments and the read side of all experiments.",
      },
      { name: "Runs", description: "Runs reported by a client, and the read side of all runs." },
    ],
    paths,
    components: {
      securitySchemes: {
        bearerToken: {
          type: "http",
          scheme: "bearer",
          description: "A personal API token (Settings → API tokens).",
        },
      },
      schemas: { Error: ErrorBody },
    },
  };
}

export type OpenApiDocument = ReturnType<typeof openApiDocument>;
