// Objects seen through their schema, as structured-merge-diff's typed values: which lists are
// atomic, sets or maps keyed by fields (x-kubernetes-list-type / list-map-keys), which maps are
// atomic. Built from the strategic-merge table (patch/strategies.ts) where the list-map keys of
// server-side apply agree with patchMergeKey, with upstream's few differences listed below.
// Fields without schema are "deduced": objects are granular maps, lists are atomic.

import { isJsonObject, jsonEqual, type JsonObject } from '../patch/json-value.js';
import {
  fieldPatchMeta,
  patchSchemaFor,
  type FieldPatchMeta,
  type PatchSchema,
  type SchemaKey,
} from '../patch/strategies.js';
import {
  FieldSet,
  compareElements,
  elementToken,
  fieldElement,
  indexElement,
  keyElement,
  pathString,
  valueElement,
  type FieldPath,
  type PathElement,
} from './fieldset.js';

export interface MapType {
  readonly kind: 'map';
  /** Known fields; others are deduced from their value. */
  readonly fields?: Readonly<Record<string, TypeNode>>;
  readonly atomic?: boolean;
}

export interface ListType {
  readonly kind: 'list';
  readonly list: 'atomic' | 'set' | 'map';
  readonly keys?: readonly string[];
  /** Defaults of key fields an element may omit (ports' protocol). */
  readonly keyDefaults?: Readonly<Record<string, unknown>>;
  readonly elem?: MapType;
}

export type TypeNode = MapType | ListType;

const DEDUCED_MAP: MapType = { kind: 'map' };
const ATOMIC_LIST: ListType = { kind: 'list', list: 'atomic' };
const ATOMIC_MAP: MapType = { kind: 'map', atomic: true };
/** A map below a built-in kind with no listed fields: its own maps may still be selectors. */
const UNLISTED_MAP: MapType = { kind: 'map', fields: {} };

/**
 * Where upstream's list-map keys differ from patchMergeKey: ports are keyed with their protocol
 * (defaulted to TCP), spread constraints with whenUnsatisfiable.
 */
const LIST_MAP_KEYS: Readonly<Record<string, readonly string[]>> = {
  containerPort: ['containerPort', 'protocol'],
  port: ['port', 'protocol'],
  topologyKey: ['topologyKey', 'whenUnsatisfiable'],
};
const KEY_DEFAULTS: Readonly<Record<string, unknown>> = { protocol: 'TCP' };

/** LabelSelector is +structType=atomic; nodeSelector and Service/RC selectors +mapType=atomic. */
const ATOMIC_MAP_FIELDS = new Set([
  'selector',
  'nodeSelector',
  'labelSelector',
  'namespaceSelector',
]);

function fromPatchMeta(meta: FieldPatchMeta | undefined): MapType | ListType | undefined {
  if (meta === undefined) return undefined;
  if (meta.strategy === 'merge') {
    if (meta.mergeKey === undefined) return { kind: 'list', list: 'set' };
    const keys = LIST_MAP_KEYS[meta.mergeKey] ?? [meta.mergeKey];
    const keyDefaults: Record<string, unknown> = {};
    for (const k of keys) if (k in KEY_DEFAULTS) keyDefaults[k] = KEY_DEFAULTS[k];
    return {
      kind: 'list',
      list: 'map',
      keys,
      keyDefaults,
      elem: fromPatchSchema(meta.fields ?? {}),
    };
  }
  if (meta.strategy === 'replace') return ATOMIC_MAP;
  return meta.fields ? fromPatchSchema(meta.fields) : undefined;
}

function fromPatchSchema(schema: PatchSchema): MapType {
  const fields: Record<string, TypeNode> = {};
  for (const name of Object.keys(schema)) {
    const t = fromPatchMeta(fieldPatchMeta(schema, name));
    if (t) fields[name] = t;
  }
  return { kind: 'map', fields };
}

const cache = new Map<string, MapType>();

/** The type of a whole object of a kind; custom kinds get a fully deduced type. */
export function typeOf(key: SchemaKey): MapType {
  const id = `${key.group}/${key.kind}`;
  let t = cache.get(id);
  if (t === undefined) {
    const schema = patchSchemaFor(key);
    t = schema === undefined ? DEDUCED_MAP : fromPatchSchema(schema);
    cache.set(id, t);
  }
  return t;
}

/** The type of `map`'s field `name` holding `value`. */
function fieldType(map: MapType, name: string, value: unknown): TypeNode | undefined {
  const known = map.fields && Object.hasOwn(map.fields, name) ? map.fields[name] : undefined;
  if (known !== undefined) return known;
  if (map.fields !== undefined && ATOMIC_MAP_FIELDS.has(name) && isJsonObject(value)) {
    return ATOMIC_MAP;
  }
  if (Array.isArray(value)) return ATOMIC_LIST;
  if (isJsonObject(value)) return map.fields !== undefined ? UNLISTED_MAP : DEDUCED_MAP;
  return undefined;
}

