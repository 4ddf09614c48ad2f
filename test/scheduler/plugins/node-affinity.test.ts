// The NodeAffinity filter: node selectors, matchExpressions, and matchFields on metadata.name
// (the way DaemonSet pods are pinned to their node).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../../src/api/types.js';
import { nodeAffinity } from '../../../src/scheduler/plugins/node-affinity.js';

const node = (name: string, labels: Record<string, string> = {}): KubeObject => ({
  metadata: { name, labels },
});
const pod = (spec: Record<string, unknown>): KubeObject => ({ metadata: { name: 'p' }, spec });
const code = (p: KubeObject, n: KubeObject): string =>
  (nodeAffinity.filter(p, { node: n } as never) as { code: string }).code;

const pinned = (name: string, expressions?: unknown[]): KubeObject =>
  pod({
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            {
              matchFields: [{ key: 'metadata.name', operator: 'In', values: [name] }],
              ...(expressions ? { matchExpressions: expressions } : {}),
            },
          ],
        },
      },
    },
  });

test('matchFields metadata.name picks exactly that node', () => {
  assert.equal(code(pinned('n1'), node('n1')), 'Success');
  assert.equal(code(pinned('n1'), node('n2')), 'UnschedulableAndUnresolvable');
  // Fields and expressions of one term must both hold.
  const both = pinned('n1', [{ key: 'disk', operator: 'In', values: ['ssd'] }]);
  assert.equal(code(both, node('n1', { disk: 'ssd' })), 'Success');
  assert.equal(code(both, node('n1', { disk: 'hdd' })), 'UnschedulableAndUnresolvable');
});

test('node selector and expressions as before; an empty term matches nothing', () => {
  assert.equal(code(pod({ nodeSelector: { a: 'b' } }), node('n', { a: 'b' })), 'Success');
  assert.equal(code(pod({ nodeSelector: { a: 'b' } }), node('n')), 'UnschedulableAndUnresolvable');
  const empty = pod({
    affinity: {
      nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{}] } },
    },
  });
  assert.equal(code(empty, node('n')), 'UnschedulableAndUnresolvable');
  assert.equal(code(pod({}), node('n')), 'Success');
});
