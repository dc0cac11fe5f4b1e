export type Scalar = string | number | boolean | null;

/** `{ head: { type: "svm" } }` → `head.type = "svm"`; arrays are compared as one value. */
export function flattenConfig(value: unknown, prefix = ""): Map<string, Scalar> {
  const out = new Map<string, Scalar>();
  const visit = (v: unknown, path: string) => {
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      for (const [key, child] of Object.entries(v)) visit(child, path ? `${path}.${key}` : key);
    } else if (Array.isArray(v)) {
      out.set(path, JSON.stringify(v));
    } else if (v === undefined) {
      // absent: nothing to compare
    } else {
      out.set(path, v as Scalar);
    }
  };
  visit(value, prefix);
  return out;
}

export interface ConfigDiff {
  /** Settings whose value is not the same in every column (absent counts as a value), in first-seen order. */
  differing: { path: string; values: (Scalar | undefined)[] }[];
  /** Settings every column has with the same value. */
  shared: { path: string; value: Scalar }[];
}

/** What differs between configurations: the rows a config diff shows, and what they all share. */
export function diffConfigs(columns: readonly unknown[]): ConfigDiff {
  const flat = columns.map((c) => flattenConfig(c));
  const paths: string[] = [];
  const seen = new Set<string>();
  for (const f of flat)
    for (const path of f.keys()) {
      if (seen.has(path)) continue;
      seen.add(path);
      paths.push(path);
    }
  const differing: ConfigDiff["differing"] = [];
  const shared: ConfigDiff["shared"] = [];
  for (const path of paths) {
    const values = flat.map((f) => (f.has(path) ? f.get(path)! : undefined));
    const first = values[0];
    if (values.every((v) => v === first) && first !== undefined)
      shared.push({ path, value: first });
    else differing.push({ path, values });
  }
  return { differing, shared };
}

export function formatScalar(value: Scalar | undefined): string {
  if (value === undefined) return "—";
  if (value === null) return "none";
  if (typeof value === "boolean") return value ? "yes" : "no";
  return String(value);
}
