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
  const walk = (v: unknown, raw: Schema, path: Segment[]): void => {
    const s = resolveSchema(schemas, raw);
    if (s['x-kubernetes-preserve-unknown-fields'] === true) return;
    if (Array.isArray(v)) {
      const items = s.items;
      if (items === undefined) return;
      v.forEach((item: unknown, index) => walk(item, items, [...path, { index, item }]));
      return;
    }
    if (!isJsonObject(v)) return;
    if (s.properties !== undefined) {
      for (const key of Object.keys(v)) {
        const sub = Object.hasOwn(s.properties, key) ? s.properties[key] : undefined;
        if (sub === undefined) {
          out.push([...path, { field: key }]);
          if (prune) delete v[key];
        } else {
          walk(v[key], sub, [...path, { field: key }]);
        }
      }
    } else if (typeof s.additionalProperties === 'object') {
      const sub = s.additionalProperties;
      for (const key of Object.keys(v)) walk(v[key], sub, [...path, { field: key }]);
    }
  };
  walk(value, schema, []);
  return out;
}
