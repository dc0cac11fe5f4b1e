/** A JSON Schema node as z.toJSONSchema writes it (the parts the API page shows). */
export interface SchemaNode {
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
  required?: string[];
  items?: SchemaNode;
  additionalProperties?: SchemaNode | boolean;
  anyOf?: SchemaNode[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  description?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
}

function typeOf(node: SchemaNode): string {
  if (node.enum) return node.enum.map((v) => JSON.stringify(v)).join(" | ");
  if (node.const !== undefined) return JSON.stringify(node.const);
  if (node.anyOf) return node.anyOf.map(typeOf).join(" | ");
  if (node.type === "array") return `${node.items ? typeOf(node.items) : "any"}[]`;
  if (
    node.type === "object" &&
    node.additionalProperties &&
    typeof node.additionalProperties === "object"
  )
    return `{ [key]: ${typeOf(node.additionalProperties)} }`;
  return Array.isArray(node.type) ? node.type.join(" | ") : (node.type ?? "any");
}

/** "0 < x ≤ 1", "at most 200 characters": the bounds a field's schema states. */
function limitsOf(node: SchemaNode): string[] {
  const out: string[] = [];
  const low =
    node.exclusiveMinimum !== undefined
      ? `> ${node.exclusiveMinimum}`
      : node.minimum !== undefined
        ? `≥ ${node.minimum}`
        : null;
  const high = node.maximum !== undefined ? `≤ ${node.maximum}` : null;
  if (low || high) out.push([low, high].filter(Boolean).join(", "));
  if (node.minLength !== undefined) out.push(`at least ${node.minLength} characters`);
  if (node.maxLength !== undefined) out.push(`at most ${node.maxLength} characters`);
  if (node.minItems !== undefined) out.push(`at least ${node.minItems} items`);
  if (node.maxItems !== undefined) out.push(`at most ${node.maxItems} items`);
  if (node.pattern) out.push(`pattern ${node.pattern}`);
  if (node.default !== undefined) out.push(`default ${JSON.stringify(node.default)}`);
  return out;
}

interface Row {
  name: string;
  node: SchemaNode;
  required: boolean;
}

/** Flattens nested objects (and arrays of objects) into dotted names: `points[].step`. */
function rowsOf(node: SchemaNode, prefix = ""): Row[] {
  const required = new Set(node.required ?? []);
  return Object.entries(node.properties ?? {}).flatMap(([key, child]) => {
    const name = prefix ? `${prefix}.${key}` : key;
    const row = { name, node: child, required: required.has(key) };
    if (child.properties) return [row, ...rowsOf(child, name)];
    if (child.type === "array" && child.items?.properties)
      return [row, ...rowsOf(child.items, `${name}[]`)];
    return [row];
  });
}

/** A schema as a table of fields: name, type, required, limits and description. */
export function SchemaFields({ schema }: { schema: SchemaNode }) {
  const rows = rowsOf(schema);
  if (rows.length === 0) return <p className="muted">{typeOf(schema)}</p>;
  return (
    <div className="table-scroll">
      <table className="data-table">
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">Type</th>
            <th scope="col">Required</th>
            <th scope="col">Allowed</th>
            <th scope="col">Description</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.name}>
              <td>
                <code>{row.name}</code>
              </td>
              <td>
                <code>{typeOf(row.node)}</code>
              </td>
              <td>{row.required ? "yes" : "no"}</td>
              <td>{limitsOf(row.node).join("; ")}</td>
              <td>{row.node.description ?? ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
