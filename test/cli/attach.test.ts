import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../src/api/types.js';
import {
  completed,
  containerToAttach,
  PodCompleted,
  runningAndReady,
  succeeded,
} from '../../src/cli/attach.js';
import { goBooleans } from '../../src/cli/flags.js';

function pod(spec: Record<string, unknown>, annotations?: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'ns', ...(annotations ? { annotations } : {}) },
    spec,
  };
}

test("the container to attach to: kubectl's FindOrDefaultContainerByName", () => {
  const said: string[] = [];
  const err = (s: string): void => void said.push(s);
  const two = pod({
    containers: [{ name: 'a' }, { name: 'b', tty: true }],
    initContainers: [{ name: 'i' }],
  });
  assert.equal(containerToAttach(two, 'b', false, err).name, 'b');
  assert.equal(containerToAttach(two, 'i', false, err).name, 'i');
  assert.deepEqual(said, []);
  assert.equal(containerToAttach(two, undefined, false, err).name, 'a');
  assert.deepEqual(said, ['Defaulted container "a" out of: a, b, i (init)\n']);
  assert.equal(containerToAttach(two, undefined, true, err).name, 'a');
  assert.equal(said.length, 1);
  assert.throws(
    () => containerToAttach(two, 'nope', false, err),
    /^Error: container nope not found in pod p$/,
  );
  // The annotation names the default; one that names nothing falls back to the first.
  const annotated = two.spec as Record<string, unknown>;
  assert.equal(
    containerToAttach(
      pod(annotated, { 'kubectl.kubernetes.io/default-container': 'b' }),
      undefined,
      false,
      err,
    ).name,
    'b',
  );
  assert.equal(
    containerToAttach(
      pod(annotated, { 'kubectl.kubernetes.io/default-container': 'x' }),
      undefined,
      false,
      err,
    ).name,
    'a',
  );
  // A lone container is taken without a word.
  said.length = 0;
  assert.equal(
    containerToAttach(pod({ containers: [{ name: 'solo' }] }), undefined, false, err).name,
    'solo',
  );
  assert.deepEqual(said, []);
});

test('the conditions run waits for', () => {
  const at = (phase: string, ready = false): KubeObject => ({
    ...pod({ containers: [{ name: 'a' }] }),
    status: { phase, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  });
  assert.equal(runningAndReady(at('Pending')), false);
  assert.equal(runningAndReady(at('Running')), false);
  assert.equal(runningAndReady(at('Running', true)), true);
  assert.throws(() => runningAndReady(at('Succeeded')), PodCompleted);
  assert.throws(() => runningAndReady(at('Failed')), PodCompleted);
  assert.deepEqual(
    ['Running', 'Succeeded', 'Failed'].map((p) => [completed(at(p)), succeeded(at(p))]),
    [
      [false, false],
      [true, true],
      [true, false],
    ],
  );
});

test("kubectl's --flag=true|false for boolean flags", () => {
  assert.deepEqual(
    goBooleans(
      ['t', '--attach=false', '--rm=true', '--image=x', '--', '--attach=false'],
      ['attach', 'rm'],
    ),
    ['t', '--no-attach', '--rm', '--image=x', '--', '--attach=false'],
  );
});
