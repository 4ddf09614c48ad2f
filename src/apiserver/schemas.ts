// The OpenAPI v3 component schemas of the built-in types (Kubernetes 1.32's), generated at
// build time from client models and type declarations (scripts/gen-openapi-schemas.mjs) into two
// files beside this module: the full schemas (descriptions included) for /openapi/v3, and the
// same without descriptions for field validation. Each is read on first use, never at start-up.
import { readFileSync } from 'node:fs';

/** One OpenAPI v3 schema object, as far as kbox reads it. */
export interface Schema {
  type?: string;
  description?: string;
  format?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  additionalProperties?: Schema | boolean;
  allOf?: Schema[];
  oneOf?: Schema[];
  $ref?: string;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-group-version-kind'?: Array<{ group: string; version: string; kind: string }>;
}

export type SchemaSet = Readonly<Record<string, Schema>>;

const REF_PREFIX = '#/components/schemas/';

function load(file: string): SchemaSet {
  const url = new URL(file, import.meta.url);
  try {
    return JSON.parse(readFileSync(url, 'utf8')) as SchemaSet;
  } catch (err) {
    throw new Error(
      `cannot read ${url.pathname} (written by \`npm run build\`): ${(err as Error).message}`,
    );
  }
}

let full: SchemaSet | undefined;
let structural: SchemaSet | undefined;
let byKind: Map<string, string> | undefined;

/** Every schema with its description, for the OpenAPI documents. */
export function documentedSchemas(): SchemaSet {
  full ??= load('./openapi-schemas.json');
  return full;
}

/** Every schema without descriptions: enough to know which fields exist. */
export function structuralSchemas(): SchemaSet {
  structural ??= load('./openapi-structure.json');
  return structural;
}

function gvkKey(group: string, version: string, kind: string): string {
  return `${group}/${version}/${kind}`;
}

/** The name of the schema tagged with this group/version/kind, if any. */
export function schemaNameOf(group: string, version: string, kind: string): string | undefined {
  if (byKind === undefined) {
    byKind = new Map();
    for (const [name, s] of Object.entries(structuralSchemas())) {
      for (const gvk of s['x-kubernetes-group-version-kind'] ?? []) {
        byKind.set(gvkKey(gvk.group, gvk.version, gvk.kind), name);
      }
    }
  }
  return byKind.get(gvkKey(group, version, kind));
}

/** The schema name a `$ref` points at. */
export function refName(ref: string): string {
  return ref.startsWith(REF_PREFIX) ? ref.slice(REF_PREFIX.length) : ref;
}

/** `s` with `$ref` and single-element `allOf` wrappers followed. */
export function resolveSchema(schemas: SchemaSet, s: Schema): Schema {
  let cur = s;
  for (let i = 0; i < 64; i++) {
    if (cur.$ref !== undefined) {
      const next = schemas[refName(cur.$ref)];
      if (next === undefined) return {};
      cur = next;
    } else if (cur.allOf?.length === 1 && cur.properties === undefined && cur.allOf[0]) {
      cur = cur.allOf[0];
    } else {
      return cur;
    }
  }
  return cur;
}

/** The names of `roots` and of every schema they reference, directly or not, sorted. */
export function reachableSchemas(schemas: SchemaSet, roots: Iterable<string>): string[] {
  const seen = new Set<string>();
  const stack = [...roots];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const v of value) visit(v);
    } else if (typeof value === 'object' && value !== null) {
      for (const [k, v] of Object.entries(value)) {
        if (k === '$ref' && typeof v === 'string') stack.push(refName(v));
        else visit(v);
      }
    }
  };
  for (let name = stack.pop(); name !== undefined; name = stack.pop()) {
    if (seen.has(name) || schemas[name] === undefined) continue;
    seen.add(name);
    visit(schemas[name]);
  }
  return [...seen].sort();
}
