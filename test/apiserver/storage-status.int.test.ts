// The status subresources of PersistentVolumeClaims and PersistentVolumes (upstream 1.32's status
// strategies: ValidatePersistentVolumeClaimStatusUpdate, the stored spec kept, status fields of
// disabled gates dropped, a volume's lastPhaseTransitionTime following its phase), and the
// Warning headers of PersistentVolume and claim writes (GetWarningsForPersistentVolume(Claim)).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestApi, type TestApi } from '../support/apiserver.js';
import { expectInvalid, type Cause } from '../support/invalid.js';

type Json = Record<string, unknown>;

let api: TestApi;
let now = new Date('2025-01-02T03:04:05Z');

before(async () => {
  api = await startTestApi({ clock: () => now });
});
after(() => api.stop());

const CLAIMS = '/api/v1/namespaces/default/persistentvolumeclaims';
const VOLUMES = '/api/v1/persistentvolumes';
const MERGE = 'application/merge-patch+json';
const RESIZE_STATUSES =
  'supported values: "ControllerResizeInProgress", "ControllerResizeInfeasible", "NodeResizeInProgress", "NodeResizeInfeasible", "NodeResizePending"';

function claim(name: string, spec: Json = {}, metadata: Json = {}): Json {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, ...metadata },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
  };
}

function volume(name: string, spec: Json = {}, metadata: Json = {}): Json {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name, ...metadata },
    spec: {
      capacity: { storage: '1Gi' },
      accessModes: ['ReadWriteOnce'],
      hostPath: { path: `/srv/${name}` },
      ...spec,
    },
  };
}

/** The texts of a response's Warning headers (`299 - "text"`), in order. */
function warningsOf(res: Response): string[] {
  const header = res.headers.get('warning');
  if (header === null) return [];
  return [...header.matchAll(/299 - ("(?:[^"\\]|\\.)*")/g)].map(
    (m) => JSON.parse(m[1] ?? '""') as string,
  );
}

async function ok(res: Response, code = 200): Promise<Json> {
  const body = (await res.json()) as Json;
  assert.equal(res.status, code, JSON.stringify(body));
  return body;
}

const statusOf = (o: Json): Json => o.status as Json;