/** The key fields of each list-map type, sorted by name (types are built once and kept). */
const sortedKeys = new WeakMap<ListType, readonly string[]>();

/** The path element of a list element, or undefined when a list-map element lacks its keys. */
export function listElement(t: ListType, item: unknown, index: number): PathElement | undefined {
  if (t.list === 'set') return valueElement(item);
  if (t.list === 'atomic') return indexElement(index);
  if (!isJsonObject(item)) return undefined;
  let names = sortedKeys.get(t);
  if (names === undefined) sortedKeys.set(t, (names = [...(t.keys ?? [])].sort()));
  const k: Array<readonly [string, unknown]> = [];
  for (const name of names) {
    const v = Object.hasOwn(item, name) ? item[name] : t.keyDefaults?.[name];
    if (v === undefined) return undefined;
    k.push([name, v]);
  }
  return keyElement(k);
}

function isEmpty(v: unknown): boolean {
  return (
    v === undefined ||
    (isJsonObject(v) && Object.keys(v).length === 0) ||
    (Array.isArray(v) && v.length === 0)
  );
}

/** The fields set by `value`: leaves, list-map and set elements, atomic and empty values. */
export function toFieldSet(value: unknown, type: TypeNode | undefined): FieldSet {
  const set = new FieldSet();
  walkSet(set, value, type, []);
  return set;
}

function walkSet(
  set: FieldSet,
  value: unknown,
  type: TypeNode | undefined,
  path: PathElement[],
): void {
  if (isJsonObject(value) && type?.kind === 'map' && !type.atomic) {
    const keys = Object.keys(value);
    if (keys.length === 0 && path.length > 0) set.insert(path);
    for (const k of keys)
      walkSet(set, value[k], fieldType(type, k, value[k]), [...path, fieldElement(k)]);
    return;
  }
  if (Array.isArray(value) && type?.kind === 'list' && type.list !== 'atomic') {
    value.forEach((item, i) => {
      const pe = listElement(type, item, i);
      if (pe === undefined) return;
      const p = [...path, pe];
      set.insert(p);
      if (type.list === 'map' && isJsonObject(item)) {
        const elem = type.elem ?? DEDUCED_MAP;
        for (const k of Object.keys(item))
          walkSet(set, item[k], fieldType(elem, k, item[k]), [...p, fieldElement(k)]);
      }
    });
    return;
  }
  if (path.length > 0) set.insert(path);
}

export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/** typed.Compare: what changed from `lhs` to `rhs`, down to leaves; new subtrees count whole. */
export function compare(lhs: unknown, rhs: unknown, type: TypeNode): Comparison {
  const c: Comparison = {
    added: new FieldSet(),
    modified: new FieldSet(),
    removed: new FieldSet(),
  };
  walkCompare(c, lhs, rhs, type, []);
  return c;
}

function leaf(c: Comparison, lhs: unknown, rhs: unknown, path: FieldPath): void {
  if (path.length === 0) return;
  if (lhs === undefined) c.added.insert(path);
  else if (rhs === undefined) c.removed.insert(path);
  else if (!jsonEqual(lhs, rhs)) c.modified.insert(path);
}

function presence(c: Comparison, lhs: unknown, rhs: unknown, path: FieldPath): void {
  if (path.length === 0) return;
  if (lhs === undefined) c.added.insert(path);
  else if (rhs === undefined) c.removed.insert(path);
}

function walkCompare(
  c: Comparison,
  lhs: unknown,
  rhs: unknown,
  type: TypeNode | undefined,
  path: PathElement[],
): void {
  if (lhs === undefined && rhs === undefined) return;
  const objects =
    (lhs === undefined || isJsonObject(lhs)) && (rhs === undefined || isJsonObject(rhs));
  const lists =
    (lhs === undefined || Array.isArray(lhs)) && (rhs === undefined || Array.isArray(rhs));
  if (objects && type?.kind === 'map' && !type.atomic) {
    if (isEmpty(lhs) && isEmpty(rhs)) return leaf(c, lhs, rhs, path);
    presence(c, lhs, rhs, path);
    const l = (lhs ?? {}) as JsonObject;
    const r = (rhs ?? {}) as JsonObject;
    const seen = new Set<string>();
    for (const k of [...Object.keys(l), ...Object.keys(r)]) {
      if (seen.has(k)) continue;
      seen.add(k);
      const lv = Object.hasOwn(l, k) ? l[k] : undefined;
      const rv = Object.hasOwn(r, k) ? r[k] : undefined;
      walkCompare(c, lv, rv, fieldType(type, k, rv ?? lv), [...path, fieldElement(k)]);
    }
    return;
  }
  if (lists && type?.kind === 'list' && type.list !== 'atomic') {
    if (isEmpty(lhs) && isEmpty(rhs)) return leaf(c, lhs, rhs, path);
    presence(c, lhs, rhs, path);
    const l = indexList(type, (lhs ?? []) as unknown[]);
    const r = indexList(type, (rhs ?? []) as unknown[]);
    for (const [token, { pe, item }] of l) {
      const o = r.get(token);
      walkElement(c, type, item, o?.item, [...path, pe]);
    }
    for (const [token, { pe, item }] of r) {
      if (!l.has(token)) walkElement(c, type, undefined, item, [...path, pe]);
    }
    return;
  }
  leaf(c, lhs, rhs, path);
}

