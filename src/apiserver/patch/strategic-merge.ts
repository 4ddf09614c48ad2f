// Strategic merge patch, with the semantics of upstream's apimachinery strategicpatch applied
// server-side (StrategicMergeMapPatch): what `kubectl apply` (client-side), `edit`, `patch` and
// `rollout restart` send for built-in kinds.
//
// A patch is a JSON object shaped like the target. Per key:
//   null                          removes the key
//   object onto object            merges recursively (strategy "replace": replaces)
//   list onto list                strategy "merge": merges by the field's mergeKey (lists of
//                                 objects) or as a set (lists of scalars); otherwise replaces
//   anything else                 replaces
// Directives inside a patch object:
//   $patch: replace | delete      replace the map with the rest of the patch / empty it ({})
//   $retainKeys: [k...]           drop every key of the target map not listed, then merge
//   $setElementOrder/<f>: [...]   order of list <f> after merging (server-only items interleave)
//   $deleteFromPrimitiveList/<f>  scalars to remove from list <f>
// and as elements of a merged list of objects:
//   {$patch: delete, <key>: v}    remove the elements whose mergeKey is v
//   {$patch: replace}             the list becomes the patch's other elements
//
// Order of a merged list (as upstream): elements named by the patch come in the patch's order;
// elements only on the server keep their relative order and are interleaved by their original
// positions; new elements not ordered by the server come as early as the interleaving allows.

import { badRequest, StatusError } from '../../api/status.js';
import {
  isJsonObject,
  jsonEqual,
  jsonKind,
  ownValue,
  setOwn,
  type JsonObject,
} from './json-value.js';
import { fieldPatchMeta, type FieldPatchMeta, type PatchSchema } from './strategies.js';

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ELEMENT_ORDER = '$setElementOrder';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList';

const EMPTY_SCHEMA: PatchSchema = {};

/**
 * Applies strategic merge patch `patch` to `original` using the field metadata `schema` (from
 * strategies.ts; `{}` gives RFC 7386 behaviour plus the directives). Inputs are not mutated.
 * Throws a 400 BadRequest StatusError for a malformed patch (unknown `$patch` value, merge key
 * missing, `$setElementOrder` disagreeing with the patch list, keys outside `$retainKeys`…) and
 * 422 Invalid for lists of lists, as upstream does.
 */
export function strategicMergePatch(
  original: JsonObject,
  patch: JsonObject,
  schema: PatchSchema,
): JsonObject {
  return mergeMap(structuredClone(original), structuredClone(patch), schema, '');
}

function childPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function where(path: string): string {
  return path === '' ? 'the object' : path;
}

function describe(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

/** Merges `patch` into `original` in place (both are owned by the caller) and returns it. */
function mergeMap(
  original: JsonObject,
  patch: JsonObject,
  schema: PatchSchema,
  path: string,
): JsonObject {
  if (Object.hasOwn(patch, DIRECTIVE)) {
    const directive = patch[DIRECTIVE];
    if (directive === 'replace') {
      delete patch[DIRECTIVE];
      return newValue(patch, path) as JsonObject;
    }
    // Upstream empties the map rather than removing its key.
    if (directive === 'delete') return {};
    throw badRequest(`unknown patch type: ${describe(directive)} in map at ${where(path)}`);
  }

  applyRetainKeys(original, patch, path);
  applySetElementOrder(original, patch, schema, path);

  // Deletions from primitive lists run after additions to the same lists, so that the result
  // does not depend on key order (kubectl never names one item in both).
  const deletions: [string, unknown][] = [];
  for (const [key, patchValue] of Object.entries(patch)) {
    if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
      deletions.push([directiveTarget(key, DELETE_FROM_PRIMITIVE_LIST, path), patchValue]);
      continue;
    }
    mergeField(original, key, patchValue, schema, path);
  }
  for (const [key, toDelete] of deletions) {
    if (toDelete === null) {
      delete original[key];
      continue;
    }
    const current = ownValue(original, key);
    if (Array.isArray(current) && Array.isArray(toDelete)) {
      setOwn(
        original,
        key,
        current.filter((item) => !toDelete.some((d) => jsonEqual(d, item))),
      );
    }
  }
  return original;
}

