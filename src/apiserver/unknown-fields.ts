// Unknown fields and wrongly typed values of built-in objects, found through their OpenAPI schema
// in one walk, as upstream finds them by decoding JSON into Go structs. Unknown fields are dropped
// (as decoding drops them); their paths are written as upstream's strict decoder
// (sigs.k8s.io/json) writes them: `spec.containers[0].foo`, map keys as `.key`. A value of the
// wrong JSON type (a number for a string, a string for a list...) is a type mismatch, which fails
// the request whatever fieldValidation says (field-types.ts words it). JSON null fits anything, as
// Go decodes null into any type. Below `x-kubernetes-preserve-unknown-fields` (RawExtension,
// FieldsV1, JSON) nothing is checked. A Quantity written as a JSON number (`cpu: 0.5`) is
// replaced by its canonical string (`500m`), as upstream stores it: every component reads
// quantities as strings.
import { canonicalQuantity, formatDecimalQuantity } from '../api/quantity.js';
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
 * What a schema asks of a value, as Go's decoder sees the type behind it. `custom` types decode
 * through their own UnmarshalJSON (IntOrString, Quantity, Time), whose errors end the decoding.
 */
export type Shape =
  | 'any'
  | 'string'
  | 'int32'
  | 'int64'
  | 'float'
  | 'bool'
  | 'struct'
  | 'map'
  | 'list'
  | 'intOrString'
  | 'quantity'
  | 'time';

/** Shapes whose Go type has its own UnmarshalJSON. */
export function isCustomShape(shape: Shape): boolean {
  return shape === 'intOrString' || shape === 'quantity' || shape === 'time';
}

/** The shape of a resolved schema. */
export function shapeOf(s: Schema): Shape {
  if (s['x-kubernetes-preserve-unknown-fields'] === true) return 'any';
  if (s.format === 'int-or-string') return 'intOrString';
  if (s.oneOf !== undefined) {
    const types = s.oneOf.map((o) => o.type);
    return types.includes('string') && types.includes('number') ? 'quantity' : 'any';
  }
  switch (s.type) {
    case 'string':
      return s.format === 'date-time' ? 'time' : 'string';
    case 'integer':
      return s.format === 'int64' ? 'int64' : 'int32';
    case 'number':
      return 'float';
    case 'boolean':
      return 'bool';
    case 'array':
      return 'list';
    case 'object':
      if (s.properties !== undefined) return 'struct';
      return typeof s.additionalProperties === 'object' ? 'map' : 'any';
    default:
      return s.properties !== undefined ? 'struct' : 'any';
  }
}

/** A value whose JSON type the schema does not accept. */
export interface Mismatch {
  readonly path: Segment[];
  readonly value: unknown;
  readonly shape: Shape;
  /** The number as written in the JSON text, where JSON.parse's number reads otherwise. */
  readonly literal?: string;
}

export interface WalkResult {
  /** The paths of undeclared fields, in document order. */
  readonly unknown: Segment[][];
  /** The type mismatches in document order (nothing below a mismatched value is looked at). */
  readonly mismatches: Mismatch[];
}

interface Resolved {
  readonly schema: Schema;
  readonly shape: Shape;
}

/** resolveSchema's answers per schema set: the sets are loaded once and never change. */
const resolvedSchemas = new WeakMap<SchemaSet, WeakMap<Schema, Resolved>>();