test('claim status: negative capacities and bad expansion state are refused', async () => {
  const c = await ok(await api.request('POST', CLAIMS, claim('s1')), 201);
  c.status = {
    phase: 'Bound',
    capacity: { storage: '-1Gi', 'example.com/iops': '-0.5' },
    allocatedResources: { cpu: '1', 'example.com/x': '-2', 'bad key': '1' },
    allocatedResourceStatuses: { storage: 'Resizing', memory: 'NodeResizePending' },
  };
  const causes: Cause[] = [
    [
      'FieldValueInvalid',
      'status.capacity[storage]',
      'Invalid value: -1073741824: must be a valid resource quantity',
    ],
    [
      'FieldValueInvalid',
      'status.capacity[example.com/iops]',
      'Invalid value: -1: must be a valid resource quantity',
    ],
    [
      'FieldValueNotSupported',
      'status.allocatedResourceStatus',
      `Unsupported value: "storage": ${RESIZE_STATUSES}`,
    ],
    [
      'FieldValueNotSupported',
      'status.allocatedResourceStatus',
      'Unsupported value: "memory": supported values: "storage"',
    ],
    [
      'FieldValueNotSupported',
      'status.allocatedResources',
      'Unsupported value: "cpu": supported values: "storage"',
    ],
    [
      'FieldValueInvalid',
      'status.allocatedResources[example.com/x]',
      'Invalid value: -2: must be a valid resource quantity',
    ],
    [
      'FieldValueInvalid',
      'status.allocatedResources',
      `Invalid value: "bad key": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
    ],
  ];
  await expectInvalid(
    await api.request('PUT', `${CLAIMS}/s1/status`, c),
    'PersistentVolumeClaim',
    undefined,
    's1',
    causes,
  );
  // The same through a merge patch.
  await expectInvalid(
    await api.request(
      'PATCH',
      `${CLAIMS}/s1/status`,
      { status: { capacity: { storage: '-1Gi' } } },
      MERGE,
    ),
    'PersistentVolumeClaim',
    undefined,
    's1',
    [causes[0] as Cause],
  );
});

test('claim status: a valid expansion state is stored, the spec and gated fields are not', async () => {
  const c = await ok(await api.request('POST', CLAIMS, claim('s2')), 201);
  c.spec = { ...(c.spec as Json), accessModes: ['ReadWriteMany'] };
  c.status = {
    phase: 'Bound',
    capacity: { storage: '1Gi' },
    allocatedResources: { storage: '2Gi', 'example.com/iops': '100' },
    allocatedResourceStatuses: { storage: 'NodeResizePending' },
    // VolumeAttributesClass is off in 1.32: its status fields are dropped.
    currentVolumeAttributesClassName: 'gold',
    modifyVolumeStatus: { status: 'Pending', targetVolumeAttributesClassName: 'gold' },
  };
  const out = await ok(await api.request('PUT', `${CLAIMS}/s2/status`, c));
  assert.deepEqual((out.spec as Json).accessModes, ['ReadWriteOnce']);
  assert.deepEqual(statusOf(out), {
    phase: 'Bound',
    capacity: { storage: '1Gi' },
    allocatedResources: { storage: '2Gi', 'example.com/iops': '100' },
    allocatedResourceStatuses: { storage: 'NodeResizePending' },
  });
});

test('volume status: lastPhaseTransitionTime follows the phase unless the client moves it', async () => {
  now = new Date('2025-01-02T03:04:05Z');
  const v = await ok(await api.request('POST', VOLUMES, volume('s3')), 201);
  assert.deepEqual(statusOf(v), {
    phase: 'Pending',
    lastPhaseTransitionTime: '2025-01-02T03:04:05Z',
  });
  // A new phase, the old time sent back: the server stamps the transition.
  now = new Date('2025-01-02T04:00:00Z');
  v.status = { ...statusOf(v), phase: 'Available' };
  (v.spec as Json).persistentVolumeReclaimPolicy = 'Delete';
  const available = await ok(await api.request('PUT', `${VOLUMES}/s3/status`, v));
  assert.deepEqual(statusOf(available), {
    phase: 'Available',
    lastPhaseTransitionTime: '2025-01-02T04:00:00Z',
  });
  // A status write keeps the stored spec.
  assert.equal((available.spec as Json).persistentVolumeReclaimPolicy, 'Retain');
  // The same phase without a time keeps the stored one.
  now = new Date('2025-01-02T05:00:00Z');
  const same = await ok(
    await api.request(
      'PATCH',
      `${VOLUMES}/s3/status`,
      { status: { lastPhaseTransitionTime: null, message: 'ready' } },
      MERGE,
    ),
  );
  assert.deepEqual(statusOf(same), {
    phase: 'Available',
    message: 'ready',
    lastPhaseTransitionTime: '2025-01-02T04:00:00Z',
  });
  // A new phase with a time of the client's own keeps that time.
  const bound = await ok(
    await api.request(
      'PATCH',
      `${VOLUMES}/s3/status`,
      { status: { phase: 'Bound', lastPhaseTransitionTime: '2024-12-31T00:00:00Z' } },
      MERGE,
    ),
  );
  assert.equal(statusOf(bound).lastPhaseTransitionTime, '2024-12-31T00:00:00Z');
  // A new phase, the time removed: stamped again.
  const released = await ok(
    await api.request(
      'PATCH',
      `${VOLUMES}/s3/status`,
      { status: { phase: 'Released', lastPhaseTransitionTime: null } },
      MERGE,
    ),
  );
  assert.equal(statusOf(released).lastPhaseTransitionTime, '2025-01-02T05:00:00Z');
});

test('claim warnings: the beta class annotation and fractional byte sizes', async () => {
  const body = claim(
    'w1',
    { resources: { requests: { storage: '1.5' }, limits: { storage: '2500m' } } },
    { annotations: { 'volume.beta.kubernetes.io/storage-class': 'slow' } },
  );
  const expected = [
    'metadata.annotations[volume.beta.kubernetes.io/storage-class]: deprecated since v1.8; use "storageClassName" attribute instead',
    'spec.resources.requests[storage]: fractional byte value "1500m" is invalid, must be an integer',
    'spec.resources.limits[storage]: fractional byte value "2500m" is invalid, must be an integer',
  ];
  const dry = await api.request('POST', `${CLAIMS}?dryRun=All`, body);
  assert.deepEqual(warningsOf(dry), expected);
  const res = await api.request('POST', CLAIMS, body);
  const created = await ok(res, 201);
  assert.deepEqual(warningsOf(res), expected);
  // Updates warn about the new claim too; status writes never warn.
  (created.metadata as Json).labels = { a: 'b' };
  const put = await api.request('PUT', `${CLAIMS}/w1`, created);
  await ok(put);
  assert.deepEqual(warningsOf(put), expected);
  const status = await api.request('PATCH', `${CLAIMS}/w1/status`, { status: {} }, MERGE);
  await ok(status);
  assert.deepEqual(warningsOf(status), []);
  // An invalid claim gets its 422 and no warnings; whole bytes draw none.
  const bad = await api.request(
    'POST',
    CLAIMS,
    claim('w2', { accessModes: [] }, body.metadata as Json),
  );
  assert.equal(bad.status, 422);
  assert.deepEqual(warningsOf(bad), []);
  const fine = await api.request(
    'POST',
    CLAIMS,
    claim('w3', { resources: { requests: { storage: '0.5Ki' } } }),
  );
  await ok(fine, 201);
  assert.deepEqual(warningsOf(fine), []);
});

test('volume warnings: Recycle, beta node labels, removed plugins, the beta class annotation', async () => {
  const body = volume(
    'w4',
    {
      hostPath: undefined,
      local: { path: '/mnt/disk' },
      persistentVolumeReclaimPolicy: 'Recycle',
      nodeAffinity: {
        required: {
          nodeSelectorTerms: [
            {
              matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['n1'] }],
            },
            {
              matchExpressions: [
                { key: 'beta.kubernetes.io/os', operator: 'In', values: ['linux'] },
                { key: 'failure-domain.beta.kubernetes.io/zone', operator: 'In', values: ['a'] },
              ],
            },
          ],
        },
      },
    },
    { annotations: { 'volume.beta.kubernetes.io/storage-class': '' } },
  );
  const res = await api.request('POST', VOLUMES, body);
  const created = await ok(res, 201);
  assert.deepEqual(warningsOf(res), [
    'metadata.annotations[volume.beta.kubernetes.io/storage-class]: deprecated since v1.8; use "storageClassName" attribute instead',
    'spec.persistentVolumeReclaimPolicy: The Recycle reclaim policy is deprecated. Instead, the recommended approach is to use dynamic provisioning.',
    'spec.nodeAffinity.required.nodeSelectorTerms[1].matchExpressions[0].key: beta.kubernetes.io/os is deprecated since v1.14; use "kubernetes.io/os" instead',
    'spec.nodeAffinity.required.nodeSelectorTerms[1].matchExpressions[1].key: failure-domain.beta.kubernetes.io/zone is deprecated since v1.17; use "topology.kubernetes.io/zone" instead',
  ]);
  (created.spec as Json).persistentVolumeReclaimPolicy = 'Retain';
  const put = await api.request('PUT', `${VOLUMES}/w4`, created);
  await ok(put);
  assert.equal(warningsOf(put).length, 3);
  const plugins: [string, Json, string][] = [
    [
      'w5',
      { cephfs: { monitors: ['m'] } },
      'spec.cephfs: deprecated in v1.28, non-functional in v1.31+',
    ],
    [
      'w6',
      { rbd: { monitors: ['m'], image: 'i' } },
      'spec.rbd: deprecated in v1.28, non-functional in v1.31+',
    ],
    [
      'w7',
      { glusterfs: { endpoints: 'e', path: 'p' } },
      'spec.glusterfs: deprecated in v1.25, non-functional in v1.26+',
    ],
    [
      'w8',
      { storageos: { volumeName: 'v' } },
      'spec.storageOS: deprecated in v1.22, non-functional in v1.25+',
    ],
    [
      'w9',
      { photonPersistentDisk: { pdID: 'p' } },
      'spec.photonPersistentDisk: deprecated in v1.11, non-functional in v1.16+',
    ],
    [
      'w10',
      { scaleIO: { gateway: 'g', system: 's', volumeName: 'v', secretRef: { name: 's' } } },
      'spec.scaleIO: deprecated in v1.16, non-functional in v1.22+',
    ],
  ];
  for (const [name, source, warning] of plugins) {
    const r = await api.request('POST', VOLUMES, volume(name, { hostPath: undefined, ...source }));
    await ok(r, 201);
    assert.deepEqual(warningsOf(r), [warning], name);
  }
});
