// cluster.json validation: fakeNodes and subnet are optional (files written before they existed
// stay readable) and, when present, an integer from 0 to MAX_FAKE_NODES and a 10.x.0.0/16.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clusterConfigProblem, MAX_FAKE_NODES } from '../../src/cli/paths.js';

const base = {
  name: 'dev',
  port: 6443,
  nodes: 1,
  stateVersion: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
};

test('a cluster.json without fakeNodes is valid', () => {
  assert.equal(clusterConfigProblem(base), undefined);
});

test('fakeNodes must be an integer from 0 to the maximum', () => {
  assert.equal(clusterConfigProblem({ ...base, fakeNodes: 0 }), undefined);
  assert.equal(clusterConfigProblem({ ...base, fakeNodes: MAX_FAKE_NODES }), undefined);
  const msg = `"fakeNodes" must be an integer from 0 to ${MAX_FAKE_NODES}`;
  assert.equal(clusterConfigProblem({ ...base, fakeNodes: -1 }), msg);
  assert.equal(clusterConfigProblem({ ...base, fakeNodes: 1.5 }), msg);
  assert.equal(clusterConfigProblem({ ...base, fakeNodes: '3' }), msg);
  assert.equal(clusterConfigProblem({ ...base, fakeNodes: MAX_FAKE_NODES + 1 }), msg);
});

test('subnet is optional (older clusters) and, when present, a 10.x.0.0/16', () => {
  assert.equal(clusterConfigProblem({ ...base, subnet: '10.244.0.0/16' }), undefined);
  const msg = '"subnet" must be a 10.x.0.0/16';
  assert.equal(clusterConfigProblem({ ...base, subnet: '10.244.1.0/24' }), msg);
  assert.equal(clusterConfigProblem({ ...base, subnet: '192.168.0.0/16' }), msg);
  assert.equal(clusterConfigProblem({ ...base, subnet: 10 }), msg);
  assert.equal(clusterConfigProblem({ ...base, subnet: '10.256.0.0/16' }), msg);
});
