// Snapshot text and VIP shape from a Service and its EndpointSlices.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../src/api/types.js';
import { buildSnapshot, publishedPorts, vipHash, wantsVip } from '../../src/proxy/snapshot.js';

function svc(spec: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'default', uid: 'u1' },
    spec: { type: 'ClusterIP', clusterIP: '10.244.128.2', ...spec },
  };
}

function slice(
  ports: Array<{ name?: string; protocol?: string; port: number }>,
  endpoints: Array<{ ip: string; ready?: boolean }>,
  addressType = 'IPv4',
): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: 'web-x',
      namespace: 'default',
      labels: { 'kubernetes.io/service-name': 'web' },
    },
    addressType,
    ports,
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      conditions: e.ready === undefined ? {} : { ready: e.ready },
    })),
  } as KubeObject;
}

test('ready endpoints of every slice, target ports resolved per slice, sorted', () => {
  const s = svc({
    ports: [
      { name: 'http', protocol: 'TCP', port: 80, targetPort: 'http' },
      { name: 'dns', protocol: 'UDP', port: 53, targetPort: 53 },
    ],
  });
  const text = buildSnapshot(s, [
    // Two groups of pods where the named port "http" is a different number.
    slice(
      [
        { name: 'http', protocol: 'TCP', port: 8080 },
        { name: 'dns', protocol: 'UDP', port: 53 },
      ],
      [{ ip: '10.244.0.9', ready: true }, { ip: '10.244.0.5' }, { ip: '10.244.0.7', ready: false }],
    ),
    slice([{ name: 'http', protocol: 'TCP', port: 9090 }], [{ ip: '10.244.0.3', ready: true }]),
    slice([{ name: 'http', protocol: 'TCP', port: 1 }], [{ ip: 'fd00::1', ready: true }], 'IPv6'),
  ]);
  assert.equal(
    text,
    'tcp 80 10.244.0.3:9090 10.244.0.5:8080 10.244.0.9:8080\n' +
      'udp 53 10.244.0.5:53 10.244.0.9:53\n' +
      'end\n',
  );
});

test('no slices: ports listen with no endpoints; SCTP left out; affinity with its timeout', () => {
  const s = svc({
    ports: [
      { port: 443, protocol: 'TCP' },
      { port: 9, protocol: 'SCTP' },
    ],
    sessionAffinity: 'ClientIP',
  });
  assert.equal(buildSnapshot(s, []), 'tcp 443\naffinity clientip 10800\nend\n');
  const t = svc({
    ports: [{ port: 443 }],
    sessionAffinity: 'ClientIP',
    sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } },
  });
  assert.equal(buildSnapshot(t, []), 'tcp 443\naffinity clientip 60\nend\n');
});

test('VIPs only for Services with a ClusterIP', () => {
  assert.ok(wantsVip(svc({})));
  assert.ok(!wantsVip(svc({ clusterIP: 'None' })));
  assert.ok(!wantsVip(svc({ type: 'ExternalName', clusterIP: undefined })));
  assert.ok(!wantsVip(svc({ clusterIP: '' })));
});

test('published ports: NodePort on 127.0.0.1, LoadBalancer also on its own address', () => {
  const ports = [
    { name: 'http', port: 80, protocol: 'TCP', nodePort: 30080 },
    { name: 'dns', port: 53, protocol: 'UDP', nodePort: 30053 },
  ];
  assert.deepEqual(publishedPorts(svc({ ports }), undefined), []);
  assert.deepEqual(publishedPorts(svc({ type: 'NodePort', ports }), undefined), [
    { protocol: 'tcp', port: 80, hostIp: '127.0.0.1', hostPort: 30080 },
    { protocol: 'udp', port: 53, hostIp: '127.0.0.1', hostPort: 30053 },
  ]);
  assert.deepEqual(publishedPorts(svc({ type: 'LoadBalancer', ports }), '127.244.1.1'), [
    { protocol: 'tcp', port: 80, hostIp: '127.0.0.1', hostPort: 30080 },
    { protocol: 'tcp', port: 80, hostIp: '127.244.1.1', hostPort: 80 },
    { protocol: 'udp', port: 53, hostIp: '127.0.0.1', hostPort: 30053 },
    { protocol: 'udp', port: 53, hostIp: '127.244.1.1', hostPort: 53 },
  ]);
});

test('the VIP hash changes with what a container fixes, not with endpoints or affinity', () => {
  const base = svc({ ports: [{ port: 80 }] });
  const h = vipHash(base, undefined);
  assert.equal(vipHash(svc({ ports: [{ port: 80 }], sessionAffinity: 'ClientIP' }), undefined), h);
  assert.notEqual(
    vipHash(svc({ type: 'NodePort', ports: [{ port: 80, nodePort: 30001 }] }), undefined),
    h,
  );
  const lb = svc({ type: 'LoadBalancer', ports: [{ port: 80, nodePort: 30001 }] });
  assert.notEqual(vipHash(lb, '127.244.1.1'), vipHash(lb, '127.244.1.2'));
  // Host addresses left out (taken) make another container; unknown ones change nothing.
  assert.notEqual(vipHash(lb, '127.244.1.1', ['127.0.0.1:30001/tcp']), vipHash(lb, '127.244.1.1'));
  assert.equal(vipHash(lb, '127.244.1.1', ['127.0.0.1:1/tcp']), vipHash(lb, '127.244.1.1'));
});
