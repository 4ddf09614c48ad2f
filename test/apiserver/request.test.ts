import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseResourcePath } from '../../src/apiserver/request.js';

test('resource paths: core and group, namespaced, subresources, percent-encoded segments', () => {
  assert.deepEqual(parseResourcePath('/api/v1/namespaces/default/pods/web/log'), {
    group: '',
    version: 'v1',
    namespace: 'default',
    resource: 'pods',
    name: 'web',
    subresource: 'log',
  });
  assert.deepEqual(parseResourcePath('/apis/apps/v1/deployments'), {
    group: 'apps',
    version: 'v1',
    namespace: undefined,
    resource: 'deployments',
    name: undefined,
    subresource: undefined,
  });
  assert.equal(parseResourcePath('/api/v1/nodes/system%3Anode%2Fx')?.name, 'system:node/x');
  assert.deepEqual(parseResourcePath('/api/v1/namespaces/kube-system/status'), {
    group: '',
    version: 'v1',
    namespace: undefined,
    resource: 'namespaces',
    name: 'kube-system',
    subresource: 'status',
  });
  assert.equal(parseResourcePath('/apis/apps'), undefined);
  assert.equal(parseResourcePath('/api/v1/namespaces/a/pods/b/c/d'), undefined);
});
