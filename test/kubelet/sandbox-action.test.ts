import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sandboxAction } from '../../src/kubelet/sandbox-action.js';
import type { ContainerInfo } from '../../src/kubelet/runtime/interface.js';

const ZERO = '0001-01-01T00:00:00Z';

function info(
  kind: ContainerInfo['kind'],
  state: ContainerInfo['state'],
  o: Partial<ContainerInfo> = {},
): ContainerInfo {
  return {
    id: `${kind}-${o.name ?? 'x'}-${o.attempt ?? 0}`,
    podUid: 'uid',
    name: kind === 'sandbox' ? 'POD' : 'main',
    kind,
    attempt: 0,
    specHash: '',
    image: 'busybox',
    imageId: 'sha256:1',
    state,
    exitCode: state === 'exited' ? 137 : 0,
    oomKilled: false,
    error: '',
    startedAt: ZERO,
    finishedAt: ZERO,
    ip: '',
    ...o,
  };
}

const spec = (restartPolicy: string, names = ['main']) => ({
  restartPolicy,
  containers: names.map((name) => ({ name })),
});

test('a running sandbox is kept; a pod without one gets its first', () => {
  assert.equal(sandboxAction(spec('Never'), [info('sandbox', 'running')]), 'keep');
  assert.equal(sandboxAction(spec('Always'), []), 'create');
  // Every trace gone (removed behind kbox's back, or a cluster stop): a fresh start.
  assert.equal(sandboxAction(spec('Never'), []), 'create');
});

test('a dead sandbox is recreated when containers may start again', () => {
  const dead = [info('sandbox', 'exited'), info('regular', 'exited')];
  assert.equal(sandboxAction(spec('Always'), dead), 'recreate');
  assert.equal(sandboxAction(spec('OnFailure'), dead), 'recreate');
  // No default policy means Always.
  assert.equal(sandboxAction({ containers: [{ name: 'main' }] }, dead), 'recreate');
  // A sandbox that died before any container was made: recreated whatever the policy.
  assert.equal(sandboxAction(spec('Never'), [info('sandbox', 'exited')]), 'recreate');
});

test('restartPolicy Never: a pod that ran is not given a new sandbox', () => {
  assert.equal(
    sandboxAction(spec('Never'), [info('sandbox', 'exited'), info('regular', 'exited')]),
    'none',
  );
  // Even when its container still runs (only the pause container died): the pod is killed.
  assert.equal(
    sandboxAction(spec('Never'), [info('sandbox', 'exited'), info('regular', 'running')]),
    'none',
  );
});

test('OnFailure: containers that succeeded are not started again', () => {
  const sandbox = info('sandbox', 'exited');
  const ok = (name: string, attempt = 0) =>
    info('regular', 'exited', { name, attempt, exitCode: 0 });
  const failed = (name: string, attempt = 0) =>
    info('regular', 'exited', { name, attempt, exitCode: 1 });
  assert.equal(sandboxAction(spec('OnFailure', ['a']), [sandbox, ok('a')]), 'none');
  assert.equal(
    sandboxAction(spec('OnFailure', ['a', 'b']), [sandbox, ok('a'), failed('b')]),
    'recreate',
  );
  // The latest attempt decides: one that failed, then succeeded, is done.
  assert.equal(
    sandboxAction(spec('OnFailure', ['a']), [sandbox, failed('a', 0), ok('a', 1)]),
    'none',
  );
  // Under Always every container starts again.
  assert.equal(sandboxAction(spec('Always', ['a']), [sandbox, ok('a')]), 'recreate');
  // Not initialized yet (only init containers ran): the sandbox comes back for them.
  assert.equal(
    sandboxAction(spec('OnFailure', []), [sandbox, info('init', 'exited', { name: 'setup' })]),
    'recreate',
  );
});
