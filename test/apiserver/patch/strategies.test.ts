import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fieldPatchMeta, patchSchemaFor } from '../../../src/apiserver/patch/strategies.js';

test('core kinds are looked up with the empty group, others by group', () => {
  const pod = patchSchemaFor({ group: '', kind: 'Pod' });
  assert.deepEqual(pod?.['spec']?.fields?.['containers']?.mergeKey, 'name');
  assert.deepEqual(
    patchSchemaFor({ group: 'apps', kind: 'Deployment' })?.['spec']?.fields?.['strategy'],
    { retainKeys: true },
  );
  assert.equal(patchSchemaFor({ group: 'apps', kind: 'Pod' }), undefined);
  assert.equal(patchSchemaFor({ group: 'example.com', kind: 'Widget' }), undefined);
});

test('the pod template is shared by every workload, with upstream merge keys', () => {
  for (const [group, kind] of [
    ['apps', 'Deployment'],
    ['apps', 'ReplicaSet'],
    ['apps', 'StatefulSet'],
    ['apps', 'DaemonSet'],
    ['batch', 'Job'],
    ['', 'ReplicationController'],
  ] as const) {
    const template = patchSchemaFor({ group, kind })?.['spec']?.fields?.['template']?.fields;
    const container = template?.['spec']?.fields?.['containers']?.fields;
    assert.deepEqual(
      {
        ports: container?.['ports']?.mergeKey,
        env: container?.['env']?.mergeKey,
        volumeMounts: container?.['volumeMounts']?.mergeKey,
        volumeDevices: container?.['volumeDevices']?.mergeKey,
        volumes: template?.['spec']?.fields?.['volumes'],
        finalizers: template?.['metadata']?.fields?.['finalizers'],
        conditions: patchSchemaFor({ group, kind })?.['status']?.fields?.['conditions'],
      },
      {
        ports: 'containerPort',
        env: 'name',
        volumeMounts: 'mountPath',
        volumeDevices: 'devicePath',
        volumes: { strategy: 'merge', mergeKey: 'name', retainKeys: true },
        finalizers: { strategy: 'merge' },
        conditions: { strategy: 'merge', mergeKey: 'type' },
      },
      `${group}/${kind}`,
    );
  }
});

test('field lookup ignores inherited properties', () => {
  const pod = patchSchemaFor({ group: '', kind: 'Pod' });
  assert.ok(pod);
  assert.equal(fieldPatchMeta(pod, 'constructor'), undefined);
  assert.equal(fieldPatchMeta(pod, 'toString'), undefined);
  assert.equal(patchSchemaFor({ group: '', kind: 'constructor' }), undefined);
});
