// How upstream words a value of the wrong JSON type, found by the schema walk (unknown-fields.ts).
// Three decoders meet such values upstream, each with its own words:
//
// - create, update and JSON/merge patches decode JSON into Go structs (sigs.k8s.io/json, whose
//   UnmarshalTypeError is encoding/json's): `json: cannot unmarshal number into Go struct field
//   ObjectMeta.metadata.name of type string`. The decoder goes on after such an error and reports
//   the first; an IntOrString, Quantity or Time decodes itself, and its error ends the decoding at
//   once (with the struct and field added when it is an UnmarshalTypeError).
// - strategic merge patches convert the patched map with runtime's unstructured converter:
//   `cannot restore slice from string`, `unrecognized type: int32`, `cannot convert int64 to
//   string`; a float with no fraction fits an integer there, and an out-of-range integer wraps.
// - server-side apply validates the configuration with structured-merge-diff: `.spec.replicas:
//   expected numeric (int or float), got string`.
//
// Go type names come from the schema: `v1.Container` for io.k8s.api.core.v1.Container, int32 or
// int64 from the integer's format. Named Go types that are no struct (v1.Protocol,
// v1.ResourceList, types.UID), which the schemas cannot tell from their underlying types, come
// from the table of go-named-types.ts.
import { quantityNanos } from '../api/quantity.js';
import { NAMED_FIELD_TYPES, NAMED_UNDERLYING } from './go-named-types.js';
import { isJsonObject } from './patch/json-value.js';
import { refName, type Schema, type SchemaSet } from './schemas.js';
import {
  isCustomShape,
  resolver,
  type Mismatch,
  type Segment,
  type Shape,
} from './unknown-fields.js';

/** The name a (property) schema refers to: `{$ref}` or `{allOf: [{$ref}]}`. */
function refOf(raw: Schema): string | undefined {
  if (raw.$ref !== undefined) return refName(raw.$ref);
  const only = raw.allOf?.length === 1 ? raw.allOf[0] : undefined;
  return only?.$ref === undefined ? undefined : refName(only.$ref);
}

/** `io.k8s.api.core.v1.Container` → `v1.Container`, as Go's reflect.Type prints it. */
function goTypeName(name: string): string {
  const parts = name.split('.');
  return `${parts[parts.length - 2] ?? ''}.${parts[parts.length - 1] ?? ''}`;
}

/** The Go type a schema decodes into, as reflect.Type.String() prints it. */
function goType(schemas: SchemaSet, raw: Schema): string {
  const name = refOf(raw);
  const { schema: s, shape } = resolver(schemas)(raw);
  switch (shape) {
    case 'string':
      return s.format === 'byte' ? '[]uint8' : 'string';
    case 'int32':
    case 'int64':
      return shape;
    case 'float':
      return 'float64';
    case 'bool':
      return 'bool';
    case 'list':
      return `[]${s.items === undefined ? 'interface {}' : goType(schemas, s.items)}`;
    case 'map': {
      const ap = s.additionalProperties;
      return `map[string]${typeof ap === 'object' ? goType(schemas, ap) : 'interface {}'}`;
    }
    default:
      return name === undefined ? 'interface {}' : goTypeName(name);
  }
}

/** Where a mismatch sits, as the JSON decoder tracks it, and the schema it broke. */
interface Place {
  /** The innermost struct's short name: `Container`. */
  struct: string;
  /** Struct fields from the root, without list indices and map keys: `spec.containers.image`. */
  field: string;
  raw: Schema;
  /** The Go type there when it is, or holds, a named type that is no struct (go-named-types.ts). */
  named?: string;
}

/** The element type of a Go slice or map type (`[]v1.Capability` → `v1.Capability`). */
function elementGoType(type: string | undefined): string | undefined {
  if (type === undefined) return undefined;
  const t = NAMED_UNDERLYING[type] ?? type;
  if (t.startsWith('[]')) return t.slice(2);
  return t.startsWith('map[') ? t.slice(t.indexOf(']') + 1) : undefined;
}

