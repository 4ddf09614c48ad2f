import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isStatusError } from '../../../src/api/status.js';
import { decodeKubernetesProtobuf } from '../../../src/apiserver/protobuf/decode.js';

/** Encodes fields (num -> string | number | Buffer) as a protobuf message. */
function msg(fields: Array<[number, string | number | Buffer]>): Buffer {
  const parts: Buffer[] = [];
  const varint = (n: number): Buffer => {
    const out: number[] = [];
    do {
      out.push((n & 0x7f) | (n >= 0x80 ? 0x80 : 0));
      n = Math.floor(n / 128);
    } while (n > 0);
    return Buffer.from(out);
  };
  for (const [num, v] of fields) {
    if (typeof v === 'number') parts.push(varint(num * 8), varint(v));
    else {
      const b = typeof v === 'string' ? Buffer.from(v) : v;
      parts.push(varint(num * 8 + 2), varint(b.length), b);
    }
  }
  return Buffer.concat(parts);
}

const wrap = (apiVersion: string, kind: string, raw: Buffer): Buffer =>
  Buffer.concat([
    Buffer.from('k8s\0', 'binary'),
    msg([
      [
        1,
        msg([
          [1, apiVersion],
          [2, kind],
        ]),
      ],
      [2, raw],
    ]),
  ]);

test('a ConfigMap with labels and data decodes to its JSON form', () => {
  const meta = msg([
    [1, 'c1'],
    [
      11,
      msg([
        [1, 'app'],
        [2, 'web'],
      ]),
    ],
  ]);
  const body = wrap(
    'v1',
    'ConfigMap',
    msg([
      [1, meta],
      [
        2,
        msg([
          [1, 'k'],
          [2, 'v'],
        ]),
      ],
      [
        2,
        msg([
          [1, 'empty'],
          [2, ''],
        ]),
      ],
    ]),
  );
  assert.deepEqual(decodeKubernetesProtobuf(body), {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'c1', labels: { app: 'web' } },
    data: { k: 'v', empty: '' },
  });
});

test('pointer fields keep zero; other zero values are dropped', () => {
  const spec = msg([
    [1, 0],
    [5, 0],
  ]); // replicas 0 (pointer), minReadySeconds 0 (not)
  const body = wrap(
    'apps/v1',
    'Deployment',
    msg([
      [1, msg([[1, 'd']])],
      [2, spec],
    ]),
  );
  assert.deepEqual(decodeKubernetesProtobuf(body), {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd' },
    spec: { replicas: 0 },
  });
});

test('unknown kinds and fields are refused with 415; garbage with 400', () => {
  assert.throws(
    () => decodeKubernetesProtobuf(wrap('v1', 'Node', msg([]))),
    (e) => isStatusError(e, 'UnsupportedMediaType') && /kind "Node"/.test(e.message),
  );
  assert.throws(
    () => decodeKubernetesProtobuf(wrap('v1', 'ConfigMap', msg([[99, 'x']]))),
    (e) =>
      isStatusError(e, 'UnsupportedMediaType') &&
      /field 99 of protobuf message ConfigMap/.test(e.message),
  );
  assert.throws(
    () => decodeKubernetesProtobuf(Buffer.from('nope')),
    (e) => isStatusError(e, 'BadRequest'),
  );
  assert.throws(
    () =>
      decodeKubernetesProtobuf(
        Buffer.concat([Buffer.from('k8s\0', 'binary'), Buffer.from([0x0a, 0x50])]),
      ),
    (e) => isStatusError(e, 'BadRequest'),
  );
});

test('a pod copy (kubectl debug --copy-to): volumes inline their source, mounts and env refs', () => {
  const keyToPath = msg([
    [1, 'ca.crt'],
    [2, 'ca.crt'],
  ]);
  const projected = msg([
    [
      1,
      msg([
        [
          4,
          msg([
            [2, 3607],
            [3, 'token'],
          ]),
        ],
      ]),
    ],
    [
      1,
      msg([
        [
          3,
          msg([
            [1, msg([[1, 'kube-root-ca.crt']])],
            [2, keyToPath],
          ]),
        ],
      ]),
    ],
    [
      1,
      msg([
        [
          2,
          msg([
            [
              1,
              msg([
                [1, 'namespace'],
                [
                  2,
                  msg([
                    [1, 'v1'],
                    [2, 'metadata.namespace'],
                  ]),
                ],
              ]),
            ],
          ]),
        ],
      ]),
    ],
    [2, 420],
  ]);
  const selector = msg([
    [1, msg([[1, 'cfg']])],
    [2, 'k'],
    [3, 0],
  ]);
  const envVar = msg([
    [1, 'CM'],
    [3, msg([[3, selector]])],
  ]);
  const container = msg([
    [1, 'main'],
    [2, 'busybox'],
    [7, envVar],
    [
      9,
      msg([
        [1, 'kube-api-access'],
        [2, 1],
        [3, '/var/run/secrets/kubernetes.io/serviceaccount'],
      ]),
    ],
  ]);
  const spec = msg([
    [
      1,
      msg([
        [1, 'kube-api-access'],
        [2, msg([[26, projected]])],
      ]),
    ],
    [
      1,
      msg([
        [1, 'scratch'],
        [2, msg([[2, msg([])]])],
      ]),
    ],
    [2, container],
  ]);
  const pod = decodeKubernetesProtobuf(
    wrap(
      'v1',
      'Pod',
      msg([
        [1, msg([[1, 'copy']])],
        [2, spec],
      ]),
    ),
  );
  assert.deepEqual(pod, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'copy' },
    spec: {
      volumes: [
        {
          name: 'kube-api-access',
          projected: {
            sources: [
              { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
              {
                configMap: {
                  name: 'kube-root-ca.crt',
                  items: [{ key: 'ca.crt', path: 'ca.crt' }],
                },
              },
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
            defaultMode: 420,
          },
        },
        { name: 'scratch', emptyDir: {} },
      ],
      containers: [
        {
          name: 'main',
          image: 'busybox',
          env: [
            {
              name: 'CM',
              valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k', optional: false } },
            },
          ],
          volumeMounts: [
            {
              name: 'kube-api-access',
              readOnly: true,
              mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
            },
          ],
        },
      ],
    },
  });
});
