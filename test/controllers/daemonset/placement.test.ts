// Where daemon pods belong: default tolerations, node-name affinity, the eligible-node predicate
// and one rolling-update step with maxUnavailable or maxSurge.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../../src/api/types.js';
import {
  daemonTolerations,
  nodeNameAffinity,
  nodeShouldRunDaemonPod,
  rollingUpdateStep,
  targetNodeName,
} from '../../../src/controllers/daemonset/placement.js';

const node = (name: string, labels: Record<string, string> = {}, spec = {}): KubeObject => ({
  metadata: { name, labels },
  spec,
});

test('daemon pods get upstream default tolerations, replacing equal ones', () => {
  const t = daemonTolerations({
    tolerations: [
      { key: 'a', operator: 'Equal', value: 'b', effect: 'NoSchedule' },
      {
        key: 'node.kubernetes.io/not-ready',
        operator: 'Exists',
        effect: 'NoExecute',
        tolerationSeconds: 5,
      },
    ],
  });
  assert.deepEqual(
    t.map((x) => `${x.key}:${x.effect ?? ''}`),
    [
      'a:NoSchedule',
      'node.kubernetes.io/not-ready:NoExecute',
      'node.kubernetes.io/unreachable:NoExecute',
      'node.kubernetes.io/disk-pressure:NoSchedule',
      'node.kubernetes.io/memory-pressure:NoSchedule',
      'node.kubernetes.io/pid-pressure:NoSchedule',
      'node.kubernetes.io/unschedulable:NoSchedule',
    ],
  );
  assert.equal(t[1]?.tolerationSeconds, undefined);
  assert.equal(
    daemonTolerations({ hostNetwork: true }).at(-1)?.key,
    'node.kubernetes.io/network-unavailable',
  );
});

test('node-name affinity replaces the required terms and is read back', () => {
  const affinity = nodeNameAffinity(
    {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: 'a', operator: 'Exists' }] }],
        },
        preferredDuringSchedulingIgnoredDuringExecution: [],
      },
      podAntiAffinity: {},
    },
    'n1',
  );
  assert.deepEqual(affinity, {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [
          { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] },
        ],
      },
      preferredDuringSchedulingIgnoredDuringExecution: [],
    },
    podAntiAffinity: {},
  });
  assert.equal(targetNodeName({ metadata: {}, spec: { affinity } }), 'n1');
  assert.equal(targetNodeName({ metadata: {}, spec: { nodeName: 'n2', affinity } }), 'n2');
  assert.equal(targetNodeName({ metadata: {}, spec: {} }), undefined);
});

test('nodeShouldRunDaemonPod: selector, affinity, taints, nodeName', () => {
  const spec = {
    nodeSelector: { disk: 'ssd' },
    tolerations: [{ key: 'gpu', operator: 'Exists' }],
  };
  const run = (n: KubeObject, s: Record<string, unknown> = spec) => nodeShouldRunDaemonPod(n, s);
  assert.deepEqual(run(node('a', { disk: 'ssd' })), {
    shouldRun: true,
    shouldContinueRunning: true,
  });
  assert.deepEqual(run(node('a', { disk: 'hdd' })), {
    shouldRun: false,
    shouldContinueRunning: false,
  });
  // Tolerated by the template, or by a daemon default.
  assert.equal(
    run(node('a', { disk: 'ssd' }, { taints: [{ key: 'gpu', effect: 'NoExecute' }] })).shouldRun,
    true,
  );
  assert.equal(
    run(
      node(
        'a',
        { disk: 'ssd' },
        { taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] },
      ),
    ).shouldRun,
    true,
  );
  // Untolerated NoSchedule: no new pod, but an existing one may stay.
  assert.deepEqual(
    run(node('a', { disk: 'ssd' }, { taints: [{ key: 'x', effect: 'NoSchedule' }] })),
    {
      shouldRun: false,
      shouldContinueRunning: true,
    },
  );
  assert.deepEqual(
    run(node('a', { disk: 'ssd' }, { taints: [{ key: 'x', effect: 'NoExecute' }] })),
    {
      shouldRun: false,
      shouldContinueRunning: false,
    },
  );
  // PreferNoSchedule does not matter.
  assert.equal(
    run(node('a', { disk: 'ssd' }, { taints: [{ key: 'x', effect: 'PreferNoSchedule' }] }))
      .shouldRun,
    true,
  );
  const affinity = {
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] },
            { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['special'] }] },
          ],
        },
      },
    },
  };
  assert.equal(run(node('x', { zone: 'a' }), affinity).shouldRun, true);
  assert.equal(run(node('x', { zone: 'b' }), affinity).shouldRun, false);
  assert.equal(run(node('special', { zone: 'b' }), affinity).shouldRun, true);
  assert.equal(run(node('b'), { nodeName: 'a' }).shouldRun, false);
});

const n = (
  node: string,
  pods: Array<[string, boolean, boolean]>,
  shouldRun = true,
): {
  node: string;
  shouldRun: boolean;
  pods: Array<{ name: string; updated: boolean; available: boolean }>;
} => ({
  node,
  shouldRun,
  pods: pods.map(([name, updated, available]) => ({ name, updated, available })),
});

test('rolling update without surge: old pods go within maxUnavailable', () => {
  const all = [
    n('a', [['a1', false, true]]),
    n('b', [['b1', false, true]]),
    n('c', [['c1', false, true]]),
  ];
  assert.deepEqual(rollingUpdateStep(all, 0, 1), { deletePods: ['a1'], createOn: [] });
  assert.deepEqual(rollingUpdateStep(all, 0, 2), { deletePods: ['a1', 'b1'], createOn: [] });
  // A node without its pod (being replaced) uses up the budget.
  assert.deepEqual(rollingUpdateStep([n('a', []), ...all.slice(1)], 0, 1), {
    deletePods: [],
    createOn: [],
  });
  // A new pod not yet available, too; an unavailable old pod may always go.
  assert.deepEqual(
    rollingUpdateStep(
      [n('a', [['a2', true, false]]), n('b', [['b1', false, false]]), all[2]!],
      0,
      1,
    ),
    { deletePods: ['b1'], createOn: [] },
  );
  // Nodes that should not run the daemon are the manage loop's business.
  assert.deepEqual(rollingUpdateStep([n('a', [['a1', false, true]], false)], 0, 1), {
    deletePods: [],
    createOn: [],
  });
});

test('rolling update with surge: new pods beside old ones, old ones go once new are available', () => {
  const all = [n('a', [['a1', false, true]]), n('b', [['b1', false, true]])];
  assert.deepEqual(rollingUpdateStep(all, 1, 0), { deletePods: [], createOn: ['a'] });
  assert.deepEqual(
    rollingUpdateStep(
      [
        n('a', [
          ['a1', false, true],
          ['a2', true, false],
        ]),
        all[1]!,
      ],
      1,
      0,
    ),
    { deletePods: [], createOn: [] },
  );
  assert.deepEqual(
    rollingUpdateStep(
      [
        n('a', [
          ['a1', false, true],
          ['a2', true, true],
        ]),
        all[1]!,
      ],
      1,
      0,
    ),
    { deletePods: ['a1'], createOn: [] },
  );
});