function walkElement(
  c: Comparison,
  type: ListType,
  lhs: unknown,
  rhs: unknown,
  path: PathElement[],
): void {
  if (type.list === 'set') return presence(c, lhs, rhs, path);
  presence(c, lhs, rhs, path);
  const elem = type.elem ?? DEDUCED_MAP;
  const l = (isJsonObject(lhs) ? lhs : {}) as JsonObject;
  const r = (isJsonObject(rhs) ? rhs : {}) as JsonObject;
  const seen = new Set<string>();
  for (const k of [...Object.keys(l), ...Object.keys(r)]) {
    if (seen.has(k)) continue;
    seen.add(k);
    const lv = lhs === undefined || !Object.hasOwn(l, k) ? undefined : l[k];
    const rv = rhs === undefined || !Object.hasOwn(r, k) ? undefined : r[k];
    walkCompare(c, lv, rv, fieldType(elem, k, rv ?? lv), [...path, fieldElement(k)]);
  }
}

function indexList(
  type: ListType,
  items: unknown[],
): Map<string, { pe: PathElement; item: unknown }> {
  const out = new Map<string, { pe: PathElement; item: unknown }>();
  items.forEach((item, i) => {
    const pe = listElement(type, item, i);
    if (pe !== undefined) out.set(elementToken(pe), { pe, item });
  });
  return out;
}

/**
 * Merges an applied configuration into the live object: configured values win, maps merge by
 * field, list-maps and sets by element (live order, then new elements in configured order),
 * atomic values are replaced. Neither input is mutated.
 */
export function merge(live: unknown, config: unknown, type: TypeNode | undefined): unknown {
  if (config === undefined) return structuredClone(live);
  if (live === undefined || live === null) return structuredClone(config);
  if (isJsonObject(live) && isJsonObject(config) && type?.kind === 'map' && !type.atomic) {
    const out: JsonObject = structuredClone(live);
    for (const k of Object.keys(config)) {
      const lv = Object.hasOwn(live, k) ? live[k] : undefined;
      out[k] = merge(lv, config[k], fieldType(type, k, config[k]));
    }
    return out;
  }
  if (
    Array.isArray(live) &&
    Array.isArray(config) &&
    type?.kind === 'list' &&
    type.list !== 'atomic'
  ) {
    const l = indexList(type, live);
    const r = indexList(type, config);
    const out: unknown[] = [];
    live.forEach((item, i) => {
      const pe = listElement(type, item, i);
      const o = pe === undefined ? undefined : r.get(elementToken(pe));
      out.push(
        o === undefined ? structuredClone(item) : merge(item, o.item, type.elem ?? DEDUCED_MAP),
      );
    });
    for (const [token, { item }] of r) if (!l.has(token)) out.push(structuredClone(item));
    return out;
  }
  return structuredClone(config);
}

/** Removes the value at `path` from `obj` in place (nothing when absent). */
export function removePath(obj: unknown, path: FieldPath, type: TypeNode | undefined): void {
  let node: unknown = obj;
  let t: TypeNode | undefined = type;
  for (let i = 0; i < path.length; i++) {
    const pe = path[i] as PathElement;
    const last = i === path.length - 1;
    if ('f' in pe) {
      if (!isJsonObject(node) || !Object.hasOwn(node, pe.f)) return;
      if (last) {
        delete node[pe.f];
        return;
      }
      const next: unknown = node[pe.f];
      t = t?.kind === 'map' ? fieldType(t, pe.f, next) : undefined;
      node = next;
      continue;
    }
    if (!Array.isArray(node) || t?.kind !== 'list') return;
    const list: ListType = t;
    const token = elementToken(pe);
    const at = node.findIndex((item, idx) => {
      const e = listElement(list, item, idx);
      return e !== undefined && elementToken(e) === token;
    });
    if (at < 0) return;
    if (last) {
      node.splice(at, 1);
      return;
    }
    node = node[at];
    t = list.elem ?? DEDUCED_MAP;
  }
}

