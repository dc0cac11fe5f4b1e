import { describe, expect, it } from "vitest";
import { API_V1_ROUTES, type ApiRoute } from "./api-v1-routes";
import { openApiDocument, pathParamsOf } from "./openapi-document";

const doc = openApiDocument({ version: "test" });
const routes = Object.entries(API_V1_ROUTES) as [string, ApiRoute][];
type Op = {
  operationId: string;
  parameters?: { name: string; in: string; required: boolean }[];
  requestBody?: {
    content: {
      "application/json": {
        schema: { required?: string[]; properties?: object };
        example?: unknown;
      };
    };
  };
  responses: Record<string, unknown>;
};
const opOf = (route: ApiRoute) =>
  (doc.paths[route.path] as Record<string, Op> | undefined)?.[route.method];

describe("the OpenAPI document", () => {
  it("is OpenAPI 3.1 with bearer auth, one operation per route and unique operation ids", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.components.securitySchemes.bearerToken).toMatchObject({
      type: "http",
      scheme: "bearer",
    });
    const ids = Object.values(doc.paths).flatMap((methods) =>
      Object.values(methods as Record<string, Op>).map((op) => op.operationId),
    );
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(routes.map(([name]) => name).sort());
    // Serializable as served: no functions or undefined left by the generator.
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
  });

  it("declares every path parameter and documents errors", () => {
    for (const [name, route] of routes) {
      const op = opOf(route)!;
      const declared = (op.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name);
      expect(declared, name).toEqual(pathParamsOf(route.path));
      expect(Object.keys(op.responses), name).toEqual(
        expect.arrayContaining([String(route.success.status), "400", "401", "403", "404"]),
      );
    }
  });

  it("documents each request body with the schema the server parses, and a valid example", () => {
    for (const [name, route] of routes) {
      const body = opOf(route)!.requestBody?.content["application/json"];
      if (!route.body) {
        expect(body, name).toBeUndefined();
        continue;
      }
      expect(body?.schema.properties, name).toBeDefined();
      expect(route.body.safeParse(body?.example).success, `${name} example`).toBe(true);
      // Each property the document calls required is one the server refuses to do without.
      for (const field of body?.schema.required ?? []) {
        const broken = { ...(body?.example as object) } as Record<string, unknown>;
        delete broken[field];
        const parsed = route.body.safeParse(broken);
        expect(parsed.success, `${name} without ${field}`).toBe(false);
        expect(parsed.error?.issues[0]?.path[0], `${name} without ${field}`).toBe(field);
      }
    }
  });
});
