// The API server's checks on pods/exec, attach and portforward before anything is switched:
// each refusal is a Status on the raw socket, and the real kubectl prints it.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import { startTestApi, type TestApi } from '../support/apiserver.js';

let api: TestApi;

before(async () => {
  api = await startTestApi();
  for (const [name, nodeName] of [
    ['pending', undefined],
    ['bound', 'ghost-node'],
    ['unreachable', 'silent-node'],
  ] as const) {
    const res = await api.request('POST', '/api/v1/namespaces/default/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: {
        ...(nodeName ? { nodeName } : {}),
        containers: [
          { name: 'a', image: 'busybox' },
          { name: 'b', image: 'busybox' },
        ],
      },
    });
    assert.equal(res.status, 201, await res.text());
  }
  // A node whose kubelet never reported an endpoint.
  const node = await api.request('POST', '/api/v1/nodes', {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'silent-node' },
  });
  assert.equal(node.status, 201, await node.text());
});

after(async () => {
  await api.stop();
});

/** Sends a WebSocket upgrade as kubectl does and returns the refusal it gets. */
function upgrade(
  path: string,
  protocol = 'v5.channel.k8s.io',
): Promise<{ code: number; body: Record<string, unknown> }> {
  const url = new URL(path, api.url);
  return new Promise((resolve, reject) => {
    const req = request(url, {
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
        'Sec-WebSocket-Protocol': protocol,
      },
    });
    req.on('upgrade', (_res, socket) => {
      socket.destroy();
      reject(new Error('unexpected upgrade'));
    });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () =>
        resolve({ code: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

const exec = (pod: string, query: string): string =>
  `/api/v1/namespaces/default/pods/${pod}/exec?command=true&stdout=true${query}`;

test('refusals before the upgrade are Status responses', async () => {
  const cases: Array<[string, number, string, string?]> = [
    [exec('nosuch', ''), 404, 'pods "nosuch" not found'],
    [exec('pending', '&container=a'), 400, 'pod pending does not have a host assigned'],
    [
      exec('bound', ''),
      400,
      'a container name must be specified for pod bound, choose one of: [a b]',
    ],
    [exec('bound', '&container=zz'), 400, 'container zz is not valid for pod bound'],
    [
      '/api/v1/namespaces/default/pods/bound/exec?container=a&stdout=true',
      400,
      'you must specify at least 1 command',
    ],
    // NodeConnectionInfoGetter: the pod's node must exist.
    [exec('bound', '&container=a'), 404, 'nodes "ghost-node" not found'],
    [exec('unreachable', '&container=a'), 503, 'the kubelet of node silent-node is not reachable'],
    [
      '/api/v1/namespaces/default/pods/bound/portforward',
      400,
      'pods/portforward over WebSocket needs the SPDY/3.1+portforward.k8s.io subprotocol',
      'v4.channel.k8s.io',
    ],
    ['/api/v1/namespaces', 400, 'upgrade requests are not supported on /api/v1/namespaces'],
    ['/version', 404, 'the server could not find the requested resource'],
  ];
  for (const [path, code, message, protocol] of cases) {
    const r = await upgrade(path, protocol);
    assert.equal(r.code, code, path);
    assert.equal(r.body['kind'], 'Status', path);
    assert.equal(r.body['code'], code, path);
    assert.equal(r.body['message'], message, path);
  }
});

test('a plain request to a streaming subresource asks for an upgrade', async () => {
  const res = await api.request('POST', '/api/v1/namespaces/default/pods/bound/exec?command=ls');
  assert.equal(res.status, 400);
  const body = (await res.json()) as { message?: string };
  assert.equal(body.message, 'Upgrade request required');
});

test('kubectl prints the refusal', async () => {
  const r = await api.kubectl(['exec', 'pending', '-c', 'a', '--', 'true']);
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    'Error from server (BadRequest): pod pending does not have a host assigned\n',
  );
});
