import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  fenceposts,
  newReplicaSetReplicas,
  resolveIntOrPercent,
  scaleDownOld,
  templateHash,
} from '../../src/controllers/deployment/rollout.js';

test('percentages round up for surge and down for unavailable', () => {
  assert.equal(resolveIntOrPercent('25%', 3, true), 1);
  assert.equal(resolveIntOrPercent('25%', 3, false), 0);
  assert.equal(resolveIntOrPercent(2, 10, false), 2);
  assert.deepEqual(fenceposts('25%', '25%', 3), { surge: 1, unavailable: 0 });
  assert.deepEqual(fenceposts(0, 0, 3), { surge: 0, unavailable: 1 }, 'never both zero');
});

test('the new ReplicaSet grows only into the surge room', () => {
  assert.equal(newReplicaSetReplicas(3, 1, 0, 3), 1);
  assert.equal(newReplicaSetReplicas(3, 1, 1, 4), 1);
  assert.equal(newReplicaSetReplicas(3, 1, 1, 3), 2);
  assert.equal(newReplicaSetReplicas(3, 0, 3, 5), 3);
});

test('old ReplicaSets shrink by their unavailable pods, then within the budget', () => {
  assert.deepEqual(scaleDownOld([{ replicas: 3, available: 3 }], 3, 0, 3), [3]);
  assert.deepEqual(scaleDownOld([{ replicas: 3, available: 3 }], 3, 0, 4), [2]);
  assert.deepEqual(
    scaleDownOld(
      [
        { replicas: 2, available: 1 },
        { replicas: 2, available: 2 },
      ],
      3,
      1,
      3,
    ),
    [0, 2],
  );
});

test('template hashes are stable and safe-encoded', () => {
  const h = templateHash({ spec: { containers: [{ name: 'a', image: 'x' }] } });
  assert.match(h, /^[bcdfghjklmnpqrstvwxz2456789]+$/);
  assert.equal(h, templateHash({ spec: { containers: [{ name: 'a', image: 'x' }] } }));
  assert.notEqual(h, templateHash({ spec: { containers: [{ name: 'a', image: 'y' }] } }));
  assert.notEqual(h, templateHash({ spec: { containers: [{ name: 'a', image: 'x' }] } }, 1));
});
