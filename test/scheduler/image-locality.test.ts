import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../src/api/types.js';
import { SchedulerCache } from '../../src/scheduler/cache.js';
import type { CycleState } from '../../src/scheduler/framework.js';
import {
  imageLocality,
  imageScore,
  normalizedImageName,
} from '../../src/scheduler/plugins/image-locality.js';
import { schedulePod } from '../../src/scheduler/scheduler.js';

const MB = 1024 * 1024;

function node(name: string, images: Array<{ names: string[]; sizeBytes: number }>): KubeObject {
  return {
    metadata: { name, labels: { 'kubernetes.io/hostname': name } },
    spec: {},
    status: {
      allocatable: { cpu: '4', memory: '8Gi', pods: '110' },
      conditions: [{ type: 'Ready', status: 'True' }],
      images,
    },
  };
}

function state(nodes: KubeObject[]): CycleState {
  const cache = new SchedulerCache();
  for (const n of nodes) cache.setNode(n);
  return { nodes: cache.nodeInfos(), claim: () => undefined, storageClass: () => undefined };
}

function pod(...images: string[]): KubeObject {
  return {
    metadata: { name: 'p', namespace: 'default', uid: 'u' },
    spec: { containers: images.map((image, i) => ({ name: `c${i}`, image })) },
  };
}

test('normalizedImageName adds :latest only without a tag or digest', () => {
  assert.equal(normalizedImageName('nginx'), 'nginx:latest');
  assert.equal(normalizedImageName('localhost:5000/app'), 'localhost:5000/app:latest');
  assert.equal(normalizedImageName('nginx:1.27'), 'nginx:1.27');
  assert.equal(normalizedImageName('nginx@sha256:abcd'), 'nginx@sha256:abcd');
});

test('imageScore: 0 below 23 MB, 100 at 1000 MB per container, linear between', () => {
  assert.equal(imageScore(0, 1), 0);
  assert.equal(imageScore(23 * MB, 1), 0);
  assert.equal(imageScore(1000 * MB, 1), 100);
  assert.equal(imageScore(5000 * MB, 1), 100);
  assert.equal(imageScore(Math.round(511.5 * MB), 1), 50);
  // Two containers: the ceiling doubles.
  assert.equal(imageScore(1000 * MB, 2), Math.floor((100 * 977) / 1977));
});

test('scores nodes by image size times the share of nodes that have it', () => {
  const s = state([
    node('has-big', [{ names: ['docker.io/library/big:1', 'big:1'], sizeBytes: 800 * MB }]),
    node('has-both', [
      { names: ['big:1'], sizeBytes: 800 * MB },
      { names: ['small:latest'], sizeBytes: 30 * MB },
    ]),
    node('bare', []),
    node('bare2', []),
  ]);
  // big:1 is on 2 of 4 nodes: 400 MB scaled → floor(100 * (400 - 23) / 977) = 38.
  assert.deepEqual(imageLocality.score(pod('big:1'), s.nodes, s), [38, 38, 0, 0]);
  // small (untagged → :latest) on 1 of 4 nodes: 7.5 MB, under the threshold.
  assert.deepEqual(imageLocality.score(pod('small'), s.nodes, s), [0, 0, 0, 0]);
  // Other plugins tie (empty nodes), so the image decides.
  const r = schedulePod(pod('big:1'), s);
  assert.ok('node' in r);
  assert.equal(r.node.node.metadata.name, 'has-big');
});
