// Service variables in container environments, as upstream's kubelet writes them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { containerEnv, serviceEnv } from '../../src/kubelet/env.js';

const kubernetes = {
  metadata: { name: 'kubernetes', namespace: 'default' },
  spec: { clusterIP: '10.244.128.1', ports: [{ name: 'https', port: 443, protocol: 'TCP' }] },
};
const web = {
  metadata: { name: 'my-web', namespace: 'shop' },
  spec: {
    clusterIP: '10.244.128.7',
    ports: [
      { port: 80, protocol: 'TCP' },
      { name: 'dns', port: 53, protocol: 'UDP' },
    ],
  },
};
const headless = { metadata: { name: 'h', namespace: 'shop' }, spec: { clusterIP: 'None' } };

test('the kubernetes Service always, the namespace’s Services with enableServiceLinks', () => {
  assert.deepEqual(Object.fromEntries(serviceEnv([kubernetes, web, headless], 'shop', false)), {
    KUBERNETES_SERVICE_HOST: '10.244.128.1',
    KUBERNETES_SERVICE_PORT: '443',
    KUBERNETES_SERVICE_PORT_HTTPS: '443',
    KUBERNETES_PORT: 'tcp://10.244.128.1:443',
    KUBERNETES_PORT_443_TCP: 'tcp://10.244.128.1:443',
    KUBERNETES_PORT_443_TCP_PROTO: 'tcp',
    KUBERNETES_PORT_443_TCP_PORT: '443',
    KUBERNETES_PORT_443_TCP_ADDR: '10.244.128.1',
  });
  const links = serviceEnv([kubernetes, web, headless], 'shop', true);
  assert.equal(links.get('MY_WEB_SERVICE_HOST'), '10.244.128.7');
  assert.equal(links.get('MY_WEB_SERVICE_PORT'), '80');
  assert.equal(links.get('MY_WEB_SERVICE_PORT_DNS'), '53');
  assert.equal(links.get('MY_WEB_PORT'), 'tcp://10.244.128.7:80');
  assert.equal(links.get('MY_WEB_PORT_53_UDP'), 'udp://10.244.128.7:53');
  assert.equal(links.get('MY_WEB_PORT_53_UDP_PROTO'), 'udp');
  assert.equal([...links.keys()].filter((k) => k.startsWith('H_')).length, 0);
});

test('container env overrides Service variables and may refer to them', async () => {
  const env = await containerEnv(
    { metadata: { namespace: 'shop' }, spec: {} },
    {
      env: [
        { name: 'KUBERNETES_SERVICE_PORT', value: '8443' },
        { name: 'API', value: 'https://$(KUBERNETES_SERVICE_HOST)' },
      ],
    },
    {
      configMap: () => Promise.resolve(undefined),
      secret: () => Promise.resolve(undefined),
      services: () => Promise.resolve([kubernetes]),
    },
    () => '0',
  );
  assert.ok(env.includes('KUBERNETES_SERVICE_PORT=8443'));
  assert.ok(env.includes('API=https://10.244.128.1'));
  assert.ok(env.includes('KUBERNETES_SERVICE_HOST=10.244.128.1'));
});
