import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isStatusError, StatusError } from '../../../src/api/status.js';
import type { KubeObject } from '../../../src/api/types.js';
import {
  apply,
  managerFromUserAgent,
  recordUpdate,
  type FieldManagerContext,
} from '../../../src/apiserver/fieldmanager/manager.js';

const ctx = (now = '2026-01-01T00:00:00Z'): FieldManagerContext => ({
  schemaKey: { group: 'apps', kind: 'Deployment' },
  apiVersion: 'apps/v1',
  hasStatus: true,
  now,
});

function deployment(replicas: number, image = 'nginx'): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image }] },
      },
    },
  };
}

function managers(obj: KubeObject): string[] {
  return (obj.metadata.managedFields ?? []).map(
    (m) => `${m.manager}/${m.operation}${m.subresource ? `/${m.subresource}` : ''}`,
  );
}

test('manager names come from the User-Agent before its first "/"', () => {
  assert.equal(managerFromUserAgent('kubectl/v1.32.0 (linux/amd64) kubernetes/70d3cc9'), 'kubectl');
  assert.equal(managerFromUserAgent('kbox'), 'kbox');
  assert.equal(managerFromUserAgent(undefined), '');
  assert.equal(managerFromUserAgent('a\u0007b/1'), 'ab');
  assert.equal(managerFromUserAgent('x'.repeat(200)).length, 128);
});

test('recordUpdate: create records one Update entry; strips name, namespace and status', () => {
  const obj = deployment(2);
  obj.status = { replicas: 0 };
  recordUpdate(undefined, obj, { manager: 'kubectl-create' }, ctx());
  assert.deepEqual(obj.metadata.managedFields, [
    {
      manager: 'kubectl-create',
      operation: 'Update',
      apiVersion: 'apps/v1',
      time: '2026-01-01T00:00:00Z',
      fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:metadata': { 'f:labels': { 'f:app': {}, '.': {} } },
        'f:spec': {
          'f:replicas': {},
          'f:selector': {},
          'f:template': {
            'f:metadata': { 'f:labels': { 'f:app': {}, '.': {} } },
            'f:spec': {
              'f:containers': { 'k:{"name":"web"}': { 'f:image': {}, 'f:name': {}, '.': {} } },
            },
          },
        },
      },
    },
  ]);
});

test('recordUpdate: the writer takes changed fields from others; emptied managers go', () => {
  const live = deployment(2);
  recordUpdate(undefined, live, { manager: 'kubectl-create' }, ctx());
  const scaled = structuredClone(live);
  (scaled.spec as { replicas: number }).replicas = 5;
  recordUpdate(
    live,
    scaled,
    { manager: 'kubectl', subresource: 'scale' },
    ctx('2026-01-01T00:01:00Z'),
  );
  assert.deepEqual(managers(scaled), ['kubectl-create/Update', 'kubectl/Update/scale']);
  const [create, scale] = scaled.metadata.managedFields ?? [];
  assert.deepEqual(scale?.fieldsV1, { 'f:spec': { 'f:replicas': {} } });
  assert.equal(
    Object.hasOwn((create?.fieldsV1 as { 'f:spec': object })['f:spec'], 'f:replicas'),
    false,
  );
  // A no-op write adds no entry; a write of the only owned field removes the old owner.
  const same = structuredClone(scaled);
  recordUpdate(scaled, same, { manager: 'other' }, ctx());
  assert.deepEqual(managers(same), managers(scaled));
  const again = structuredClone(scaled);
  (again.spec as { replicas: number }).replicas = 6;
  recordUpdate(scaled, again, { manager: 'hpa' }, ctx('2026-01-01T00:02:00Z'));
  assert.deepEqual(managers(again), ['kubectl-create/Update', 'hpa/Update']);
});

test('recordUpdate: more than 10 Update managers fold the oldest into ancient-changes', () => {
  let obj = deployment(0);
  recordUpdate(undefined, obj, { manager: 'm0' }, ctx('2026-01-01T00:00:00Z'));
  for (let i = 1; i <= 11; i++) {
    const next = structuredClone(obj);
    next.metadata.labels = { ...next.metadata.labels, [`l${i}`]: 'x' };
    recordUpdate(
      obj,
      next,
      { manager: `m${i}` },
      ctx(`2026-01-01T00:${String(i).padStart(2, '0')}:00Z`),
    );
    obj = next;
  }
  const names = managers(obj);
  assert.equal(names.length, 10);
  assert.ok(names.includes('ancient-changes/Update'));
  assert.ok(!names.includes('m0/Update') && !names.includes('m1/Update'));
  assert.ok(names.includes('m11/Update'));
});

