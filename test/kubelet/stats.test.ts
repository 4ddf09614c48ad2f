// The resource stats collector: CPU rates between two readings, pods and node summed as
// documented (sandbox in the pod's total, not in its containers; the daemon on its node), new
// containers left out until their second reading, and readings only while someone asks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memoryFigures } from '../../src/kubelet/runtime/docker.js';
import type { ContainerUsage } from '../../src/kubelet/runtime/interface.js';
import { ResourceStatsCollector } from '../../src/kubelet/stats.js';
import { nodeImages } from '../../src/kubelet/node-agent.js';

function usage(
  id: string,
  kind: ContainerUsage['kind'],
  timeMs: number,
  cpuNs: number,
  ws: number,
): ContainerUsage {
  return {
    id,
    podUid: 'uid-1',
    podName: 'web',
    namespace: 'default',
    name: kind === 'sandbox' ? 'POD' : id,
    kind,
    timeMs,
    cpuUsageNanoSeconds: cpuNs,
    memoryWorkingSetBytes: ws,
    memoryUsageBytes: ws + 100,
  };
}

test('rates over the window; pod and node totals; a new container waits for its second reading', async () => {
  let now = Date.parse('2026-01-01T00:00:00Z');
  const rounds: ContainerUsage[][] = [
    [usage('app', 'regular', now, 1e9, 1000), usage('pause', 'sandbox', now, 0, 10)],
    [
      // One second later: app used 0.5 s of CPU (500m), the sandbox 1 ms (1m).
      usage('app', 'regular', now + 1000, 1.5e9, 2000),
      usage('pause', 'sandbox', now + 1000, 1e6, 10),
      usage('late', 'regular', now + 1000, 5e9, 50),
    ],
  ];
  let reads = 0;
  let cpu = 0;
  const collector = new ResourceStatsCollector({
    nodeName: 'n1',
    clock: () => new Date(now),
    firstWindowMs: 5,
    read: () => {
      const r = rounds[reads++] ?? [];
      now += 1000;
      return Promise.resolve(r);
    },
    process: () => ({ cpuNanoSeconds: (cpu += 2e8), memoryBytes: 1 << 20 }),
  });
  try {
    const s = await collector.summary();
    assert.equal(reads, 2, 'two readings for the first summary');
    assert.deepEqual(
      s.pods.map((p) => [p.podRef.name, p.cpu.usageNanoCores, p.memory.workingSetBytes]),
      [['web', 501_000_000, 2010]],
    );
    assert.deepEqual(
      s.pods[0]?.containers.map((c) => [c.name, c.cpu.usageNanoCores, c.memory.workingSetBytes]),
      [['app', 500_000_000, 2000]],
    );
    assert.equal(s.pods[0]?.cpu.windowSeconds, 1);
    // Node: the pod (sandbox included) plus the daemon's 200 ms per second.
    assert.equal(s.node.cpu.usageNanoCores, 701_000_000);
    assert.equal(s.node.memory.workingSetBytes, 2010 + (1 << 20));
    // A second ask within the interval uses the same readings.
    await collector.summary();
    assert.equal(reads, 2);
  } finally {
    collector.stop();
  }
});

test('memory working set as cadvisor: cgroup v1 total_inactive_file, v2 inactive_file', () => {
  assert.deepEqual(
    memoryFigures({ usage: 1000, stats: { total_inactive_file: 300, inactive_file: 1 } }),
    {
      memoryUsageBytes: 1000,
      memoryWorkingSetBytes: 700,
    },
  );
  assert.deepEqual(memoryFigures({ usage: 1000, stats: { inactive_file: 400 } }), {
    memoryUsageBytes: 1000,
    memoryWorkingSetBytes: 600,
  });
  assert.deepEqual(memoryFigures({ usage: 100, stats: { inactive_file: 400 } }), {
    memoryUsageBytes: 100,
    memoryWorkingSetBytes: 0,
  });
  assert.deepEqual(memoryFigures(undefined), { memoryUsageBytes: 0, memoryWorkingSetBytes: 0 });
});

test('node images: the 50 largest, at most 5 names each, nameless ones left out', () => {
  const many = Array.from({ length: 60 }, (_, i) => ({
    names: Array.from({ length: 7 }, (_, j) => `img${i}:v${j}`),
    sizeBytes: i * 10,
  }));
  const out = nodeImages([...many, { names: [], sizeBytes: 1e12 }]);
  assert.equal(out.length, 50);
  assert.equal(out[0]?.sizeBytes, 590);
  assert.equal(out[49]?.sizeBytes, 100);
  assert.deepEqual(out[0]?.names, ['img59:v0', 'img59:v1', 'img59:v2', 'img59:v3', 'img59:v4']);
});
