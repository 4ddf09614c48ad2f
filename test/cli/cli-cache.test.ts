// The CLI's two caches: API discovery (kubectl's six-hour disk cache, refreshed when a named type
// is missing or the server changed) and the kubeconfig's current-context (re-read on any write).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { KubeClient } from '../../src/client/rest.js';
import { discoverCached } from '../../src/cli/resources.js';
import { currentContext } from '../../src/cli/target.js';

const dir = mkdtempSync(join(tmpdir(), 'kbox-cli-cache-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A server without aggregated discovery (its /api and /apis answer the legacy documents) that
 * serves pods, plus widgets once `withWidgets` is set; counts requests.
 */
function fakeServer(): { client: KubeClient; requests: string[]; withWidgets: boolean } {
  const s = { requests: [] as string[], withWidgets: false, client: undefined as unknown };
  s.client = {
    call: async (_method: string, path: string): Promise<unknown> => {
      s.requests.push(path);
      if (path === '/api') return { kind: 'APIVersions', versions: ['v1'] };
      if (path === '/apis')
        return {
          kind: 'APIGroupList',
          groups: s.withWidgets ? [{ preferredVersion: { groupVersion: 'x.io/v1' } }] : [],
        };
      if (path === '/api/v1')
        return {
          groupVersion: 'v1',
          resources: [{ name: 'pods', namespaced: true, kind: 'Pod', shortNames: ['po'] }],
        };
      return {
        groupVersion: 'x.io/v1',
        resources: [{ name: 'widgets', namespaced: true, kind: 'Widget' }],
      };
    },
  };
  return s as { client: KubeClient; requests: string[]; withWidgets: boolean };
}

test('discovery is cached for six hours per server, and refreshed for an unknown type', async () => {
  const server = fakeServer();
  const cache = { file: join(dir, 'd', 'discovery.json'), key: 'https://a pid 1' };
  const t0 = 1_000_000;
  let all = await discoverCached(server.client, cache, ['po'], t0);
  assert.deepEqual(server.requests, ['/api', '/apis', '/api/v1']);
  assert.deepEqual(
    all.map((r) => r.resource),
    ['pods'],
  );

  server.requests.length = 0;
  all = await discoverCached(server.client, cache, ['pods'], t0 + 60_000);
  assert.deepEqual(server.requests, [], 'served from the cache');

  server.withWidgets = true;
  all = await discoverCached(server.client, cache, ['widgets'], t0 + 120_000);
  assert.deepEqual(
    server.requests,
    ['/api', '/apis', '/api/v1', '/apis/x.io/v1'],
    'a miss refreshes',
  );
  assert.deepEqual(
    all.map((r) => r.resource),
    ['pods', 'widgets'],
  );

  server.requests.length = 0;
  await discoverCached(server.client, cache, ['widgets'], t0 + 120_000 + 6 * 3600_000 - 1);
  assert.deepEqual(server.requests, [], 'still fresh just before six hours');
  await discoverCached(server.client, cache, ['pods'], t0 + 120_000 + 6 * 3600_000);
  assert.equal(server.requests.length, 4, 'expired after six hours');

  server.requests.length = 0;
  await discoverCached(server.client, { ...cache, key: 'https://a pid 2' }, ['pods'], t0);
  assert.equal(server.requests.length, 4, 'another server (a restarted daemon) is not served');

  server.requests.length = 0;
  await discoverCached(server.client, { ...cache, key: 'https://a pid 2' }, [], t0 + 1);
  assert.deepEqual(server.requests, [], 'no types named: the cached copy is used');
});

test('discovery without a cache, or with an unwritable one, still answers', async () => {
  const server = fakeServer();
  await discoverCached(server.client, undefined, ['pods']);
  const notADir = join(dir, 'plain-file');
  writeFileSync(notADir, '');
  const unwritable = { file: join(notADir, 'discovery.json'), key: 'k' };
  await discoverCached(server.client, unwritable, ['pods']);
  assert.equal(server.requests.length, 6);
});

test("the kubeconfig's current-context is remembered until the file changes", () => {
  const home = join(dir, 'home');
  const path = join(dir, 'kubeconfig');
  assert.equal(currentContext(path, home), undefined, 'no kubeconfig');
  writeFileSync(path, 'apiVersion: v1\nkind: Config\ncurrent-context: kbox-a\n');
  assert.equal(currentContext(path, home), 'kbox-a');
  assert.equal(currentContext(path, home), 'kbox-a', 'from the memo');
  writeFileSync(path, 'apiVersion: v1\nkind: Config\ncurrent-context: kbox-b\n');
  assert.equal(currentContext(path, home), 'kbox-b', 'a write is seen at once');
  writeFileSync(path, '{"apiVersion": "v1", "kind": "Config"}');
  assert.equal(currentContext(path, home), undefined);
});
