// Unknown fields of built-in objects, found and dropped through their OpenAPI schema, as upstream
// drops them by decoding JSON into Go structs. Paths are written as upstream's strict decoder
// (sigs.k8s.io/json) writes them: `spec.containers[0].foo`, map keys as `.key`. Below
// `x-kubernetes-preserve-unknown-fields` (RawExtension, FieldsV1, JSON) and below scalars
// (IntOrString, Quantity) nothing is checked.
import { isJsonObject } from './patch/json-value.js';
import { resolveSchema, type Schema, type SchemaSet } from './schemas.js';

/** One step of a path: a field (or map key), or a list element. */
export type Segment =
  { readonly field: string } | { readonly index: number; readonly item: unknown };

/** A path as upstream's strict JSON decoder writes it: `spec.containers[0].foo`. */
export function decoderPath(path: readonly Segment[]): string {
  let out = '';
  for (const seg of path) {
    if ('field' in seg) out = out === '' ? seg.field : `${out}.${seg.field}`;
    else out += `[${seg.index}]`;
  }
  return out;
}

/** resolveSchema's answers per schema set: the sets are loaded once and never change. */
const resolvedSchemas = new WeakMap<SchemaSet, WeakMap<Schema, Schema>>();

/**
 * The paths of the fields of `value` that `schema` does not declare, in document order; with
 * `prune` they are also deleted from `value`.
 */
export function unknownFields(
  schemas: SchemaSet,
  schema: Schema,
  value: unknown,
  prune: boolean,
): Segment[][] {
  const out: Segment[][] = [];
  // The path to the value being walked, innermost step first: made into an array only for an
  // unknown field, so that the walk over a valid object allocates no paths.
  interface Steps {
    readonly seg: Segment;
    readonly up: Steps | undefined;
  }
  const pathOf = (steps: Steps | undefined): Segment[] => {
    const path: Segment[] = [];
    for (let s = steps; s !== undefined; s = s.up) path.push(s.seg);
    return path.reverse();
  };
  let resolved = resolvedSchemas.get(schemas);
  if (resolved === undefined) resolvedSchemas.set(schemas, (resolved = new WeakMap()));
  const cache = resolved;
  const walk = (v: unknown, raw: Schema, steps: Steps | undefined): void => {
    // Scalars have nothing below them to check.
    if (typeof v !== 'object' || v === null) return;
    let s = cache.get(raw);
    if (s === undefined) cache.set(raw, (s = resolveSchema(schemas, raw)));
    if (s['x-kubernetes-preserve-unknown-fields'] === true) return;
    if (Array.isArray(v)) {
      const items = s.items;
      if (items === undefined) return;
      v.forEach((item: unknown, index) => walk(item, items, { seg: { index, item }, up: steps }));
      return;
    }
    if (!isJsonObject(v)) return;
    if (s.properties !== undefined) {
      for (const key of Object.keys(v)) {
        const sub = Object.hasOwn(s.properties, key) ? s.properties[key] : undefined;
        if (sub === undefined) {
          out.push(pathOf({ seg: { field: key }, up: steps }));
          if (prune) delete v[key];
        } else {
          walk(v[key], sub, { seg: { field: key }, up: steps });
        }
      }
    } else if (typeof s.additionalProperties === 'object') {
      const sub = s.additionalProperties;
      for (const key of Object.keys(v)) walk(v[key], sub, { seg: { field: key }, up: steps });
    }
  };
  walk(value, schema, undefined);
  return out;
}
