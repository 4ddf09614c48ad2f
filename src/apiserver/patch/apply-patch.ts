// Entry point of the PATCH engines: picks the engine from the request's Content-Type and turns
// every failure into a Status error. Server-side apply (application/apply-patch+yaml) is a
// different machine (field ownership) and lives elsewhere: route it before calling applyPatch.

import { badRequest, internalError, StatusError } from '../../api/status.js';
import { applyJsonPatch } from './json-patch.js';
import { isJsonObject, type JsonObject } from './json-value.js';
import { jsonMergePatch } from './merge-patch.js';
import { strategicMergePatch } from './strategic-merge.js';
import { patchSchemaFor, type SchemaKey } from './strategies.js';

export const JSON_PATCH_CONTENT_TYPE = 'application/json-patch+json';
export const MERGE_PATCH_CONTENT_TYPE = 'application/merge-patch+json';
export const STRATEGIC_MERGE_PATCH_CONTENT_TYPE = 'application/strategic-merge-patch+json';
export const APPLY_PATCH_CONTENT_TYPE = 'application/apply-patch+yaml';

/**
 * The patch media types of built-in resources, in upstream's order (the apiserver installer's
 * list); it is also the order the 415 message lists them in.
 */
export const PATCH_CONTENT_TYPES: readonly string[] = [
  JSON_PATCH_CONTENT_TYPE,
  MERGE_PATCH_CONTENT_TYPE,
  STRATEGIC_MERGE_PATCH_CONTENT_TYPE,
  APPLY_PATCH_CONTENT_TYPE,
];

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

const TYPES: Readonly<Record<string, PatchType>> = {
  [JSON_PATCH_CONTENT_TYPE]: 'json',
  [MERGE_PATCH_CONTENT_TYPE]: 'merge',
  [STRATEGIC_MERGE_PATCH_CONTENT_TYPE]: 'strategic',
  [APPLY_PATCH_CONTENT_TYPE]: 'apply',
};

/** 415 UnsupportedMediaType listing `accepted`, with upstream's wording. */
export function unsupportedPatchMediaType(
  accepted: readonly string[] = PATCH_CONTENT_TYPES,
): StatusError {
  return StatusError.from(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
  );
}

/**
 * The patch type named by a Content-Type header value (parameters such as `; charset=utf-8` and
 * letter case ignored). Throws 415 for anything else, including a missing header.
 */
export function patchTypeOf(contentType: string | undefined): PatchType {
  const mediaType = (contentType ?? '').split(';', 1)[0]?.trim().toLowerCase() ?? '';
  const type = Object.hasOwn(TYPES, mediaType) ? TYPES[mediaType] : undefined;
  if (type === undefined) throw unsupportedPatchMediaType();
  return type;
}

/**
 * Applies a JSON patch, JSON merge patch or strategic merge patch (`patchBody`, the raw request
 * body) to `original` (the current object, a JSON object) and returns the patched object, as
 * parsed JSON. `original` is not mutated and the result shares nothing with it. `schemaKey` picks
 * the strategic-merge metadata; kinds without any (custom resources) are merged like RFC 7386,
 * with the SMP directives still honoured.
 *
 * Throws StatusError: 415 for an unknown content type; 400 when the body is not JSON or not a
 * patch of the right shape; 422 when a JSON patch operation does not apply (failed `test`,
 * missing path); 413 for more than 10000 JSON patch operations; 500 for
 * application/apply-patch+yaml, which callers must route to server-side apply instead.
 */
export function applyPatch(
  contentType: string,
  original: unknown,
  patchBody: string,
  schemaKey: SchemaKey,
): unknown {
  const type = patchTypeOf(contentType);
  if (type === 'apply') {
    throw internalError(
      `${APPLY_PATCH_CONTENT_TYPE} (server-side apply) is not handled by applyPatch; route it to the apply engine`,
    );
  }
  const patch = decode(patchBody);
  switch (type) {
    case 'json':
      return applyJsonPatch(original, patch);
    case 'merge':
      return jsonMergePatch(structuredClone(original), requireObject(patch, 'a merge patch'));
    case 'strategic':
      return strategicMergePatch(
        objectToPatch(original),
        requireObject(patch, 'a strategic merge patch'),
        patchSchemaFor(schemaKey) ?? {},
      );
  }
}

function decode(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch (err) {
    const why = body.trim() === '' ? 'the body is empty' : (err as Error).message;
    throw badRequest(`error decoding patch: ${why}`);
  }
}

/** Kubernetes objects are JSON objects, so a merge patch that is not one could only break them. */
function requireObject(patch: unknown, what: string): JsonObject {
  if (!isJsonObject(patch)) {
    const got = patch === null ? 'null' : Array.isArray(patch) ? 'an array' : typeof patch;
    throw badRequest(`error decoding patch: ${what} must be a JSON object, got ${got}`);
  }
  return patch;
}

function objectToPatch(original: unknown): JsonObject {
  if (!isJsonObject(original)) throw internalError('the object to patch is not a JSON object');
  return original;
}
