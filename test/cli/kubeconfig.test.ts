import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import {
  defaultKubeconfigPath,
  mergeKubeconfig,
  removeFromKubeconfig,
} from '../../src/cli/kubeconfig.js';

const creds = {
  contextName: 'kbox-dev',
  server: 'https://127.0.0.1:41234',
  caPem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
  token: 'abc123',
};

test('the kubeconfig path is the first of $KUBECONFIG, else ~/.kube/config', () => {
  assert.equal(defaultKubeconfigPath({ KUBECONFIG: '/a/one:/b/two', HOME: '/h' }), '/a/one');
  assert.equal(defaultKubeconfigPath({ HOME: '/h' }), '/h/.kube/config');
  assert.equal(defaultKubeconfigPath({ KUBECONFIG: '', HOME: '/h' }), '/h/.kube/config');
});

test('merge keeps other entries and the file mode, and makes the context current', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kbox-kc-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'config');
  writeFileSync(
    path,
    'apiVersion: v1\nkind: Config\nclusters:\n- name: other\n  cluster:\n    server: https://10.0.0.1\nusers:\n- name: other\n  user: {token: x}\ncontexts:\n- name: other\n  context: {cluster: other, user: other}\ncurrent-context: other\n',
    { mode: 0o640 },
  );
  await mergeKubeconfig(path, creds);
  await mergeKubeconfig(path, creds); // idempotent
  const doc = parse(readFileSync(path, 'utf8')) as {
    clusters: Array<{ name: string; cluster: Record<string, string> }>;
    users: Array<{ name: string; user: Record<string, string> }>;
    contexts: Array<{ name: string }>;
    'current-context': string;
  };
  assert.deepEqual(
    doc.clusters.map((c) => c.name),
    ['other', 'kbox-dev'],
  );
  assert.equal(doc.clusters[1]?.cluster.server, 'https://127.0.0.1:41234');
  assert.equal(
    Buffer.from(doc.clusters[1]?.cluster['certificate-authority-data'] ?? '', 'base64').toString(),
    creds.caPem,
  );
  assert.deepEqual(doc.users[1], { name: 'kbox-dev', user: { token: 'abc123' } });
  assert.deepEqual(
    doc.contexts.map((c) => c.name),
    ['other', 'kbox-dev'],
  );
  assert.equal(doc['current-context'], 'kbox-dev');
  assert.equal(statSync(path).mode & 0o777, 0o640);

  assert.equal(await removeFromKubeconfig(path, 'kbox-dev'), true);
  const after = parse(readFileSync(path, 'utf8')) as typeof doc;
  assert.deepEqual(
    after.clusters.map((c) => c.name),
    ['other'],
  );
  assert.equal(after['current-context'], '');
  assert.equal(await removeFromKubeconfig(path, 'kbox-dev'), false);
});

test('merge creates a missing file with mode 0600', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kbox-kc-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'nested', 'config');
  await mergeKubeconfig(path, creds);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.equal((parse(readFileSync(path, 'utf8')) as { kind: string }).kind, 'Config');
});