/** The resolution cache of a schema set. */
export function resolver(schemas: SchemaSet): (raw: Schema) => Resolved {
  let cache = resolvedSchemas.get(schemas);
  if (cache === undefined) resolvedSchemas.set(schemas, (cache = new WeakMap()));
  const c = cache;
  return (raw) => {
    let r = c.get(raw);
    if (r === undefined) {
      const schema = resolveSchema(schemas, raw);
      c.set(raw, (r = { schema, shape: shapeOf(schema) }));
    }
    return r;
  };
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** Whether a non-null JSON value fits a shape as Go's decoder takes it. */
function fits(v: unknown, shape: Shape): boolean {
  switch (shape) {
    case 'any':
      return true;
    case 'string':
    case 'time':
      return typeof v === 'string';
    case 'int32':
      return Number.isInteger(v) && (v as number) >= INT32_MIN && (v as number) <= INT32_MAX;
    case 'int64':
      return Number.isInteger(v) && (v as number) >= -(2 ** 63) && (v as number) < 2 ** 63;
    case 'float':
      return typeof v === 'number';
    case 'bool':
      return typeof v === 'boolean';
    case 'struct':
    case 'map':
      return isJsonObject(v);
    case 'list':
      return Array.isArray(v);
    case 'intOrString':
      return typeof v === 'string' || fits(v, 'int32');
    case 'quantity':
      return typeof v === 'string' || typeof v === 'number';
  }
}

const INT_LITERAL = /^-?(?:0|[1-9]\d*)$/;

/**
 * Whether a number literal fits an integer shape as Go's decoder takes it: strconv.ParseInt
 * refuses a fraction or exponent (`3.0`, `1e3`), and the value must be in the type's range.
 */
function literalFits(literal: string, shape: 'int32' | 'int64'): boolean {
  if (!INT_LITERAL.test(literal)) return false;
  const n = BigInt(literal);
  return shape === 'int32'
    ? n >= BigInt(INT32_MIN) && n <= BigInt(INT32_MAX)
    : n >= -(2n ** 63n) && n < 2n ** 63n;
}

/**
 * Walks `value` against `schema`: the undeclared fields (deleted from `value` with `prune`) and
 * the type mismatches. Numeric quantities become strings in place. `literals` are the numbers
 * of the JSON text that JSON.parse reads otherwise, by decoder path (json-keys.ts
 * numberLiterals): an integer field is checked against the literal, as Go's decoder reads it.
 */
export function walkObject(
  schemas: SchemaSet,
  schema: Schema,
  value: unknown,
  prune: boolean,
  literals?: ReadonlyMap<string, string>,
): WalkResult {
  const unknown: Segment[][] = [];
  const mismatches: Mismatch[] = [];
  // The path to the value being walked, innermost step first: made into an array only for an
  // unknown field or a mismatch, so that the walk over a valid object allocates no paths.
  interface Steps {
    readonly seg: Segment;
    readonly up: Steps | undefined;
  }
  const pathOf = (steps: Steps | undefined): Segment[] => {
    const path: Segment[] = [];
    for (let s = steps; s !== undefined; s = s.up) path.push(s.seg);
    return path.reverse();
  };
  const resolve = resolver(schemas);
  // Quantities are stored in upstream's canonical form, as its decoder leaves them.
  const canonicalise = (o: Record<string, unknown>, key: string, v: unknown): void => {
    if (typeof v === 'number') {
      if (Number.isFinite(v)) o[key] = formatDecimalQuantity(v);
      return;
    }
    const canonical = canonicalQuantity(v as string);
    if (canonical !== undefined && canonical !== v) o[key] = canonical;
  };
  /** `holder` is the object whose field `v` is (quantities are replaced there). */
  const walk = (
    v: unknown,
    raw: Schema,
    steps: Steps | undefined,
    holder?: Record<string, unknown>,
  ): void => {
    if (v === null) return;
    const { schema: s, shape } = resolve(raw);
    if (shape === 'any') return;
    if (
      literals !== undefined &&
      typeof v === 'number' &&
      (shape === 'int32' || shape === 'int64' || shape === 'intOrString')
    ) {
      const literal = literals.get(decoderPath(pathOf(steps)));
      if (literal !== undefined) {
        // IntOrString decodes a number into its int32.
        if (!literalFits(literal, shape === 'int64' ? 'int64' : 'int32')) {
          mismatches.push({ path: pathOf(steps), value: v, shape, literal });
        }
        return;
      }
    }
    if (!fits(v, shape)) {
      mismatches.push({ path: pathOf(steps), value: v, shape });
      return;
    }
    if (shape === 'quantity') {
      if (holder !== undefined && steps !== undefined && 'field' in steps.seg) {
        canonicalise(holder, steps.seg.field, v);
      }
      return;
    }
    if (shape === 'list') {
      const items = s.items;
      if (items === undefined) return;
      (v as unknown[]).forEach((item: unknown, index) =>
        walk(item, items, { seg: { index, item }, up: steps }),
      );
    } else if (shape === 'struct') {
      const o = v as Record<string, unknown>;
      const props = s.properties ?? {};
      for (const key of Object.keys(o)) {
        const sub = Object.hasOwn(props, key) ? props[key] : undefined;
        if (sub === undefined) {
          unknown.push(pathOf({ seg: { field: key }, up: steps }));
          if (prune) delete o[key];
        } else {
          walk(o[key], sub, { seg: { field: key }, up: steps }, o);
        }
      }
    } else if (shape === 'map') {
      const o = v as Record<string, unknown>;
      const sub = s.additionalProperties as Schema;
      for (const key of Object.keys(o)) {
        walk(o[key], sub, { seg: { field: key }, up: steps }, o);
      }
    }
  };
  walk(value, schema, undefined);
  return { unknown, mismatches };
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
  return walkObject(schemas, schema, value, prune).unknown;
}