/**
 * The FieldsV1 of compare(zero, value).added ∪ modified, built in one pass without FieldSets:
 * what a create records, on the hot path of every POST. `zero` holds only empty maps and lists
 * (the kind's Go zero value). Undefined when nothing is set.
 */
export function createdFieldsV1(
  zero: unknown,
  value: unknown,
  type: TypeNode,
): Record<string, unknown> | undefined {
  const out = emitCreated(zero, value, type, true);
  return out === undefined || Object.keys(out).length === 0 ? undefined : out;
}

type Emitted = Record<string, unknown>;

/**
 * `f:name`, the same string each time for a name: a property key made afresh by concatenation
 * would be looked up in V8's string table on every store. Field names are few; map keys (labels,
 * annotations) are bounded by clearing the table when it grows large.
 */
const fieldTokens = new Map<string, string>();

function fieldToken(name: string): string {
  let token = fieldTokens.get(name);
  if (token === undefined) {
    if (fieldTokens.size >= 10_000) fieldTokens.clear();
    token = `f:${name}`;
    fieldTokens.set(name, token);
  }
  return token;
}

/** sort()'s default order for strings (UTF-16 code units), without its conversions. */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The fields of one object, keys in order (f: tokens sort as their names do), after a leading
 * "." when the object is itself a `member` (one with no fields set is a bare {}).
 */
function emitFields(
  zero: JsonObject,
  value: JsonObject,
  type: MapType,
  member: boolean,
): Emitted | undefined {
  let out: Emitted | undefined = member ? { '.': {} } : undefined;
  let children = false;
  for (const k of Object.keys(value).sort(byCodeUnits)) {
    const v = value[k];
    const sub = emitCreated(
      Object.hasOwn(zero, k) ? zero[k] : undefined,
      v,
      fieldType(type, k, v),
      false,
    );
    if (sub !== undefined) {
      (out ??= {})[fieldToken(k)] = sub;
      children = true;
    }
  }
  return member && !children ? {} : out;
}

const NOTHING: JsonObject = {};

function emitCreated(
  zero: unknown,
  value: unknown,
  type: TypeNode | undefined,
  root: boolean,
): Emitted | undefined {
  if (value === undefined) return undefined;
  const added = zero === undefined;
  if (
    isJsonObject(value) &&
    type?.kind === 'map' &&
    !type.atomic &&
    (zero === undefined || isJsonObject(zero))
  ) {
    if (Object.keys(value).length === 0) return added && !root ? {} : undefined;
    return emitFields((zero ?? NOTHING) as JsonObject, value, type, added && !root);
  }
  if (
    Array.isArray(value) &&
    type?.kind === 'list' &&
    type.list !== 'atomic' &&
    (zero === undefined || Array.isArray(zero))
  ) {
    if (value.length === 0) return added ? {} : undefined;
    const children: Array<[PathElement, Emitted]> = [];
    value.forEach((item, i) => {
      const pe = listElement(type, item, i);
      if (pe === undefined) return;
      const sub =
        type.list === 'map' && isJsonObject(item)
          ? emitFields(NOTHING, item, type.elem ?? DEDUCED_MAP, true)
          : undefined;
      children.push([pe, sub ?? {}]);
    });
    if (children.length > 1) children.sort((a, b) => compareElements(a[0], b[0]));
    if (children.length === 0) return added ? {} : undefined;
    // A member list: its "." first, then the elements in order.
    const out: Emitted = added ? { '.': {} } : {};
    for (const [pe, sub] of children) out[pe.token] = sub;
    return out;
  }
  return added || !jsonEqual(zero, value) ? {} : undefined;
}

/**
 * How structured-merge-diff prints a path of `type`'s object given field by field and element
 * by element (list-map elements by key, set elements by value): `.spec.containers[name="c"].x`.
 */
export function typedPathString(
  type: MapType,
  path: ReadonlyArray<
    { readonly field: string } | { readonly index: number; readonly item: unknown }
  >,
): string {
  const out: PathElement[] = [];
  let t: TypeNode | undefined = type;
  for (const seg of path) {
    if ('field' in seg) {
      out.push(fieldElement(seg.field));
      t = t?.kind === 'map' ? fieldType(t, seg.field, undefined) : undefined;
    } else {
      const list: ListType | undefined = t?.kind === 'list' ? t : undefined;
      out.push((list && listElement(list, seg.item, seg.index)) ?? indexElement(seg.index));
      t = list?.elem ?? { kind: 'map' };
    }
  }
  return pathString(out);
}