function mergeField(
  original: JsonObject,
  key: string,
  patchValue: unknown,
  schema: PatchSchema,
  path: string,
): void {
  if (patchValue === null) {
    delete original[key];
    return;
  }
  const here = childPath(path, key);
  const current = ownValue(original, key);
  if (current === undefined || jsonKind(current) !== jsonKind(patchValue)) {
    setOrDelete(original, key, newValue(patchValue, here));
    return;
  }
  const meta = fieldPatchMeta(schema, key);
  if (isJsonObject(current) && isJsonObject(patchValue)) {
    if (meta?.strategy === 'replace') setOrDelete(original, key, newValue(patchValue, here));
    else setOwn(original, key, mergeMap(current, patchValue, meta?.fields ?? EMPTY_SCHEMA, here));
    return;
  }
  if (Array.isArray(current) && Array.isArray(patchValue)) {
    if (meta?.strategy === 'merge')
      setOwn(original, key, mergeList(current, patchValue, meta, here));
    else setOrDelete(original, key, newValue(patchValue, here));
    return;
  }
  setOwn(original, key, patchValue);
}

function setOrDelete(obj: JsonObject, key: string, value: unknown): void {
  if (value === undefined) delete obj[key];
  else setOwn(obj, key, value);
}

/**
 * What a patch value becomes where there is nothing to merge it with (the key is new, the types
 * differ, or the field is replaced): nulls and directives are stripped, a `$patch: delete` map
 * vanishes (undefined), a `$patch: replace` map is its other keys, and list elements carrying
 * `$patch` are dropped. Upstream drops a new `$patch: replace` map entirely; keeping its content
 * is the useful reading and no client depends on the difference.
 */
function newValue(value: unknown, path: string): unknown {
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const item of value) {
      if (isJsonObject(item) && Object.hasOwn(item, DIRECTIVE)) continue;
      out.push(newValue(item, path));
    }
    return out;
  }
  if (!isJsonObject(value)) return value;
  if (Object.hasOwn(value, DIRECTIVE)) {
    const directive = value[DIRECTIVE];
    if (directive === 'delete') return undefined;
    if (directive !== 'replace') {
      throw badRequest(`unknown patch type: ${describe(directive)} in map at ${where(path)}`);
    }
  }
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === null || isDirectiveKey(k)) continue;
    const cleaned = newValue(v, childPath(path, k));
    if (cleaned !== undefined) setOwn(out, k, cleaned);
  }
  return out;
}

function isDirectiveKey(key: string): boolean {
  return (
    key === DIRECTIVE ||
    key === RETAIN_KEYS ||
    key.startsWith(SET_ELEMENT_ORDER) ||
    key.startsWith(DELETE_FROM_PRIMITIVE_LIST)
  );
}

/** `$setElementOrder/containers` → `containers`. */
function directiveTarget(key: string, prefix: string, path: string): string {
  const slash = key.indexOf('/');
  if (slash < 0 || key.slice(0, slash) !== prefix || slash === key.length - 1) {
    const what = prefix === SET_ELEMENT_ORDER ? 'setElementOrder list' : 'primitive list';
    throw badRequest(`invalid patch format of ${what}: bad key ${describe(key)} at ${where(path)}`);
  }
  return key.slice(slash + 1);
}

/** `$retainKeys`: every key of `original` not listed is cleared before merging. */
function applyRetainKeys(original: JsonObject, patch: JsonObject, path: string): void {
  if (!Object.hasOwn(patch, RETAIN_KEYS)) return;
  const retain = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!Array.isArray(retain)) {
    throw badRequest(`invalid patch format of retainKeys at ${where(path)}: must be a list`);
  }
  const kept = new Set<unknown>(retain);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(DELETE_FROM_PRIMITIVE_LIST) || k.startsWith(SET_ELEMENT_ORDER)) {
      continue;
    }
    if (!kept.has(k)) {
      throw badRequest(
        `invalid patch format of retainKeys at ${where(path)}: field ${describe(k)} is set but not listed in $retainKeys`,
      );
    }
  }
  for (const k of Object.keys(original)) {
    if (!kept.has(k)) delete original[k];
  }
}