function placeOf(
  schemas: SchemaSet,
  rootName: string,
  root: Schema,
  path: readonly Segment[],
): Place {
  const resolve = resolver(schemas);
  const short = (name: string | undefined): string =>
    name === undefined ? '' : name.slice(name.lastIndexOf('.') + 1);
  // The struct a field belongs to is the one whose properties name it (Go's errorContext.Struct).
  let struct = '';
  let current: string | undefined = rootName;
  const fields: string[] = [];
  let raw = root;
  let named: string | undefined;
  for (const seg of path) {
    const { schema: s, shape } = resolve(raw);
    if ('field' in seg && shape === 'struct') {
      struct = short(current);
      fields.push(seg.field);
      raw = s.properties?.[seg.field] ?? {};
      named = current === undefined ? undefined : NAMED_FIELD_TYPES[current]?.[seg.field];
    } else if ('field' in seg) {
      raw = typeof s.additionalProperties === 'object' ? s.additionalProperties : {};
      named = elementGoType(named);
    } else {
      raw = s.items ?? {};
      named = elementGoType(named);
    }
    current = refOf(raw);
  }
  return { struct, field: fields.join('.'), raw, named };
}

/**
 * The JSON value as encoding/json's UnmarshalTypeError names it when decoding into `shape`; a
 * number into an integer by its literal in the text where JSON.parse reads it otherwise.
 */
function jsonValueText(v: unknown, shape: Shape, literal?: string): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') {
    // Into an integer the literal itself is named (ParseInt failed or overflowed).
    const intoInt = shape === 'int32' || shape === 'int64' || shape === 'intOrString';
    return intoInt ? `number ${literal ?? String(v)}` : 'number';
  }
  return 'object';
}

/** Quantity's UnmarshalJSON error for a value that is no quantity (ParseQuantity's). */
function quantityError(v: unknown): string {
  try {
    quantityNanos(JSON.stringify(v));
  } catch (err) {
    return (err as Error).message;
  }
  return '';
}

/** The mismatch the JSON decoder reports: the first self-decoding one, else the first. */
function decoderMismatch(mismatches: readonly Mismatch[]): Mismatch | undefined {
  return mismatches.find((m) => isCustomShape(m.shape)) ?? mismatches[0];
}

/**
 * The JSON decoder's error for the mismatches of a walk from the schema `rootName`:
 * `json: cannot unmarshal number into Go struct field ObjectMeta.metadata.name of type string`.
 */
export function decoderTypeError(
  schemas: SchemaSet,
  rootName: string,
  mismatches: readonly Mismatch[],
): string | undefined {
  const m = decoderMismatch(mismatches);
  const root = schemas[rootName];
  if (m === undefined || root === undefined) return undefined;
  if (m.shape === 'quantity') return quantityError(m.value);
  const place = placeOf(schemas, rootName, root, m.path);
  // IntOrString decodes a non-string into its int32, Time into a string first.
  let type = 'string';
  if (m.shape === 'intOrString') type = 'int32';
  else if (m.shape !== 'time') type = place.named ?? goType(schemas, place.raw);
  return `json: cannot unmarshal ${jsonValueText(m.value, m.shape, m.literal)} into Go struct field ${place.struct}.${place.field} of type ${type}`;
}

/** The Go kind of a decoded JSON value in an unstructured map (int64 for integral numbers). */
function unstructuredKind(v: unknown): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return 'slice';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  return 'map';
}

/**
 * runtime.DefaultUnstructuredConverter's error for one mismatch, if it has one. `goTypeOf` names
 * the Go type of the mismatch's place (`cannot convert int64 to v1.Protocol`).
 */
