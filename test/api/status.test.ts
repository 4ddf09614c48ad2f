import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { conflict, invalid, isStatusError, notFound, StatusError } from '../../src/api/status.js';
import { KBOX_VERSION } from '../../src/api/version.js';

test('notFound carries upstream message, reason and details', () => {
  const err = notFound({ group: 'apps', resource: 'deployments' }, 'web');
  assert.ok(isStatusError(err, 'NotFound'));
  assert.equal(err.code, 404);
  assert.equal(err.message, 'deployments.apps "web" not found');
  assert.deepEqual(err.status.details, { name: 'web', group: 'apps', kind: 'deployments' });
});

test('core group resources are not qualified', () => {
  assert.equal(notFound({ group: '', resource: 'pods' }, 'x').message, 'pods "x" not found');
});

test('details leave out empty fields, as metav1.StatusDetails and StatusCause marshal', () => {
  assert.deepEqual(notFound({ group: '', resource: 'pods' }, 'x').status.details, {
    name: 'x',
    kind: 'pods',
  });
  const err = StatusError.from(422, 'Invalid', 'm', {
    name: '',
    group: 'meta.k8s.io',
    kind: 'ListOptions',
    uid: '',
    causes: [{ reason: 'FieldValueTooLong', message: 'Too long', field: '' }, {}],
    retryAfterSeconds: 0,
  });
  assert.deepEqual(err.status.details, {
    group: 'meta.k8s.io',
    kind: 'ListOptions',
    causes: [{ reason: 'FieldValueTooLong', message: 'Too long' }, {}],
  });
  assert.deepEqual(
    StatusError.from(429, 'TooManyRequests', 'm', { causes: [] }).status.details,
    {},
  );
});

test('conflict says what cannot be fulfilled', () => {
  const err = conflict({ group: '', resource: 'configmaps' }, 'c', 'the object has been modified');
  assert.equal(err.code, 409);
  assert.equal(err.reason, 'Conflict');
  assert.equal(
    err.message,
    'Operation cannot be fulfilled on configmaps "c": the object has been modified',
  );
});

test('invalid lists one error bare and several in brackets', () => {
  const one = invalid('Pod', '', 'p', [
    { type: 'FieldValueRequired', field: 'spec.containers', detail: 'Required value' },
  ]);
  assert.equal(one.code, 422);
  assert.equal(one.message, 'Pod "p" is invalid: spec.containers: Required value');
  const two = invalid('Deployment', 'apps', 'd', [
    { type: 'FieldValueRequired', field: 'spec.selector', detail: 'Required value' },
    {
      type: 'FieldValueInvalid',
      field: 'spec.replicas',
      detail: 'Invalid value: -1: must be >= 0',
    },
  ]);
  assert.equal(
    two.message,
    'Deployment.apps "d" is invalid: [spec.selector: Required value, spec.replicas: Invalid value: -1: must be >= 0]',
  );
  assert.equal(two.status.details?.causes?.length, 2);
});

test('StatusError round-trips through JSON', () => {
  const err = notFound({ group: '', resource: 'pods' }, 'x');
  const back = new StatusError(JSON.parse(JSON.stringify(err.status)));
  assert.ok(isStatusError(back, 'NotFound'));
  assert.equal(back.message, err.message);
});

test('KBOX_VERSION matches package.json', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
  assert.equal(KBOX_VERSION, pkg.version);
});