/**
 * `$setElementOrder/<f>`: merges list <f> (if patched) and orders the result. Handles and
 * removes both the directive and the list from `patch`.
 */
function applySetElementOrder(
  original: JsonObject,
  patch: JsonObject,
  schema: PatchSchema,
  path: string,
): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER)) continue;
    const order = patch[key];
    delete patch[key];
    const field = directiveTarget(key, SET_ELEMENT_ORDER, path);
    const here = childPath(path, field);
    if (!Array.isArray(order)) {
      throw badRequest(`invalid patch format of setElementOrder list at ${here}: must be a list`);
    }
    const current = ownValue(original, field);
    const patchList = ownValue(patch, field);
    // A null or non-list patch value is left to the ordinary merge (e.g. null deletes).
    if (patchList !== undefined && !Array.isArray(patchList)) continue;
    const currentList = Array.isArray(current) ? current : undefined;
    const meta = fieldPatchMeta(schema, field);
    const mergeKey = meta?.mergeKey ?? '';
    if (patchList !== undefined) checkPatchFollowsOrder(patchList, order, mergeKey, here);

    let merged: unknown[];
    if (currentList !== undefined && patchList !== undefined) {
      merged =
        meta?.strategy === 'merge'
          ? mergeList(currentList, patchList, meta, here)
          : (newValue(patchList, here) as unknown[]);
    } else if (patchList !== undefined) {
      merged = newValue(patchList, here) as unknown[];
    } else if (currentList !== undefined) {
      merged = currentList;
    } else {
      continue;
    }
    delete patch[field];
    const objects = merged.some(isJsonObject);
    // Objects can only be matched against the order list through a merge key.
    setOwn(
      original,
      field,
      objects && mergeKey === ''
        ? merged
        : arrangeMerged(merged, order, currentList ?? [], identityOf(objects ? mergeKey : '')),
    );
  }
}

/**
 * Upstream rejects a patch list whose (non-deleting) items are not a subsequence of the
 * `$setElementOrder` list: the client built them from the same desired list.
 */
function checkPatchFollowsOrder(
  patchList: unknown[],
  order: unknown[],
  mergeKey: string,
  path: string,
): void {
  const identity = identityOf(mergeKey);
  const items = patchList.filter((item) => !(isJsonObject(item) && Object.hasOwn(item, DIRECTIVE)));
  let o = 0;
  for (const item of items) {
    while (o < order.length && !identity.same(item, order[o])) o++;
    if (o === order.length) {
      throw badRequest(
        `invalid patch: the order of the items of ${path} in the patch does not match its $setElementOrder list ${describe(order)}`,
      );
    }
    o++;
  }
}

/** How list elements are matched: by merge key for objects, by value for scalars. */
interface Identity {
  same(a: unknown, b: unknown): boolean;
}

function identityOf(mergeKey: string): Identity {
  if (mergeKey === '') return { same: (a, b) => jsonEqual(a, b) };
  return {
    same: (a, b) =>
      isJsonObject(a) &&
      isJsonObject(b) &&
      Object.hasOwn(a, mergeKey) &&
      Object.hasOwn(b, mergeKey) &&
      jsonEqual(a[mergeKey], b[mergeKey]),
  };
}

function indexIn(list: readonly unknown[], item: unknown, identity: Identity): number {
  return list.findIndex((candidate) => identity.same(candidate, item));
}

/** Checks that the elements of both lists are of one kind and returns it. */
function elementKind(lists: readonly unknown[][], path: string): string | undefined {
  let kind: string | undefined;
  for (const list of lists) {
    for (const item of list) {
      const k = jsonKind(item);
      if (k === 'array') {
        throw StatusError.from(422, 'Invalid', `lists of lists are not supported (at ${path})`);
      }
      if (kind === undefined) kind = k;
      else if (kind !== k) {
        throw badRequest(`list element types are not identical in ${path}: ${kind} and ${k}`);
      }
    }
  }
  return kind;
}