function converterText(m: Mismatch, goTypeOf: (m: Mismatch) => string): string | undefined {
  const v = m.value;
  const kind = unstructuredKind(v);
  switch (m.shape) {
    case 'struct':
      return `cannot restore struct from: ${kind}`;
    case 'list':
      return `cannot restore slice from ${kind}`;
    case 'map':
      return `cannot restore map from ${kind}`;
    case 'quantity':
      return quantityError(v);
    case 'intOrString':
      // An integer out of int32's range fails the json decoding into IntVal too.
      return `json: cannot unmarshal ${jsonValueText(v, m.shape)} into Go value of type int32`;
    case 'time':
      return `json: cannot unmarshal ${jsonValueText(v, m.shape)} into Go value of type string`;
    case 'int32':
    case 'int64':
      // Numbers convert into integers (an integral float, or one that overflows and wraps).
      if (typeof v === 'number') {
        return Number.isInteger(v) ? undefined : `cannot convert float64 to ${m.shape}`;
      }
      return `unrecognized type: ${m.shape}`;
    case 'string':
      // Go converts an int64 to a string (as a rune) but refuses to here.
      return kind === 'int64'
        ? `cannot convert int64 to ${goTypeOf(m)}`
        : 'unrecognized type: string';
    case 'float':
      return 'unrecognized type: float64';
    case 'bool':
      return 'unrecognized type: bool';
    case 'any':
      return undefined;
  }
}

/**
 * The unstructured converter's error (strategic merge patches), for the first mismatch it has,
 * of a walk from the schema `rootName`.
 */
export function converterTypeError(
  schemas: SchemaSet,
  rootName: string,
  mismatches: readonly Mismatch[],
): string | undefined {
  const root = schemas[rootName];
  const goTypeOf = (m: Mismatch): string => {
    if (root === undefined) return 'string';
    return placeOf(schemas, rootName, root, m.path).named ?? 'string';
  };
  for (const m of mismatches) {
    const text = converterText(m, goTypeOf);
    if (text !== undefined) return text;
  }
  return undefined;
}

/** Go's `%#v` of a value decoded into interface{} (maps sorted by key, as fmt prints them). */
function goSyntax(v: unknown): string {
  if (v === null || v === undefined) return 'interface {}(nil)';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[]interface {}{${v.map(goSyntax).join(', ')}}`;
  if (isJsonObject(v)) {
    const keys = Object.keys(v).sort();
    return `map[string]interface {}{${keys.map((k) => `${JSON.stringify(k)}:${goSyntax(v[k])}`).join(', ')}}`;
  }
  return String(v);
}

/** Go's `%T` of a value decoded into interface{}. */
function goDynamicType(v: unknown): string {
  const kind = unstructuredKind(v);
  if (kind === 'slice') return '[]interface {}';
  return kind === 'map' ? 'map[string]interface {}' : kind;
}

/**
 * structured-merge-diff's validation errors for the mismatches of an applied configuration, each
 * without its path (`expected numeric (int or float), got string`), with the index of the
 * mismatch. smd's value wrapper prints as `&{...}` with `%v` and `&value.valueUnstructured{...}`
 * with `%#v`. Self-decoding types are untyped scalars or strings to smd: left to the conversion.
 */
export function appliedTypeErrors(
  mismatches: readonly Mismatch[],
  goValue: (v: unknown) => string,
): Array<{ mismatch: Mismatch; text: string }> {
  const out: Array<{ mismatch: Mismatch; text: string }> = [];
  for (const m of mismatches) {
    const v = m.value;
    let text: string | undefined;
    switch (m.shape) {
      case 'int32':
      case 'int64':
      case 'float':
        if (typeof v !== 'number') {
          text = `expected numeric (int or float), got ${goDynamicType(v)}`;
        }
        break;
      case 'string':
        text = `expected string, got &value.valueUnstructured{Value:${goSyntax(v)}}`;
        break;
      case 'bool':
        text = `expected boolean, got &{${goValue(v)}}`;
        break;
      case 'list':
        text = `expected list, got &{${goValue(v)}}`;
        break;
      case 'struct':
      case 'map':
        text = `expected map, got &{${goValue(v)}}`;
        break;
      default:
        break;
    }
    if (text !== undefined) out.push({ mismatch: m, text });
  }
  return out;
}
