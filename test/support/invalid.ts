// Assertions on 422 Invalid answers, as upstream's errors.NewInvalid builds them.
import assert from 'node:assert/strict';

type Json = Record<string, unknown>;
/** [reason, field (absent for the object as a whole), message] of one cause. */
export type Cause = [string, string | undefined, string];

/** errors.NewInvalid's message: one error alone, several in brackets, repeats dropped. */
export function invalidMessage(
  kind: string,
  group: string | undefined,
  name: string,
  causes: Cause[],
): string {
  const parts = [...new Set(causes.map(([, f, m]) => `${f ?? ''}: ${m}`))];
  const joined = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
  return `${group ? `${kind}.${group}` : kind} "${name}" is invalid: ${joined}`;
}

/** `res` is a 422 Invalid Status for `kind` (of `group`, undefined for core) `name` with `causes`. */
export async function expectInvalid(
  res: Response,
  kind: string,
  group: string | undefined,
  name: string,
  causes: Cause[],
): Promise<void> {
  const status = (await res.json()) as Json;
  assert.equal(res.status, 422, JSON.stringify(status));
  assert.equal(status.reason, 'Invalid');
  assert.equal(status.code, 422);
  const details = status.details as { causes: Json[]; kind: string; name: string; group?: string };
  // StatusCause's fields are omitempty: a cause on the object as a whole has no field at all.
  assert.ok(details.causes.every((c) => c.field !== ''));
  assert.deepEqual(
    details.causes.map((c) => [c.reason, c.field, c.message]),
    causes,
  );
  assert.equal(details.kind, kind);
  assert.equal(details.name, name);
  // metav1.StatusDetails' group is omitempty: a core kind's details carry none.
  assert.equal(details.group, group);
  assert.equal(status.message, invalidMessage(kind, group, name, causes));
}
