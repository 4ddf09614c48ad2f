// The cluster.local zone (records from Services and EndpointSlices) and the DNS server's answers
// on the wire: authoritative NXDOMAIN for missing cluster names, NODATA for other types of names
// that exist, CNAME plus the target's addresses for ExternalName, SERVFAIL without upstreams.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import dnsPacket from 'dns-packet';
import type { KubeObject } from '../../src/api/types.js';
import { lookup, type ClusterView } from '../../src/proxy/dns-records.js';
import { ClusterDns, upstreamServers } from '../../src/proxy/dns-server.js';

const services: KubeObject[] = [
  {
    metadata: { name: 'web', namespace: 'default' },
    spec: { type: 'ClusterIP', clusterIP: '10.244.128.2', ports: [{ name: 'http', port: 80 }] },
  },
  {
    metadata: { name: 'db', namespace: 'prod' },
    spec: { clusterIP: 'None', ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] },
  },
  {
    metadata: { name: 'alias', namespace: 'default' },
    spec: { type: 'ExternalName', externalName: 'web.default.svc.cluster.local.' },
  },
  {
    metadata: { name: 'outside', namespace: 'default' },
    spec: { type: 'ExternalName', externalName: 'example.com' },
  },
];
const slices: KubeObject[] = [
  {
    metadata: { name: 'db-1', namespace: 'prod', labels: { 'kubernetes.io/service-name': 'db' } },
    addressType: 'IPv4',
    ports: [{ name: 'pg', protocol: 'TCP', port: 5432 }],
    endpoints: [
      { addresses: ['10.244.0.7'], hostname: 'db-1', conditions: { ready: true } },
      { addresses: ['10.244.0.5'], hostname: 'db-0', conditions: { ready: true } },
      { addresses: ['10.244.0.9'], hostname: 'db-2', conditions: { ready: false } },
    ],
  } as KubeObject,
];
const view: ClusterView = {
  service: (ns, name) =>
    services.find((s) => s.metadata.namespace === ns && s.metadata.name === name),
  slices: (ns, name) =>
    slices.filter(
      (s) =>
        s.metadata.namespace === ns && s.metadata.labels?.['kubernetes.io/service-name'] === name,
    ),
};

test('ClusterIP, headless, per-pod, SRV, ExternalName, pod names, misses', () => {
  assert.deepEqual(lookup('WEB.default.svc.cluster.local.', 'A', view), {
    zone: true,
    exists: true,
    records: [{ type: 'A', name: 'web.default.svc.cluster.local', data: '10.244.128.2' }],
  });
  // A name that exists has no AAAA record: NODATA, not NXDOMAIN.
  assert.deepEqual(lookup('web.default.svc.cluster.local', 'AAAA', view), {
    zone: true,
    exists: true,
    records: [],
  });
  const headless = lookup('db.prod.svc.cluster.local', 'A', view);
  assert.ok(headless.zone && headless.exists);
  assert.deepEqual(
    headless.records.map((r) => r.data),
    ['10.244.0.5', '10.244.0.7'],
  );
  const pod = lookup('db-1.db.prod.svc.cluster.local', 'A', view);
  assert.ok(pod.zone && pod.exists);
  assert.deepEqual(pod.records, [
    { type: 'A', name: 'db-1.db.prod.svc.cluster.local', data: '10.244.0.7' },
  ]);
  // Unready endpoints have no name.
  assert.deepEqual(lookup('db-2.db.prod.svc.cluster.local', 'A', view), {
    zone: true,
    exists: false,
  });
  const srv = lookup('_pg._tcp.db.prod.svc.cluster.local', 'SRV', view);
  assert.ok(srv.zone && srv.exists);
  assert.deepEqual(
    srv.records.map((r) => r.data),
    [
      { priority: 0, weight: 100, port: 5432, target: 'db-0.db.prod.svc.cluster.local' },
      { priority: 0, weight: 100, port: 5432, target: 'db-1.db.prod.svc.cluster.local' },
    ],
  );
  assert.deepEqual(lookup('alias.default.svc.cluster.local', 'A', view), {
    zone: true,
    exists: true,
    records: [
      {
        type: 'CNAME',
        name: 'alias.default.svc.cluster.local',
        data: 'web.default.svc.cluster.local',
      },
    ],
    chase: 'web.default.svc.cluster.local',
  });
  assert.deepEqual(lookup('10-1-2-3.default.pod.cluster.local', 'A', view), {
    zone: true,
    exists: true,
    records: [{ type: 'A', name: '10-1-2-3.default.pod.cluster.local', data: '10.1.2.3' }],
  });
  for (const miss of [
    'nope.default.svc.cluster.local',
    'web.default.default.svc.cluster.local',
    'x.web.default.svc.cluster.local',
    'default.svc.cluster.local',
    'cluster.local',
  ]) {
    assert.deepEqual(lookup(miss, 'A', view), { zone: true, exists: false }, miss);
  }
  assert.deepEqual(lookup('example.com', 'A', view), { zone: false });
});

test('answers on the wire', async () => {
  const dns = new ClusterDns({ view, host: '127.0.0.1', log: () => undefined, upstream: [] });
  const ask = async (name: string, type: 'A' | 'AAAA' = 'A') => {
    const q = dnsPacket.encode({
      type: 'query',
      id: 4242,
      flags: dnsPacket.RECURSION_DESIRED,
      questions: [{ type, name, class: 'IN' }],
    });
    const reply = await dns.answer(q, 512);
    assert.ok(reply);
    // dns-packet decodes the rcode and record data; its typings leave them out.
    return dnsPacket.decode(reply) as unknown as {
      id: number;
      flag_aa: boolean;
      rcode: string;
      answers?: Array<{ type: string; name: string; data: unknown }>;
    };
  };
  let r = await ask('alias.default.svc.cluster.local');
  assert.equal(r.id, 4242);
  assert.equal(r.rcode, 'NOERROR');
  assert.ok(r.flag_aa);
  assert.deepEqual(
    r.answers?.map((a) => [a.type, a.name, a.data]),
    [
      ['CNAME', 'alias.default.svc.cluster.local', 'web.default.svc.cluster.local'],
      ['A', 'web.default.svc.cluster.local', '10.244.128.2'],
    ],
  );
  r = await ask('missing.default.svc.cluster.local');
  assert.equal(r.rcode, 'NXDOMAIN');
  assert.ok(r.flag_aa);
  r = await ask('db.prod.svc.cluster.local', 'AAAA');
  assert.equal(r.rcode, 'NOERROR');
  assert.deepEqual(r.answers, []);
  // No upstream resolver: outside names fail with SERVFAIL, not silence.
  r = await ask('example.com');
  assert.equal(r.rcode, 'SERVFAIL');
  // An ExternalName whose target cannot be resolved still gets its CNAME.
  r = await ask('outside.default.svc.cluster.local');
  assert.deepEqual(
    r.answers?.map((a) => [a.type, a.data]),
    [['CNAME', 'example.com']],
  );
  assert.equal(await dns.answer(Buffer.from('junk'), 512), undefined);
});

test('upstream resolvers from resolv.conf', () => {
  assert.deepEqual(
    upstreamServers(
      '# x\nnameserver 10.0.0.53\nsearch a\n nameserver 127.0.0.53\noptions ndots:1\n',
    ),
    ['10.0.0.53', '127.0.0.53'],
  );
});