/** Merges list `patch` into list `original` for a field with strategy "merge". */
function mergeList(
  original: unknown[],
  patch: unknown[],
  meta: FieldPatchMeta,
  path: string,
): unknown[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = elementKind([original, patch], path);

  if (kind !== 'object') {
    const merged: unknown[] = [];
    for (const item of [...original, ...patch]) {
      if (!merged.some((m) => m === item)) merged.push(item);
    }
    return arrangeMerged(merged, patch, original, identityOf(''));
  }

  const mergeKey = meta.mergeKey ?? '';
  if (mergeKey === '') throw badRequest(`cannot merge lists without merge key for ${path}`);
  const identity = identityOf(mergeKey);
  let base = original as JsonObject[];
  const plain: JsonObject[] = [];
  let replace = false;
  for (const item of patch as JsonObject[]) {
    if (!Object.hasOwn(item, DIRECTIVE)) {
      plain.push(item);
      continue;
    }
    const directive = item[DIRECTIVE];
    if (directive === 'delete') {
      if (!Object.hasOwn(item, mergeKey)) throw missingMergeKey(item, mergeKey, path);
      base = base.filter((o) => !identity.same(o, item));
    } else if (directive === 'replace') {
      replace = true;
    } else if (directive === 'merge') {
      throw badRequest(`merging lists cannot yet be specified in the patch (at ${path})`);
    } else {
      throw badRequest(`unknown patch type: ${describe(directive)} in list ${path}`);
    }
  }
  if (replace) return newValue(plain, path) as unknown[];

  const merged: unknown[] = [...base];
  for (const item of plain) {
    if (!Object.hasOwn(item, mergeKey)) throw missingMergeKey(item, mergeKey, path);
    const at = indexIn(merged, item, identity);
    const here = `${path}[${mergeKey}=${describe(item[mergeKey])}]`;
    const existing = at >= 0 ? merged[at] : undefined;
    if (isJsonObject(existing)) {
      merged[at] = mergeMap(existing, item, meta.fields ?? EMPTY_SCHEMA, here);
    } else {
      merged.push(newValue(item, here));
    }
  }
  return arrangeMerged(merged, plain, base, identity);
}

function missingMergeKey(item: JsonObject, mergeKey: string, path: string): StatusError {
  return badRequest(
    `map: ${describe(item)} does not contain declared merge key: ${mergeKey} (in ${path})`,
  );
}

/**
 * Orders a merged list: the items named by `order` in that order, interleaved with the remaining
 * (server-only) items, which keep their relative order from `serverOrder`.
 */
function arrangeMerged(
  merged: unknown[],
  order: readonly unknown[],
  serverOrder: readonly unknown[],
  identity: Identity,
): unknown[] {
  const named: unknown[] = [];
  const serverOnly: unknown[] = [];
  for (const item of merged) (indexIn(order, item, identity) >= 0 ? named : serverOnly).push(item);
  const sortBy = (list: unknown[], by: readonly unknown[]): unknown[] => {
    const found = list.filter((item) => indexIn(by, item, identity) >= 0);
    const rest = list.filter((item) => indexIn(by, item, identity) < 0);
    found.sort((a, b) => indexIn(by, a, identity) - indexIn(by, b, identity));
    return [...found, ...rest];
  };
  return interleave(sortBy(serverOnly, serverOrder), sortBy(named, order), serverOrder, identity);
}

/**
 * Merges two ordered lists: a server-only item goes first only when both items have a position
 * in `serverOrder` and it comes earlier there; otherwise the patch-named item goes first.
 */
function interleave(
  serverOnly: unknown[],
  named: unknown[],
  serverOrder: readonly unknown[],
  identity: Identity,
): unknown[] {
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length || j < named.length) {
    if (j >= named.length) {
      out.push(serverOnly[i++]);
      continue;
    }
    if (i >= serverOnly.length) {
      out.push(named[j++]);
      continue;
    }
    const left = indexIn(serverOrder, serverOnly[i], identity);
    const right = indexIn(serverOrder, named[j], identity);
    if (left >= 0 && right >= 0 && left < right) out.push(serverOnly[i++]);
    else out.push(named[j++]);
  }
  return out;
}
