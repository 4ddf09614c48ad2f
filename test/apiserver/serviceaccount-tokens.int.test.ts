// TokenRequest end to end: the real kubectl asks for a token (`kubectl create token`), then uses
// it; the API server authenticates it as the ServiceAccount until the account is deleted.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestApi, type TestApi } from '../support/apiserver.js';

let api: TestApi;

before(async () => {
  api = await startTestApi({ auth: { token: 'admin-token-for-tests-0123456789abcdef' } });
  const res = await api.request('POST', '/api/v1/namespaces/default/serviceaccounts', {
    metadata: { name: 'robot' },
  });
  assert.equal(res.status, 201);
});

after(() => api.stop());

test('kubectl create token returns a token that authenticates as the ServiceAccount', async () => {
  const created = await api.kubectl(['create', 'token', 'robot', '--duration=20m']);
  assert.equal(created.code, 0, created.stderr);
  const token = created.stdout.trim();
  assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
  const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
    sub: string;
    aud: string[];
    exp: number;
    iat: number;
  };
  assert.equal(claims.sub, 'system:serviceaccount:default:robot');
  assert.deepEqual(claims.aud, ['https://kubernetes.default.svc.cluster.local']);
  assert.equal(claims.exp - claims.iat, 1200);

  // The kubeconfig's admin token is overridden by --token on the command line.
  const list = await api.kubectl(['get', 'serviceaccounts', '--token', token]);
  assert.equal(list.code, 0, list.stderr);
  assert.equal(list.stdout.split('\n')[0]?.replace(/\s+/g, ' '), 'NAME SECRETS AGE');
  assert.match(list.stdout, /^robot\s+0\s+/m);

  // kubectl auth whoami: a SelfSubjectReview answered with the token's identity.
  const uid = (
    await api.kubectl(['get', 'serviceaccount', 'robot', '-o', 'jsonpath={.metadata.uid}'])
  ).stdout;
  const whoami = await api.kubectl(['auth', 'whoami', '--token', token]);
  assert.equal(whoami.code, 0, whoami.stderr);
  const rows = whoami.stdout.split('\n').map((l) => l.replace(/\s{2,}/g, ' | '));
  assert.deepEqual(rows.slice(0, 4), [
    'ATTRIBUTE | VALUE',
    'Username | system:serviceaccount:default:robot',
    `UID | ${uid}`,
    'Groups | [system:serviceaccounts system:serviceaccounts:default system:authenticated]',
  ]);
  assert.match(
    rows[4] ?? '',
    /^Extra: authentication\.kubernetes\.io\/credential-id \| \[JTI=[0-9a-f-]{36}\]$/,
  );

  const bogus = await api.kubectl(['get', 'pods', '--token', `${token.slice(0, -4)}AAAA`]);
  assert.equal(bogus.code, 1);
  assert.equal(bogus.stdout, '');
  assert.equal(bogus.stderr, 'error: You must be logged in to the server (Unauthorized)\n');

  // Deleting the ServiceAccount revokes its tokens.
  const del = await api.kubectl(['delete', 'serviceaccount', 'robot']);
  assert.equal(del.code, 0, del.stderr);
  const revoked = await api.kubectl(['get', 'pods', '--token', token]);
  assert.equal(revoked.stderr, 'error: You must be logged in to the server (Unauthorized)\n');
});

test('TokenRequest: defaults, validation and bound pods as upstream', async () => {
  await api.request('POST', '/api/v1/namespaces/default/serviceaccounts', {
    metadata: { name: 'default' },
  });
  const res = await api.request(
    'POST',
    '/api/v1/namespaces/default/serviceaccounts/default/token',
    {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: {},
    },
  );
  assert.equal(res.status, 201);
  const tr = (await res.json()) as {
    kind: string;
    spec: { audiences: string[]; expirationSeconds: number };
    status: { token: string; expirationTimestamp: string };
  };
  assert.equal(tr.kind, 'TokenRequest');
  assert.deepEqual(tr.spec.audiences, ['https://kubernetes.default.svc.cluster.local']);
  assert.equal(tr.spec.expirationSeconds, 3600);
  const left = Date.parse(tr.status.expirationTimestamp) - Date.now();
  assert.ok(left > 3590_000 && left <= 3600_000, String(left));

  const short = await api.request(
    'POST',
    '/api/v1/namespaces/default/serviceaccounts/default/token',
    {
      spec: { expirationSeconds: 599 },
    },
  );
  assert.equal(short.status, 422);
  assert.equal(
    ((await short.json()) as { message: string }).message,
    'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes',
  );
  const missing = await api.request(
    'POST',
    '/api/v1/namespaces/default/serviceaccounts/nobody/token',
    {
      spec: {},
    },
  );
  assert.equal(missing.status, 404);
  assert.equal(
    ((await missing.json()) as { message: string }).message,
    'serviceaccounts "nobody" not found',
  );

  // A pod-bound token dies with its pod.
  const podRes = await api.request('POST', '/api/v1/namespaces/default/pods', {
    metadata: { name: 'p' },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
  });
  const pod = (await podRes.json()) as { metadata: { uid: string } };
  const wrongUid = await api.request(
    'POST',
    '/api/v1/namespaces/default/serviceaccounts/default/token',
    {
      spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p', uid: 'nope' } },
    },
  );
  assert.equal(wrongUid.status, 409);
  const bound = await api.request(
    'POST',
    '/api/v1/namespaces/default/serviceaccounts/default/token',
    {
      spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p', uid: pod.metadata.uid } },
    },
  );
  assert.equal(bound.status, 201);
  const token = ((await bound.json()) as { status: { token: string } }).status.token;
  const ok = await api.kubectl(['get', 'pods', '-o', 'name', '--token', token]);
  assert.equal(ok.stdout, 'pod/p\n', ok.stderr);
  await api.kubectl(['delete', 'pod', 'p', '--grace-period=0', '--force']);
  const gone = await api.kubectl(['get', 'pods', '--token', token]);
  assert.equal(gone.stderr, 'error: You must be logged in to the server (Unauthorized)\n');
});
