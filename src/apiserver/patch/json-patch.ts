// JSON patch, RFC 6902: what `kubectl rollout undo` (Deployments) and @kubernetes/client-node's
// typed patch methods send. Application is delegated to fast-json-patch; this module validates
// operations up front and turns failures into Status errors with upstream's codes.

import fastJsonPatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { badRequest, StatusError } from '../../api/status.js';
import { isJsonObject } from './json-value.js';

/** Upstream's limit on operations in one JSON patch (apiserver handlers/patch.go). */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

/**
 * Checks that `operations` is a well-formed RFC 6902 patch. Throws 400 BadRequest naming the
 * offending operation, or 413 past MAX_JSON_PATCH_OPERATIONS.
 */
export function parseJsonPatch(operations: unknown): Operation[] {
  if (!Array.isArray(operations)) {
    throw badRequest(
      `error decoding patch: a JSON patch must be a JSON array of operations, got ${kindName(operations)}`,
    );
  }
  if (operations.length > MAX_JSON_PATCH_OPERATIONS) {
    throw StatusError.from(
      413,
      'RequestEntityTooLarge',
      `The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${operations.length}`,
    );
  }
  operations.forEach((op: unknown, i) => {
    const bad = (why: string): StatusError =>
      badRequest(`invalid JSON patch operation ${i}: ${why}`);
    if (!isJsonObject(op)) throw bad(`must be an object, got ${kindName(op)}`);
    const name = op['op'];
    if (typeof name !== 'string' || !OPS.has(name)) {
      throw bad(
        `"op" must be one of add, remove, replace, move, copy, test; got ${JSON.stringify(name) ?? 'nothing'}`,
      );
    }
    for (const field of name === 'move' || name === 'copy' ? ['path', 'from'] : ['path']) {
      const pointer = op[field];
      if (typeof pointer !== 'string') throw bad(`${name} needs a string "${field}"`);
      if (pointer !== '' && !pointer.startsWith('/')) {
        throw bad(`"${field}" must be a JSON pointer starting with "/", got "${pointer}"`);
      }
    }
    if ((name === 'add' || name === 'replace' || name === 'test') && !Object.hasOwn(op, 'value')) {
      throw bad(`${name} needs a "value"`);
    }
  });
  return operations as Operation[];
}

/**
 * Applies the operations in order to a copy of `document` and returns the result; neither input
 * is mutated or shared with the result. An operation that does not apply (missing path, failed `test`, bad array index)
 * fails the whole patch with 422 Invalid, as upstream does.
 */
export function applyJsonPatch(document: unknown, operations: unknown): unknown {
  const ops = parseJsonPatch(structuredClone(operations));
  let doc: unknown = structuredClone(document);
  ops.forEach((op, i) => {
    try {
      doc = fastJsonPatch.applyOperation(doc, op, true, true, true, i).newDocument;
    } catch (err) {
      throw notApplicable(op, i, err);
    }
  });
  return doc;
}

function notApplicable(op: Operation, index: number, err: unknown): StatusError {
  const target = op.path === '' ? 'the document root' : op.path;
  let why: string;
  if (err instanceof fastJsonPatch.JsonPatchError) {
    switch (err.name) {
      case 'TEST_OPERATION_FAILED':
        why = `testing value ${target} failed: the value differs`;
        break;
      case 'OPERATION_FROM_UNRESOLVABLE':
        why = `${op.op} operation does not apply: doc is missing from path ${'from' in op ? op.from : ''}`;
        break;
      case 'OPERATION_PATH_ILLEGAL_ARRAY_INDEX':
      case 'OPERATION_VALUE_OUT_OF_BOUNDS':
        why = `${op.op} operation does not apply: invalid array index in ${target}`;
        break;
      default:
        why = `${op.op} operation does not apply: doc is missing path ${target}`;
    }
  } else {
    // fast-json-patch refuses __proto__ / constructor.prototype paths with a TypeError.
    why = `${op.op} operation does not apply to ${target}: ${err instanceof Error ? err.message : String(err)}`;
  }
  return StatusError.from(422, 'Invalid', `${why} (json patch operation ${index})`);
}

function kindName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
