// Service account tokens (signing, verification, revocation) and the ServiceAccount admission
// plugin for pods.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KubeObject } from '../../../src/api/types.js';
import {
  admitServiceAccount,
  TOKEN_MOUNT_PATH,
} from '../../../src/apiserver/registry/core/pods/serviceaccount.js';
import {
  generateSigningKey,
  ServiceAccountTokens,
  type ObjectLookup,
} from '../../../src/apiserver/registry/core/serviceaccounts/tokens.js';

const sa: KubeObject = { metadata: { name: 'robot', namespace: 'ns', uid: 'sa-uid' } };
const pod: KubeObject = { metadata: { name: 'p', namespace: 'ns', uid: 'pod-uid' } };

function tokens(objects: KubeObject[], now = () => new Date('2026-01-01T00:00:00Z')) {
  const lookup: ObjectLookup = (kind, ns, name) =>
    objects.find(
      (o) =>
        (kind === 'Pod') === (o === pod) && o.metadata.namespace === ns && o.metadata.name === name,
    );
  return new ServiceAccountTokens({ keyPem: generateSigningKey(), lookup, clock: now });
}

describe('ServiceAccountTokens', () => {
  const claims = {
    namespace: 'ns',
    serviceAccount: { name: 'robot', uid: 'sa-uid' },
    audiences: ['https://kubernetes.default.svc.cluster.local'],
    expirationSeconds: 3600,
  };

  test('a signed token carries upstream claims and authenticates as the ServiceAccount', () => {
    const t = tokens([sa]);
    const { token, expiration } = t.issue(claims);
    assert.equal(expiration.toISOString(), '2026-01-01T01:00:00.000Z');
    const [h, p] = token
      .split('.')
      .slice(0, 2)
      .map((s) => JSON.parse(Buffer.from(s, 'base64url').toString()) as Record<string, unknown>);
    assert.equal(h?.alg, 'ES256');
    assert.match(String(h?.kid), /^[\w-]{43}$/);
    assert.equal(p?.iss, 'https://kubernetes.default.svc.cluster.local');
    assert.equal(p?.sub, 'system:serviceaccount:ns:robot');
    assert.equal(p?.iat, Date.parse('2026-01-01T00:00:00Z') / 1000);
    assert.equal(p?.exp, Date.parse('2026-01-01T01:00:00Z') / 1000);
    assert.deepEqual(p?.['kubernetes.io'], {
      namespace: 'ns',
      serviceaccount: { name: 'robot', uid: 'sa-uid' },
    });
    const user = t.authenticate(token);
    assert.equal(user?.name, 'system:serviceaccount:ns:robot');
    assert.equal(user?.uid, 'sa-uid');
    assert.deepEqual(user?.groups, [
      'system:serviceaccounts',
      'system:serviceaccounts:ns',
      'system:authenticated',
    ]);
  });

  test('tampered, foreign, expired and orphaned tokens are refused', () => {
    let now = new Date('2026-01-01T00:00:00Z');
    const t = tokens([sa], () => now);
    const { token } = t.issue(claims);
    const [h, p, s] = token.split('.');
    const forged = Buffer.from(
      JSON.stringify({
        ...(JSON.parse(Buffer.from(p ?? '', 'base64url').toString()) as object),
        sub: 'system:serviceaccount:ns:admin',
      }),
    ).toString('base64url');
    assert.equal(t.authenticate(`${h}.${forged}.${s}`), undefined);
    assert.equal(tokens([sa]).authenticate(token), undefined, 'another key');
    assert.equal(t.authenticate('not-a-jwt'), undefined);
    now = new Date('2026-01-01T01:00:59Z');
    assert.ok(t.authenticate(token), 'within the 60 s leeway');
    now = new Date('2026-01-01T01:01:01Z');
    assert.equal(t.authenticate(token), undefined, 'expired');
    now = new Date('2026-01-01T00:00:00Z');
    const recreated = { metadata: { ...sa.metadata, uid: 'other' } };
    const t2 = tokens([recreated]);
    assert.equal(t2.authenticate(t2.issue(claims).token), undefined, 'ServiceAccount recreated');
  });

  test('a pod-bound token lives as long as its pod', () => {
    const objects = [sa, pod];
    const t = tokens(objects);
    const { token } = t.issue({ ...claims, bound: { kind: 'Pod', name: 'p', uid: 'pod-uid' } });
    const user = t.authenticate(token);
    assert.deepEqual(user?.extra?.['authentication.kubernetes.io/pod-name'], ['p']);
    objects.pop();
    assert.equal(t.authenticate(token), undefined);
  });
});