test('apply: create, no-op re-apply keeps the time, conflicts name the other manager', () => {
  const created = apply(undefined, deployment(2), { manager: 'kubectl' }, false, ctx());
  assert.deepEqual(managers(created), ['kubectl/Apply']);
  const again = apply(
    created,
    deployment(2),
    { manager: 'kubectl' },
    false,
    ctx('2026-01-02T00:00:00Z'),
  );
  assert.equal(again.metadata.managedFields?.[0]?.time, '2026-01-01T00:00:00Z');

  const scaled = structuredClone(again);
  (scaled.spec as { replicas: number }).replicas = 3;
  recordUpdate(again, scaled, { manager: 'kubectl', subresource: 'scale' }, ctx());
  let err: unknown;
  try {
    apply(scaled, deployment(2), { manager: 'kubectl' }, false, ctx());
  } catch (e) {
    err = e;
  }
  assert.ok(isStatusError(err, 'Conflict'));
  assert.equal(err.code, 409);
  assert.equal(
    err.message,
    'Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas',
  );
  assert.deepEqual(err.status.details, {
    causes: [
      {
        reason: 'FieldManagerConflict',
        message: 'conflict with "kubectl" with subresource "scale" using apps/v1',
        field: '.spec.replicas',
      },
    ],
  });
  // Applying the value the other manager set is shared ownership, not a conflict.
  const shared = apply(scaled, deployment(3), { manager: 'kubectl' }, false, ctx());
  assert.deepEqual(managers(shared), ['kubectl/Apply', 'kubectl/Update/scale']);
  // force takes the field over; the scale manager, left with nothing, goes.
  const forced = apply(scaled, deployment(2), { manager: 'kubectl' }, true, ctx());
  assert.equal((forced.spec as { replicas: number }).replicas, 2);
  assert.deepEqual(managers(forced), ['kubectl/Apply']);
});

test('apply: several conflicts are grouped by manager in upstream wording', () => {
  const a = apply(undefined, deployment(2), { manager: 'a' }, false, ctx());
  const b = apply(a, deployment(2), { manager: 'b' }, false, ctx());
  const cfg = deployment(4, 'busybox');
  assert.throws(
    () => apply(b, cfg, { manager: 'c' }, false, ctx()),
    (e: unknown) =>
      e instanceof StatusError &&
      e.message ===
        'Apply failed with 4 conflicts: conflicts with "a":\n- .spec.replicas\n' +
          '- .spec.template.spec.containers[name="web"].image\nconflicts with "b":\n' +
          '- .spec.replicas\n- .spec.template.spec.containers[name="web"].image',
  );
});

test('apply: fields dropped from the configuration are removed unless someone else owns them', () => {
  const withEnv = deployment(2);
  const spec = withEnv.spec as {
    template: { spec: { containers: Array<Record<string, unknown>> } };
  };
  spec.template.spec.containers[0]!.env = [{ name: 'A', value: '1' }];
  withEnv.metadata.labels = { app: 'web', tier: 'fe' };
  const live = apply(undefined, withEnv, { manager: 'kubectl' }, false, ctx());
  const labelled = structuredClone(live);
  labelled.metadata.labels = { ...labelled.metadata.labels, team: 'x' };
  recordUpdate(live, labelled, { manager: 'kubectl-label' }, ctx());

  const out = apply(labelled, deployment(2), { manager: 'kubectl' }, false, ctx());
  const container = (out.spec as typeof spec).template.spec.containers[0]!;
  assert.equal(Object.hasOwn(container, 'env'), false);
  // tier was only ours: gone; team belongs to kubectl-label: kept.
  assert.deepEqual(out.metadata.labels, { app: 'web', team: 'x' });
});

test('apply onto an object nobody tracked gives its fields to before-first-apply', () => {
  const live = { ...deployment(2), metadata: { ...deployment(2).metadata, uid: 'u' } };
  const out = apply(live, deployment(2), { manager: 'kubectl' }, false, ctx());
  assert.deepEqual(managers(out), ['kubectl/Apply', 'before-first-apply/Update']);
});

test('apply: metadata with only stripped fields (name, namespace) owns nothing', () => {
  const cm: KubeObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'c', namespace: 'default' },
    data: { a: '1' },
  };
  const cmCtx: FieldManagerContext = {
    schemaKey: { group: '', kind: 'ConfigMap' },
    apiVersion: 'v1',
    hasStatus: false,
    now: '2026-01-01T00:00:00Z',
  };
  const out = apply(undefined, cm, { manager: 'kubectl' }, false, cmCtx);
  assert.deepEqual(out.metadata.managedFields?.[0]?.fieldsV1, { 'f:data': { 'f:a': {} } });
  const created = structuredClone(cm);
  recordUpdate(undefined, created, { manager: 'kubectl-create' }, cmCtx);
  assert.deepEqual(created.metadata.managedFields?.[0]?.fieldsV1, {
    'f:data': { '.': {}, 'f:a': {} },
  });
});
