// The cluster address plan: a free 10.x.0.0/16 per cluster, split into pods, Services and LBs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  chooseClusterSubnet,
  cidrContains,
  cidrsOverlap,
  clusterNetwork,
  parseCidr,
} from '../../src/api/cluster-network.js';

test('the plan of a /16: pods below, Services above, LBs on 127.<b>.1.0/24', () => {
  assert.deepEqual(clusterNetwork('10.244.0.0/16'), {
    subnet: '10.244.0.0/16',
    gateway: '10.244.0.1',
    podRange: '10.244.0.0/17',
    serviceCidr: '10.244.128.0/17',
    apiServerIp: '10.244.128.1',
    dnsIp: '10.244.128.10',
    loadBalancerCidr: '127.244.1.0/24',
  });
  // A host address inside the /16 names the same subnet.
  assert.equal(clusterNetwork('10.201.3.4/16').serviceCidr, '10.201.128.0/17');
  assert.throws(() => clusterNetwork('192.168.0.0/16'), /not a 10\.x\.0\.0\/16/);
  assert.throws(() => clusterNetwork('10.1.0.0/24'), /not a 10\.x\.0\.0\/16/);
});

test('CIDR helpers', () => {
  assert.deepEqual(parseCidr('10.0.0.5/24'), { base: 0x0a000000, size: 256 });
  assert.equal(parseCidr('fd00::/64'), undefined);
  assert.equal(parseCidr('10.0.0.0/33'), undefined);
  assert.ok(cidrContains('10.244.128.0/17', '10.244.200.1'));
  assert.ok(!cidrContains('10.244.128.0/17', '10.244.127.255'));
  assert.ok(cidrsOverlap('10.0.0.0/8', '10.244.7.0/24'));
  assert.ok(cidrsOverlap('10.244.7.0/24', '10.0.0.0/8'));
  assert.ok(!cidrsOverlap('10.244.0.0/16', '10.245.0.0/16'));
  assert.ok(!cidrsOverlap('10.244.0.0/16', 'fd00::/8'));
});

test('subnet choice skips every taken range, and 10.250 (fake nodes)', () => {
  assert.equal(chooseClusterSubnet([]), '10.244.0.0/16');
  assert.equal(chooseClusterSubnet(['172.17.0.0/16', '10.244.3.0/24']), '10.245.0.0/16');
  const upTo249 = [244, 245, 246, 247, 248, 249].map((b) => `10.${b}.0.0/16`);
  assert.equal(chooseClusterSubnet(upTo249), '10.251.0.0/16');
  assert.equal(chooseClusterSubnet([...upTo249, '10.248.0.0/13']), '10.200.0.0/16');
  assert.equal(chooseClusterSubnet(['10.0.0.0/8']), undefined);
});