describe('ServiceAccount admission', () => {
  const suffix = () => 'abcde';
  const lookup = (accounts: KubeObject[]) => (ns: string, name: string) =>
    accounts.find((a) => a.metadata.namespace === ns && a.metadata.name === name);
  const newPod = (spec: Record<string, unknown>): KubeObject => ({
    metadata: { name: 'p', namespace: 'ns' },
    spec: { containers: [{ name: 'c', image: 'i' }], ...spec },
  });

  test('defaults the account and mounts kube-api-access in every container', () => {
    const p = newPod({ initContainers: [{ name: 'i', image: 'i' }] });
    admitServiceAccount(p, lookup([]), suffix);
    const spec = p.spec as Record<string, unknown>;
    assert.equal(spec.serviceAccountName, 'default');
    assert.equal(spec.serviceAccount, 'default');
    const mount = { name: 'kube-api-access-abcde', readOnly: true, mountPath: TOKEN_MOUNT_PATH };
    assert.deepEqual((spec.containers as Array<{ volumeMounts: unknown }>)[0]?.volumeMounts, [
      mount,
    ]);
    assert.deepEqual((spec.initContainers as Array<{ volumeMounts: unknown }>)[0]?.volumeMounts, [
      mount,
    ]);
    assert.deepEqual(spec.volumes, [
      {
        name: 'kube-api-access-abcde',
        projected: {
          defaultMode: 420,
          sources: [
            { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
            { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
            {
              downwardAPI: {
                items: [
                  {
                    path: 'namespace',
                    fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' },
                  },
                ],
              },
            },
          ],
        },
      },
    ]);
  });

  test('automountServiceAccountToken false on the pod or the account, and existing mounts, opt out', () => {
    const off = newPod({ automountServiceAccountToken: false });
    admitServiceAccount(off, lookup([]), suffix);
    assert.equal((off.spec as { volumes?: unknown }).volumes, undefined);

    const account = {
      metadata: { name: 'quiet', namespace: 'ns' },
      automountServiceAccountToken: false,
    };
    const bySa = newPod({ serviceAccountName: 'quiet' });
    admitServiceAccount(bySa, lookup([account]), suffix);
    assert.equal((bySa.spec as { volumes?: unknown }).volumes, undefined);

    const podWins = newPod({ serviceAccountName: 'quiet', automountServiceAccountToken: true });
    admitServiceAccount(podWins, lookup([account]), suffix);
    assert.equal((podWins.spec as { volumes: unknown[] }).volumes.length, 1);

    const own = newPod({
      containers: [
        { name: 'c', image: 'i', volumeMounts: [{ name: 'mine', mountPath: TOKEN_MOUNT_PATH }] },
      ],
      volumes: [{ name: 'mine', emptyDir: {} }],
    });
    admitServiceAccount(own, lookup([]), suffix);
    assert.deepEqual((own.spec as { volumes: unknown[] }).volumes, [
      { name: 'mine', emptyDir: {} },
    ]);
  });

  test('a pod naming a missing ServiceAccount is forbidden, in upstream words', () => {
    assert.throws(
      () => admitServiceAccount(newPod({ serviceAccountName: 'ghost' }), lookup([]), suffix),
      {
        message:
          'pods "p" is forbidden: error looking up service account ns/ghost: serviceaccount "ghost" not found',
      },
    );
  });
});
