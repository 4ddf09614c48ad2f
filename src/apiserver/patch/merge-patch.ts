// JSON merge patch, RFC 7386: what `kubectl label`, `annotate` and `scale` send.

import { isJsonObject, ownValue, setOwn, type JsonObject } from './json-value.js';

/**
 * Applies merge patch `patch` to `target` and returns the result: objects merge key by key,
 * `null` removes a key, anything else (arrays included) replaces. A non-object patch replaces
 * the target. Inputs are not mutated, but the result shares unpatched subtrees with `target`
 * and patched ones with `patch`: clone first if either is used afterwards.
 */
export function jsonMergePatch(target: unknown, patch: unknown): unknown {
  if (!isJsonObject(patch)) return patch;
  const result: JsonObject = {};
  if (isJsonObject(target)) {
    for (const [k, v] of Object.entries(target)) setOwn(result, k, v);
  }
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete result[k];
    else setOwn(result, k, jsonMergePatch(ownValue(result, k), v));
  }
  return result;
}
