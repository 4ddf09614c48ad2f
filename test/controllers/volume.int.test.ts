// The persistent volume controller against a real API server: the default class, classless
// claims, WaitForFirstConsumer provisioning into a host directory, static binding, reclaim.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../../src/api/types.js';
import { Informer } from '../../src/client/informer.js';
import { KubeClient, type ResourceRef } from '../../src/client/rest.js';
import {
  PersistentVolumeController,
  PVCS,
  PVS,
  STORAGE_CLASSES,
} from '../../src/controllers/volume/controller.js';
import { startTestApi, type TestApi } from '../support/apiserver.js';

const EVENTS: ResourceRef = { group: '', version: 'v1', resource: 'events', namespaced: true };
const dir = mkdtempSync(join(tmpdir(), 'kbox-volumes-'));
let api: TestApi;
let client: KubeClient;
let informers: { pvcs: Informer; pvs: Informer; storageclasses: Informer };
let controller: PersistentVolumeController;

async function until<T>(fn: () => Promise<T | undefined>, what: string): Promise<T> {
  const end = Date.now() + 15_000;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const phase = (o: KubeObject) => (o.status as { phase?: string } | undefined)?.phase;
const claim = (name: string, spec: object): KubeObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
});

before(async () => {
  api = await startTestApi();
  client = new KubeClient({ server: api.url });
  informers = {
    pvcs: new Informer(client, PVCS),
    pvs: new Informer(client, PVS),
    storageclasses: new Informer(client, STORAGE_CLASSES),
  };
  await Promise.all(Object.values(informers).map((i) => i.start()));
  controller = new PersistentVolumeController(client, informers, () => {}, dir);
  await controller.start();
});

after(async () => {
  await controller.stop();
  await Promise.all(Object.values(informers).map((i) => i.stop()));
  await client.close();
  await api.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('the default class provisions a host directory once a node is selected, and deletes it with the claim', async () => {
  const sc = await client.get(STORAGE_CLASSES, undefined, 'standard');
  assert.deepEqual(
    [
      sc.metadata.annotations,
      (sc as { provisioner?: string }).provisioner,
      (sc as { volumeBindingMode?: string }).volumeBindingMode,
    ],
    [
      { 'storageclass.kubernetes.io/is-default-class': 'true' },
      'kbox.io/local-path',
      'WaitForFirstConsumer',
    ],
  );
  await client.create(PVCS, 'default', claim('data', {}));
  const classed = await until(async () => {
    const c = await client.get(PVCS, 'default', 'data');
    return (c.spec as { storageClassName?: string }).storageClassName === 'standard' &&
      phase(c) === 'Pending'
      ? c
      : undefined;
  }, 'the default class and Pending');
  const waiting = await until(async () => {
    const ev = await client.list(EVENTS, 'default', { fieldSelector: 'involvedObject.name=data' });
    return ev.items.find(
      (e) => (e as unknown as { reason: string }).reason === 'WaitForFirstConsumer',
    );
  }, 'WaitForFirstConsumer');
  assert.equal(
    (waiting as unknown as { message: string }).message,
    'waiting for first consumer to be created before binding',
  );

  // The scheduler's PreBind marks the chosen node.
  await client.patch(PVCS, 'default', 'data', {
    metadata: { annotations: { 'volume.kubernetes.io/selected-node': 'n1' } },
  });
  const pvName = `pvc-${classed.metadata.uid ?? ''}`;
  const bound = await until(async () => {
    const c = await client.get(PVCS, 'default', 'data');
    return phase(c) === 'Bound' ? c : undefined;
  }, 'claim Bound');
  assert.equal((bound.spec as { volumeName?: string }).volumeName, pvName);
  assert.deepEqual(bound.status, {
    phase: 'Bound',
    accessModes: ['ReadWriteOnce'],
    capacity: { storage: '1Gi' },
  });
  const pv = await until(async () => {
    const v = await client.get(PVS, undefined, pvName);
    return phase(v) === 'Bound' ? v : undefined;
  }, 'volume Bound');
  const spec = pv.spec as {
    hostPath: { path: string };
    persistentVolumeReclaimPolicy: string;
    claimRef: { name: string };
    nodeAffinity: unknown;
  };
  assert.equal(spec.hostPath.path, join(dir, pvName));
  assert.equal(spec.persistentVolumeReclaimPolicy, 'Delete');
  assert.equal(spec.claimRef.name, 'data');
  assert.ok(existsSync(join(dir, pvName)));

  await client.delete(PVCS, 'default', 'data');
  await until(async () => {
    const v = await client.get(PVS, undefined, pvName).catch(() => undefined);
    return v === undefined ? true : undefined;
  }, 'the volume deleted');
  assert.equal(existsSync(join(dir, pvName)), false, 'its directory is gone');
});

test('a claim binds to the smallest matching static volume, which is retained after the claim', async () => {
  const staticPv = (name: string, size: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name },
    spec: {
      capacity: { storage: size },
      accessModes: ['ReadWriteOnce'],
      storageClassName: 'manual',
      hostPath: { path: join(dir, name) },
    },
  });
  await client.create(PVS, undefined, staticPv('big', '10Gi'));
  await client.create(PVS, undefined, staticPv('fit', '2Gi'));
  await client.create(PVS, undefined, staticPv('tiny', '500Mi'));
  await until(async () => {
    const v = await client.get(PVS, undefined, 'fit');
    return phase(v) === 'Available' ? true : undefined;
  }, 'static volumes Available');
  await client.create(PVCS, 'default', claim('static', { storageClassName: 'manual' }));
  const bound = await until(async () => {
    const c = await client.get(PVCS, 'default', 'static');
    return phase(c) === 'Bound' ? c : undefined;
  }, 'claim Bound');
  assert.equal((bound.spec as { volumeName?: string }).volumeName, 'fit');
  await client.delete(PVCS, 'default', 'static');
  const released = await until(async () => {
    const v = await client.get(PVS, undefined, 'fit');
    return phase(v) === 'Released' ? v : undefined;
  }, 'volume Released');
  assert.ok(released, 'Retain (the default for static volumes) keeps it');
});
