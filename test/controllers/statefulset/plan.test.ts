// The StatefulSet's ordinal planning: what one sync does for OrderedReady and Parallel sets,
// scale-down, failed pods, rolling updates with a partition, and OnDelete.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ordinalOf,
  planStatefulSet,
  replicaCounts,
  revisionFor,
  type PlanInput,
  type ReplicaView,
} from '../../../src/controllers/statefulset/plan.js';

const pod = (ordinal: number, over: Partial<ReplicaView> = {}): ReplicaView => ({
  name: `web-${ordinal}`,
  ordinal,
  revision: 'web-new',
  phase: 'Running',
  ready: true,
  available: true,
  terminating: false,
  ...over,
});
const notReady = { phase: 'Pending', ready: false, available: false };

const input = (pods: ReplicaView[], over: Partial<PlanInput> = {}): PlanInput => ({
  setName: 'web',
  replicas: 3,
  start: 0,
  monotonic: true,
  onDelete: false,
  partition: 0,
  updateRevision: 'web-new',
  pods,
  ...over,
});

test('ordinalOf parses SET-N only', () => {
  assert.equal(ordinalOf('web', 'web-0'), 0);
  assert.equal(ordinalOf('web', 'web-12'), 12);
  assert.equal(ordinalOf('web', 'web-01'), -1);
  assert.equal(ordinalOf('web', 'web-x'), -1);
  assert.equal(ordinalOf('web', 'webby-1'), -1);
  assert.equal(ordinalOf('my-web', 'my-web-3'), 3);
});

test('OrderedReady creates the lowest missing ordinal, one at a time', () => {
  assert.deepEqual(planStatefulSet(input([])), [{ op: 'create', ordinal: 0, revision: 'update' }]);
  // web-0 exists but is not Ready: wait.
  assert.deepEqual(planStatefulSet(input([pod(0, notReady)])), []);
  // Ready but not yet available (minReadySeconds): wait.
  assert.deepEqual(planStatefulSet(input([pod(0, { available: false })])), []);
  assert.deepEqual(planStatefulSet(input([pod(0)])), [
    { op: 'create', ordinal: 1, revision: 'update' },
  ]);
  // A hole is filled before anything above it.
  assert.deepEqual(planStatefulSet(input([pod(0), pod(2)])), [
    { op: 'create', ordinal: 1, revision: 'update' },
  ]);
  assert.deepEqual(planStatefulSet(input([pod(0), pod(1), pod(2)])), []);
});

test('spec.ordinals.start shifts the range', () => {
  assert.deepEqual(planStatefulSet(input([], { start: 5, replicas: 2 })), [
    { op: 'create', ordinal: 5, revision: 'update' },
  ]);
});

test('Parallel creates every missing ordinal at once, ready or not', () => {
  assert.deepEqual(planStatefulSet(input([pod(1, notReady)], { monotonic: false })), [
    { op: 'create', ordinal: 0, revision: 'update' },
    { op: 'create', ordinal: 2, revision: 'update' },
  ]);
});

test('failed or succeeded pods are deleted, to be recreated on a later sync', () => {
  assert.deepEqual(planStatefulSet(input([pod(0, { phase: 'Failed', ready: false })])), [
    { op: 'delete', name: 'web-0', why: 'failed' },
  ]);
  assert.deepEqual(
    planStatefulSet(input([pod(0, { phase: 'Succeeded', ready: false, terminating: true })])),
    [],
  );
});

test('scale-down deletes the highest ordinal first, one at a time when ordered', () => {
  const all = [pod(0), pod(1), pod(2), pod(3), pod(4)];
  assert.deepEqual(planStatefulSet(input(all)), [
    { op: 'delete', name: 'web-4', why: 'scale-down' },
  ]);
  // Waits for the terminating one to go.
  assert.deepEqual(
    planStatefulSet(input([pod(0), pod(1), pod(2), pod(3), pod(4, { terminating: true })])),
    [],
  );
  // An unhealthy condemned pod blocks the scale-down unless it is the first unhealthy pod
  // (the lowest ordinal); a healthy one above an unhealthy one still goes.
  assert.deepEqual(
    planStatefulSet(input([pod(0), pod(1), pod(2), pod(3, notReady), pod(4, notReady)])),
    [],
  );
  assert.deepEqual(planStatefulSet(input([pod(0), pod(1), pod(2), pod(3, notReady), pod(4)])), [
    { op: 'delete', name: 'web-4', why: 'scale-down' },
  ]);
  assert.deepEqual(planStatefulSet(input([pod(0), pod(1), pod(2), pod(3, notReady)])), [
    { op: 'delete', name: 'web-3', why: 'scale-down' },
  ]);
  // Nothing is scaled down while a replica in range is unhealthy.
  assert.deepEqual(planStatefulSet(input([pod(0), pod(1, notReady), pod(2), pod(3)])), []);
  assert.deepEqual(planStatefulSet(input(all, { monotonic: false })), [
    { op: 'delete', name: 'web-4', why: 'scale-down' },
    { op: 'delete', name: 'web-3', why: 'scale-down' },
  ]);
});

test('rolling update: highest ordinal first, waiting for each to be healthy', () => {
  const old = { revision: 'web-old' };
  assert.deepEqual(planStatefulSet(input([pod(0, old), pod(1, old), pod(2, old)])), [
    { op: 'delete', name: 'web-2', why: 'update' },
  ]);
  // web-2 was replaced and is not Ready yet: ordered sets wait in the replica pass already.
  assert.deepEqual(planStatefulSet(input([pod(0, old), pod(1, old), pod(2, notReady)])), []);
  // Parallel sets wait in the update pass.
  assert.deepEqual(
    planStatefulSet(input([pod(0, old), pod(1, old), pod(2, notReady)], { monotonic: false })),
    [],
  );
  assert.deepEqual(planStatefulSet(input([pod(0, old), pod(1, old), pod(2)])), [
    { op: 'delete', name: 'web-1', why: 'update' },
  ]);
  // A partition of 2 leaves web-0 and web-1 alone.
  assert.deepEqual(
    planStatefulSet(input([pod(0, old), pod(1, old), pod(2)], { partition: 2 })),
    [],
  );
  // OnDelete never deletes for an update.
  assert.deepEqual(
    planStatefulSet(input([pod(0, old), pod(1, old), pod(2, old)], { onDelete: true })),
    [],
  );
});

test('pods below the partition are created at the current revision', () => {
  assert.equal(revisionFor(0, 2), 'current');
  assert.equal(revisionFor(2, 2), 'update');
  assert.equal(revisionFor(0, undefined), 'update');
  assert.deepEqual(planStatefulSet(input([pod(1), pod(2)], { partition: 2 })), [
    { op: 'create', ordinal: 0, revision: 'current' },
  ]);
});

test('replicaCounts counts as upstream computeReplicaStatus', () => {
  const counts = replicaCounts(
    [
      pod(0, { revision: 'a' }),
      pod(1, { revision: 'b', available: false }),
      pod(2, { revision: 'b', terminating: true }),
      pod(3, { revision: 'b', phase: '', ready: false, available: false }),
    ],
    'a',
    'b',
  );
  assert.deepEqual(counts, {
    replicas: 3,
    readyReplicas: 3,
    availableReplicas: 2,
    currentReplicas: 1,
    updatedReplicas: 1,
  });
});
