import type { OpenApiDocument } from "@tlab/api/http/openapi-document";
import { SchemaFields, type SchemaNode } from "./schema-fields";

interface Parameter {
  name: string;
  in: string;
  required: boolean;
  schema: SchemaNode;
}

interface Operation {
  operationId: string;
  summary: string;
  description?: string;
  "x-tlab-access": string;
  parameters?: Parameter[];
  requestBody?: { content: { "application/json": { schema: SchemaNode; example?: unknown } } };
  responses: Record<string, { description: string }>;
}

/** The OpenAPI document for people: each operation with its parameters, body fields and answers. */
export function ApiReference({ document }: { document: OpenApiDocument }) {
  const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods as Record<string, Operation>).map(([method, op]) => ({
      path,
      method,
      op,
    })),
  );
  return (
    <>
      <p>{document.info.description}</p>
      <p>
        The machine-readable document: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI{" "}
        {document.openapi}). A Python client is in <code>clients/python</code> of the repository.
      </p>
      <nav aria-label="Operations">
        <ul>
          {operations.map(({ path, method, op }) => (
            <li key={op.operationId}>
              <a href={`#${op.operationId}`}>
                <code>
                  {method.toUpperCase()} {path}
                </code>
              </a>{" "}
              {op.summary}
            </li>
          ))}
        </ul>
      </nav>
      {operations.map(({ path, method, op }) => {
        const body = op.requestBody?.content["application/json"];
        return (
          <section key={op.operationId} id={op.operationId} className="api-operation">
            <h2>
              <code>
                {method.toUpperCase()} {path}
              </code>
            </h2>
            <p>
              {op.summary}. <span className="muted">Needs the {op["x-tlab-access"]} role.</span>
            </p>
            {op.description ? <p>{op.description}</p> : null}
            {op.parameters && op.parameters.length > 0 ? (
              <>
                <h3>Parameters</h3>
                <ul>
                  {op.parameters.map((p) => (
                    <li key={`${p.in}-${p.name}`}>
                      <code>{p.name}</code> ({p.in}
                      {p.required ? ", required" : ""})
                    </li>
                  ))}
                </ul>
              </>
            ) : null}
            {body ? (
              <>
                <h3>Request body</h3>
                <SchemaFields schema={body.schema} />
                {body.example !== undefined ? (
                  <pre className="api-example">{JSON.stringify(body.example, null, 2)}</pre>
                ) : null}
              </>
            ) : null}
            <h3>Responses</h3>
            <ul>
              {Object.entries(op.responses).map(([status, r]) => (
                <li key={status}>
                  <code>{status}</code> {r.description}
                </li>
              ))}
            </ul>
          </section>
        );
      })}
    </>
  );
}
