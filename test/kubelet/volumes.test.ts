import assert from 'node:assert/strict';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  podField,
  PodVolumes,
  tokenNeedsRefresh,
  VolumeError,
  writeAtomically,
  type ServiceAccountTokenRequest,
} from '../../src/kubelet/volumes.js';

const root = mkdtempSync(join(tmpdir(), 'kbox-volumes-'));
after(() => rmSync(root, { recursive: true, force: true }));

const file = (s: string, mode = 0o644) => ({ data: Buffer.from(s), mode });

describe('writeAtomically', () => {
  test('writes through ..data, skips identical content, swaps and prunes on change', () => {
    const dir = join(root, 'a');
    assert.equal(
      writeAtomically(
        dir,
        new Map([
          ['k1', file('one')],
          ['sub/k2', file('two', 0o600)],
        ]),
      ),
      true,
    );
    assert.deepEqual(
      readdirSync(dir)
        .filter((n) => !n.startsWith('..'))
        .sort(),
      ['k1', 'sub'],
    );
    assert.equal(readlinkSync(join(dir, 'k1')), '..data/k1');
    assert.equal(readFileSync(join(dir, 'sub/k2'), 'utf8'), 'two');
    assert.equal(lstatSync(join(dir, '..data', 'sub', 'k2')).mode & 0o777, 0o600);
    const first = readlinkSync(join(dir, '..data'));

    assert.equal(
      writeAtomically(
        dir,
        new Map([
          ['k1', file('one')],
          ['sub/k2', file('two', 0o600)],
        ]),
      ),
      false,
    );
    assert.equal(readlinkSync(join(dir, '..data')), first);

    assert.equal(writeAtomically(dir, new Map([['k1', file('uno')]])), true);
    assert.equal(readFileSync(join(dir, 'k1'), 'utf8'), 'uno');
    assert.deepEqual(
      readdirSync(dir).sort(),
      ['..data', readlinkSync(join(dir, '..data')), 'k1'].sort(),
      'the old version and the stale key are gone',
    );
  });
});

describe('podField', () => {
  const pod = {
    metadata: {
      name: 'p',
      namespace: 'ns',
      uid: 'u1',
      labels: { b: '2', a: 'x"y' },
      annotations: {},
    },
  };
  test('formats maps as sorted key="value" lines and reads single keys', () => {
    assert.equal(podField(pod, 'metadata.labels'), 'a="x\\"y"\nb="2"');
    assert.equal(podField(pod, "metadata.labels['b']"), '2');
    assert.equal(podField(pod, 'metadata.annotations'), '');
    assert.equal(podField(pod, 'metadata.uid'), 'u1');
    assert.throws(() => podField(pod, 'spec.nodeName'), /unsupported fieldPath "spec.nodeName"/);
  });
});

describe('PodVolumes', () => {
  const none = {
    configMap: () => Promise.resolve(undefined),
    secret: () => Promise.resolve(undefined),
    tmpfsVolume: () => Promise.reject(new Error('not expected')),
    claimVolume: () => Promise.resolve({ found: false as const }),
    serviceAccountToken: () => Promise.reject(new Error('not expected')),
  };
  test('a serviceAccountToken projection is requested bound to the pod and cached until 80% of its life', async () => {
    const vols = new PodVolumes(join(root, 'pods'));
    const pod = {
      metadata: { uid: 'u-sa', name: 'p', namespace: 'ns' },
      spec: {
        serviceAccountName: 'robot',
        volumes: [
          {
            name: 'kube-api-access-abcde',
            projected: {
              defaultMode: 0o644,
              sources: [
                { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
                {
                  downwardAPI: {
                    items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }],
                  },
                },
              ],
            },
          },
        ],
      },
    };
    const requests: ServiceAccountTokenRequest[] = [];
    const sources = {
      ...none,
      serviceAccountToken: (r: ServiceAccountTokenRequest) => {
        requests.push(r);
        return Promise.resolve({ token: `t${requests.length}`, expiresAt: Date.now() + 3_607_000 });
      },
    };
    await vols.setUp(pod, sources);
    await vols.setUp(pod, sources);
    const dir = join(root, 'pods', 'u-sa', 'volumes', 'kube-api-access-abcde');
    assert.equal(readFileSync(join(dir, 'token'), 'utf8'), 't1');
    assert.equal(readFileSync(join(dir, 'namespace'), 'utf8'), 'ns');
    assert.deepEqual(requests, [
      {
        namespace: 'ns',
        serviceAccount: 'robot',
        pod: { name: 'p', uid: 'u-sa' },
        audiences: [],
        expirationSeconds: 3607,
      },
    ]);
    assert.equal(tokenNeedsRefresh(0, 1000, 799), false);
    assert.equal(tokenNeedsRefresh(0, 1000, 800), true);
    assert.equal(tokenNeedsRefresh(0, 10 * 86_400_000, 86_400_000), true);
  });
  test('a missing item key and a path escaping the volume are refused', async () => {
    const vols = new PodVolumes(join(root, 'pods'));
    const pod = (items: unknown) => ({
      metadata: { uid: 'u2', namespace: 'ns' },
      spec: { volumes: [{ name: 'v', configMap: { name: 'cm', items } }] },
    });
    const sources = { ...none, configMap: () => Promise.resolve({ data: { a: '1' } }) };
    await assert.rejects(
      vols.setUp(pod([{ key: 'b', path: 'b' }]), sources),
      (err: unknown) =>
        err instanceof VolumeError &&
        err.message ===
          'MountVolume.SetUp failed for volume "v" : configuration key "b" not found in ConfigMap ns/cm',
    );
    await assert.rejects(
      vols.setUp(pod([{ key: 'a', path: '../x' }]), sources),
      /invalid path "..\/x"/,
    );
    const ok = await vols.setUp(pod([{ key: 'a', path: 'x/a' }]), sources);
    assert.deepEqual(ok.get('v'), {
      kind: 'dir',
      path: join(root, 'pods', 'u2', 'volumes', 'v'),
      readOnly: true,
    });
    assert.deepEqual(
      vols.mounts({ volumeMounts: [{ name: 'v', mountPath: '/etc/a', subPath: 'x' }] }, ok),
      [
        {
          type: 'bind',
          source: join(root, 'pods', 'u2', 'volumes', 'v', 'x'),
          target: '/etc/a',
          readOnly: true,
        },
      ],
    );
    assert.throws(
      () => vols.mounts({ volumeMounts: [{ name: 'nope', mountPath: '/n' }] }, ok),
      VolumeError,
    );
  });
});
