// Validation of PersistentVolumeClaims, PersistentVolumes and StorageClasses against upstream
// Kubernetes 1.32's wording (ValidatePersistentVolumeClaim(Update), ValidatePersistentVolume(Update),
// ValidateStorageClass(Update) and the registry strategies): each invalid object gets the exact
// 422 Status with its causes, and kubectl prints its message unchanged.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestApi, type TestApi } from '../support/apiserver.js';
import { expectInvalid as expectInvalidStatus, type Cause } from '../support/invalid.js';

let api: TestApi;

before(async () => {
  api = await startTestApi();
});
after(() => api.stop());

type Json = Record<string, unknown>;

const SUBDOMAIN =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_VALUE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const NAME_PART =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const ACCESS_MODES =
  'supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"';
const SPEC_IMMUTABLE =
  'Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n';

const inv = (field: string, message: string): Cause => ['FieldValueInvalid', field, message];
const unsupported = (field: string, message: string): Cause => [
  'FieldValueNotSupported',
  field,
  message,
];
const forbid = (field: string, message: string): Cause => [
  'FieldValueForbidden',
  field,
  `Forbidden: ${message}`,
];
const dup = (field: string, value: string): Cause => [
  'FieldValueDuplicate',
  field,
  `Duplicate value: ${JSON.stringify(value)}`,
];
const req = (field: string, detail = ''): Cause => [
  'FieldValueRequired',
  field,
  detail === '' ? 'Required value' : `Required value: ${detail}`,
];

const PATHS: Record<string, string> = {
  PersistentVolumeClaim: '/api/v1/namespaces/default/persistentvolumeclaims',
  PersistentVolume: '/api/v1/persistentvolumes',
  StorageClass: '/apis/storage.k8s.io/v1/storageclasses',
};
const GROUPS: Record<string, string> = { StorageClass: 'storage.k8s.io' };

function expectInvalid(res: Response, kind: string, name: string, causes: Cause[]): Promise<void> {
  return expectInvalidStatus(res, kind, GROUPS[kind], name, causes);
}

function claim(name: string, spec: Json, withDefaults = true): Json {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name },
    spec: withDefaults
      ? { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec }
      : spec,
  };
}

function volume(name: string, spec: Json, withDefaults = true, metadata: Json = {}): Json {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name, ...metadata },
    spec: withDefaults
      ? {
          capacity: { storage: '1Gi' },
          accessModes: ['ReadWriteOnce'],
          hostPath: { path: `/srv/${name}` },
          ...spec,
        }
      : spec,
  };
}

function storageClass(name: string, fields: Json): Json {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name },
    provisioner: 'example.com/disk',
    ...fields,
  };
}

const localAffinity = (expressions: Json[]): Json => ({
  required: { nodeSelectorTerms: [{ matchExpressions: expressions }] },
});

interface Case {
  name: string;
  body: Json;
  causes: Cause[];
}

const cases: Case[] = [
  // ValidatePersistentVolumeClaimSpec.
  {
    name: 'claim: no access modes, no storage request',
    body: claim('c1', {}, false),
    causes: [
      req('spec.accessModes', 'at least 1 access mode is required'),
      req('spec.resources[storage]'),
    ],
  },
  {
    name: 'claim: an unknown access mode',
    body: claim('c2', { accessModes: ['ReadWriteSometimes'] }),
    causes: [
      unsupported('spec.accessModes', `Unsupported value: "ReadWriteSometimes": ${ACCESS_MODES}`),
    ],
  },
  {
    name: 'claim: ReadWriteOncePod with another mode',
    body: claim('c3', { accessModes: ['ReadWriteOncePod', 'ReadWriteOnce'] }),
    causes: [forbid('spec.accessModes', 'may not use ReadWriteOncePod with other access modes')],
  },
  {
    name: 'claim: a zero storage request',
    body: claim('c4', { resources: { requests: { storage: '0' } } }),
    causes: [inv('spec.resources[storage]', 'Invalid value: "0": must be greater than zero')],
  },
  {
    name: 'claim: a negative storage request, a bad volume mode and class',
    body: claim('c5', {
      resources: { requests: { storage: '-1Gi' } },
      volumeMode: 'Raw',
      storageClassName: 'Fast_SSD',
    }),
    causes: [
      inv('spec.resources[storage]', 'Invalid value: "-1Gi": must be greater than zero'),
      inv('spec.storageClassName', `Invalid value: "Fast_SSD": ${SUBDOMAIN}`),
      unsupported(
        'spec.volumeMode',
        'Unsupported value: "Raw": supported values: "Block", "Filesystem"',
      ),
    ],
  },
  {
    name: 'claim: a selector with a bad label value, operator and missing values',
    body: claim('c6', {
      accessModes: [],
      selector: {
        matchLabels: { app: 'bad value' },
        matchExpressions: [
          { key: 'tier', operator: 'Equals', values: ['web'] },
          { key: 'zone', operator: 'In' },
          { key: 'disk', operator: 'Exists', values: ['ssd'] },
        ],
      },
    }),
    causes: [
      req('spec.accessModes', 'at least 1 access mode is required'),
      inv('spec.selector.matchLabels', `Invalid value: "bad value": ${LABEL_VALUE}`),
      inv(
        'spec.selector.matchExpressions[0].operator',
        'Invalid value: "Equals": not a valid selector operator',
      ),
      req(
        'spec.selector.matchExpressions[1].values',
        "must be specified when `operator` is 'In' or 'NotIn'",
      ),
      forbid(
        'spec.selector.matchExpressions[2].values',
        "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
      ),
    ],
  },
  {
    name: 'claim: a data source without a name (mirrored into dataSourceRef)',
    body: claim('c7', { dataSource: { kind: 'PersistentVolumeClaim' } }),
    causes: [req('spec.dataSource.name'), req('spec.dataSourceRef.name')],
  },
  {
    name: 'claim: a dataSourceRef of a core kind other than a claim',
    body: claim('c8', { dataSourceRef: { kind: 'Widget', name: 'w' } }),
    causes: [
      inv(
        'spec.dataSource',
        'Invalid value: "Widget": must be \'PersistentVolumeClaim\' when referencing the default apiGroup',
      ),
      inv(
        'spec.dataSourceRef',
        'Invalid value: "Widget": must be \'PersistentVolumeClaim\' when referencing the default apiGroup',
      ),
    ],
  },
  {
    name: 'claim: a dataSourceRef with a bad API group',
    body: claim('c9', { dataSourceRef: { apiGroup: 'Bad_Group', kind: 'Widget', name: 'w' } }),
    causes: [
      inv('spec.dataSource.apiGroup', `Invalid value: "Bad_Group": ${SUBDOMAIN}`),
      inv('spec.dataSourceRef.apiGroup', `Invalid value: "Bad_Group": ${SUBDOMAIN}`),
    ],
  },
  // ValidatePersistentVolumeSpec and pkg/volume/validation.
  {
    name: 'volume: nothing at all',
    body: volume('v1', {}, false),
    causes: [
      req('spec.accessModes'),
      req('spec.capacity'),
      unsupported(
        'spec.capacity',
        'Unsupported value: core.ResourceList(nil): supported values: "storage"',
      ),
      req('spec', 'must specify a volume type'),
    ],
  },
  {
    name: 'volume: a zero capacity and an unknown reclaim policy',
    body: volume('v2', { capacity: { storage: '0' }, persistentVolumeReclaimPolicy: 'Keep' }),
    causes: [
      inv('spec.capacity[storage]', 'Invalid value: "0": must be greater than zero'),
      unsupported(
        'spec.persistentVolumeReclaimPolicy',
        'Unsupported value: "Keep": supported values: "Delete", "Recycle", "Retain"',
      ),
    ],
  },
  {
    name: 'volume: capacity beyond storage',
    body: volume('v3', { capacity: { storage: '1Gi', cpu: '1' } }),
    causes: [
      unsupported(
        'spec.capacity',
        'Unsupported value: core.ResourceList{"cpu":resource.Quantity{i:resource.int64Amount{value:1, scale:0}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:"1", Format:"DecimalSI"}, "storage":resource.Quantity{i:resource.int64Amount{value:1073741824, scale:0}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:"1Gi", Format:"BinarySI"}}: supported values: "storage"',
      ),
    ],
  },
  {
    name: 'volume: two volume types',
    body: volume('v4', { nfs: { server: 'nfs.example.com', path: '/exports' } }),
    causes: [forbid('spec.nfs', 'may not specify more than 1 volume type')],
  },
  {
    name: 'volume: a hostPath with a backstep and an unknown type',
    body: volume('v5', { hostPath: { path: '/data/../etc', type: 'Dir' } }),
    causes: [
      inv('spec.hostPath.path', 'Invalid value: "/data/../etc": must not contain \'..\''),
      unsupported(
        'spec.hostPath.type',
        'Unsupported value: "Dir": supported values: "", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"',
      ),
    ],
  },
  {
    name: 'volume: a hostPath without a path',
    body: volume('v6', { hostPath: { path: '' } }),
    causes: [req('spec.hostPath.path')],
  },
  {
    name: 'volume: a local volume needs node affinity',
    body: volume('v7', { hostPath: undefined, local: { path: '/mnt/disk' } }),
    causes: [req('spec.nodeAffinity', 'Local volume requires node affinity')],
  },
  {
    name: 'volume: node affinity without terms, then bad requirements',
    body: volume('v8', {
      hostPath: undefined,
      local: { path: '' },
      nodeAffinity: localAffinity([
        { key: 'kubernetes.io/hostname', operator: 'In' },
        { key: 'bad key!', operator: 'Gt', values: ['1', '2'] },
        { key: 'zone', operator: 'Near' },
      ]),
    }),
    causes: [
      req(
        'spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values',
        "must be specified when `operator` is 'In' or 'NotIn'",
      ),
      req(
        'spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[1].values',
        "must be specified single value when `operator` is 'Lt' or 'Gt'",
      ),
      inv(
        'spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[1].key',
        `Invalid value: "bad key!": ${NAME_PART}`,
      ),
      inv(
        'spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[2].operator',
        'Invalid value: "Near": not a valid selector operator',
      ),
      req('spec.local.path'),
    ],
  },
  {
    name: 'volume: empty node affinity',
    body: volume('v9', { nodeAffinity: {} }),
    causes: [req('spec.nodeAffinity.required', 'must specify required node constraints')],
  },
  {
    name: 'volume: no node selector terms',
    body: volume('v10', { nodeAffinity: { required: { nodeSelectorTerms: [] } } }),
    causes: [
      req(
        'spec.nodeAffinity.required.nodeSelectorTerms',
        'must have at least one node selector term',
      ),
    ],
  },
  {
    name: 'volume: recycling a hostPath of /, a bad class and mode',
    body: volume('v11', {
      hostPath: { path: '/' },
      persistentVolumeReclaimPolicy: 'Recycle',
      storageClassName: 'Bad_Class',
      volumeMode: 'Raw',
      accessModes: ['ReadWriteOncePod', 'ReadOnlyMany'],
    }),
    causes: [
      forbid('spec.accessModes', 'may not use ReadWriteOncePod with other access modes'),
      forbid(
        'spec.persistentVolumeReclaimPolicy',
        "may not be 'recycle' for a hostPath mount of '/'",
      ),
      inv('spec.storageClassName', `Invalid value: "Bad_Class": ${SUBDOMAIN}`),
      unsupported(
        'spec.volumeMode',
        'Unsupported value: "Raw": supported values: "Block", "Filesystem"',
      ),
    ],
  },
  {
    name: 'volume: an NFS volume with no server and a relative path',
    body: volume('v12', { hostPath: undefined, nfs: { server: '', path: 'exports' } }),
    causes: [
      req('spec.nfs.server'),
      inv('spec.nfs.path', 'Invalid value: "exports": must be an absolute path'),
    ],
  },
  {
    name: 'volume: a CSI volume without driver and handle',
    body: volume('v13', {
      hostPath: undefined,
      csi: { driver: '', volumeHandle: '', nodePublishSecretRef: { name: 'creds' } },
    }),
    causes: [
      req('spec.csi.driver'),
      inv('spec.csi.driver', `Invalid value: "": ${SUBDOMAIN}`),
      req('spec.csi.volumeHandle'),
      req('spec.csi.nodePublishSecretRef.namespace'),
    ],
  },
  {
    name: 'volume: mount options on a hostPath volume',
    body: volume('v14', { capacity: {} }, true, {
      annotations: { 'volume.beta.kubernetes.io/mount-options': 'ro' },
    }),
    causes: [
      req('spec.capacity'),
      unsupported(
        'spec.capacity',
        'Unsupported value: core.ResourceList{}: supported values: "storage"',
      ),
      forbid(
        'metadata.annotations.volume.beta.kubernetes.io/mount-options',
        'may not specify mount options for this volume type',
      ),
    ],
  },
  // ValidateStorageClass.
  {
    name: 'class: no provisioner',
    body: storageClass('s1', { provisioner: undefined }),
    causes: [req('provisioner')],
  },
  {
    name: 'class: a provisioner that is no qualified name (shown in lower case)',
    body: storageClass('s2', { provisioner: 'Example.com/My Disks' }),
    causes: [inv('provisioner', `Invalid value: "example.com/my disks": ${NAME_PART}`)],
  },
  {
    name: 'class: unknown reclaim policy and binding mode, an empty parameter name',
    body: storageClass('s3', {
      parameters: { '': 'x' },
      reclaimPolicy: 'Recycle',
      volumeBindingMode: 'Later',
    }),
    causes: [
      inv('parameters', 'Invalid value: "": field can not be empty.'),
      unsupported(
        'reclaimPolicy',
        'Unsupported value: "Recycle": supported values: "Delete", "Retain"',
      ),
      unsupported(
        'volumeBindingMode',
        'Unsupported value: "Later": supported values: "Immediate", "WaitForFirstConsumer"',
      ),
    ],
  },
  {
    name: 'class: allowed topologies without values, with repeats',
    body: storageClass('s4', {
      allowedTopologies: [
        {
          matchLabelExpressions: [
            { key: 'zone', values: [] },
            { key: 'zone', values: ['a', 'a'] },
          ],
        },
        { matchLabelExpressions: [{ key: 'zone', values: ['a'] }] },
      ],
    }),
    causes: [
      req('allowedTopologies[0].matchLabelExpressions[0].values'),
      dup('allowedTopologies[0].matchLabelExpressions[1].values[1]', 'a'),
      dup('allowedTopologies[0].matchLabelExpressions[1].key', 'zone'),
      dup('allowedTopologies[1].matchLabelExpressions', ''),
    ],
  },
  {
    name: 'class: an empty topology term repeats the empty terms upstream starts from',
    body: storageClass('s5', { allowedTopologies: [{}] }),
    causes: [dup('allowedTopologies[0].matchLabelExpressions', '')],
  },
  {
    name: 'class: more than 512 parameters',
    body: storageClass('s6', {
      parameters: Object.fromEntries(Array.from({ length: 513 }, (_, i) => [`p${i}`, 'v'])),
    }),
    causes: [['FieldValueTooLong', 'parameters', 'Too long: may not be more than 512 bytes']],
  },
];

for (const c of cases) {
  test(`create ${c.name}`, async () => {
    const kind = String(c.body.kind);
    const name = (c.body.metadata as { name: string }).name;
    await expectInvalid(await api.request('POST', PATHS[kind] ?? '', c.body), kind, name, c.causes);
  });
}

async function create(body: Json): Promise<Json> {
  const res = await api.request('POST', PATHS[String(body.kind)] ?? '', body);
  const obj = (await res.json()) as Json;
  assert.equal(res.status, 201, JSON.stringify(obj));
  return obj;
}

async function put(obj: Json, subresource = ''): Promise<Response> {
  const name = (obj.metadata as { name: string }).name;
  return api.request('PUT', `${PATHS[String(obj.kind)] ?? ''}/${name}${subresource}`, obj);
}

async function putOk(obj: Json, subresource = ''): Promise<Json> {
  const res = await put(obj, subresource);
  const out = (await res.json()) as Json;
  assert.equal(res.status, 200, JSON.stringify(out));
  return out;
}

const specOf = (o: Json): Json => o.spec as Json;

test('create: fields of disabled gates are dropped, valid objects are stored', async () => {
  const c = await create(
    claim('ok1', {
      volumeAttributesClassName: 'gold',
      dataSourceRef: { kind: 'PersistentVolumeClaim', name: 'src', namespace: 'other' },
    }),
  );
  // VolumeAttributesClass is off and CrossNamespaceVolumeDataSource alpha in 1.32.
  assert.equal(specOf(c).volumeAttributesClassName, undefined);
  assert.equal(specOf(c).dataSourceRef, undefined);
  // A dataSource that is neither a claim nor a VolumeSnapshot is dropped, not refused.
  const d = await create(
    claim('ok2', { dataSource: { apiGroup: 'example.com', kind: 'Widget', name: 'w' } }),
  );
  assert.equal(specOf(d).dataSource, undefined);
  await create(
    volume('ok3', {
      hostPath: undefined,
      local: { path: '/mnt/disk' },
      nodeAffinity: localAffinity([
        { key: 'kubernetes.io/hostname', operator: 'In', values: ['n1'] },
      ]),
    }),
  );
  await create(
    storageClass('ok4', {
      provisioner: 'kbox.io/local-path',
      volumeBindingMode: 'WaitForFirstConsumer',
      allowedTopologies: [{ matchLabelExpressions: [{ key: 'zone', values: ['a', 'b'] }] }],
    }),
  );
});

test('update: a claim spec is immutable but for its class once and its volume name once', async () => {
  const c = await create(claim('u1', {}));
  // No default class here: the claim has none, and may get one (the PV controller's path).
  assert.equal(specOf(c).storageClassName, undefined);
  specOf(c).storageClassName = 'standard';
  const classed = await putOk(c);
  specOf(classed).volumeName = 'pv-u1';
  const named = await putOk(classed);
  specOf(named).volumeName = 'pv-other';
  specOf(named).accessModes = ['ReadWriteMany'];
  await expectInvalid(await put(named), 'PersistentVolumeClaim', 'u1', [
    [
      'FieldValueForbidden',
      'spec',
      `${SPEC_IMMUTABLE}- accessModes: ["ReadWriteOnce"]\n+ accessModes: ["ReadWriteMany"]\n- volumeName: "pv-u1"\n+ volumeName: "pv-other"\n`,
    ],
  ]);
  // An unbound claim may not change its request either; volumeMode has its own error.
  const fresh = (await (
    await api.request('GET', `${PATHS.PersistentVolumeClaim}/u1`)
  ).json()) as Json;
  specOf(fresh).resources = { requests: { storage: '2Gi' } };
  specOf(fresh).volumeMode = 'Block';
  await expectInvalid(await put(fresh), 'PersistentVolumeClaim', 'u1', [
    [
      'FieldValueForbidden',
      'spec',
      `${SPEC_IMMUTABLE}- resources: {"requests":{"storage":"1Gi"}}\n+ resources: {"requests":{"storage":"2Gi"}}\n- volumeMode: "Filesystem"\n+ volumeMode: "Block"\n`,
    ],
    inv('volumeMode', 'Invalid value: "Block": field is immutable'),
  ]);
});

test('update: a bound claim may grow, not shrink below its capacity; errors come twice', async () => {
  const c = await create(claim('u2', { storageClassName: 'standard', volumeName: 'pv-u2' }));
  c.status = { phase: 'Bound', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] };
  const bound = await putOk(c, '/status');
  specOf(bound).resources = { requests: { storage: '2Gi' } };
  const grown = await putOk(bound);
  assert.deepEqual(specOf(grown).resources, { requests: { storage: '2Gi' } });
  // Back above the capacity (recovery from a failed expansion) is allowed in 1.32.
  specOf(grown).resources = { requests: { storage: '1536Mi' } };
  const recovered = await putOk(grown);
  specOf(recovered).resources = { requests: { storage: '500Mi' } };
  await expectInvalid(await put(recovered), 'PersistentVolumeClaim', 'u2', [
    forbid('spec.resources.requests.storage', 'field can not be less than status.capacity'),
  ]);
  // The new claim is validated twice (by the strategy and by the update rules).
  specOf(recovered).resources = { requests: { storage: '0' } };
  await expectInvalid(await put(recovered), 'PersistentVolumeClaim', 'u2', [
    inv('spec.resources[storage]', 'Invalid value: "0": must be greater than zero'),
    inv('spec.resources[storage]', 'Invalid value: "0": must be greater than zero'),
    forbid('spec.resources.requests.storage', 'field can not be less than status.capacity'),
  ]);
});

test('update: a volume source and mode are immutable, everything else may change', async () => {
  const v = await create(
    volume('u3', {
      nodeAffinity: localAffinity([
        { key: 'failure-domain.beta.kubernetes.io/zone', operator: 'In', values: ['a'] },
      ]),
    }),
  );
  const spec = specOf(v);
  spec.capacity = { storage: '5Gi' };
  spec.accessModes = ['ReadWriteMany'];
  spec.persistentVolumeReclaimPolicy = 'Delete';
  spec.storageClassName = 'manual';
  spec.claimRef = { namespace: 'default', name: 'data' };
  spec.mountOptions = ['ro'];
  // A beta label may become its GA name.
  spec.nodeAffinity = localAffinity([
    { key: 'topology.kubernetes.io/zone', operator: 'In', values: ['a'] },
  ]);
  const changed = await putOk(v);
  const next = specOf(changed);
  next.hostPath = { path: '/srv/elsewhere', type: '' };
  next.volumeMode = 'Block';
  next.nodeAffinity = localAffinity([
    { key: 'topology.kubernetes.io/zone', operator: 'In', values: ['b'] },
  ]);
  await expectInvalid(await put(changed), 'PersistentVolume', 'u3', [
    forbid(
      'spec.persistentvolumesource',
      'spec.persistentvolumesource is immutable after creation\n- hostPath: {"path":"/srv/u3","type":""}\n+ hostPath: {"path":"/srv/elsewhere","type":""}\n',
    ),
    inv('volumeMode', 'Invalid value: "Block": field is immutable'),
    inv(
      'nodeAffinity',
      'Invalid value: core.VolumeNodeAffinity{Required:(*core.NodeSelector)(0xc000010000)}: field is immutable, except for updating from beta label to GA',
    ),
  ]);
  // The new volume is validated twice; mount options once.
  const bad = (await (await api.request('GET', `${PATHS.PersistentVolume}/u3`)).json()) as Json;
  specOf(bad).persistentVolumeReclaimPolicy = 'Keep';
  (bad.metadata as Json).annotations = { 'volume.beta.kubernetes.io/mount-options': 'ro' };
  const policy = unsupported(
    'spec.persistentVolumeReclaimPolicy',
    'Unsupported value: "Keep": supported values: "Delete", "Recycle", "Retain"',
  );
  await expectInvalid(await put(bad), 'PersistentVolume', 'u3', [
    policy,
    forbid(
      'metadata.annotations.volume.beta.kubernetes.io/mount-options',
      'may not specify mount options for this volume type',
    ),
    policy,
  ]);
});

test('update: a class keeps its provisioner, parameters, reclaim policy and binding mode', async () => {
  const sc = await create(storageClass('u4', { parameters: { type: 'ssd' } }));
  sc.allowVolumeExpansion = true;
  sc.mountOptions = ['ro'];
  sc.allowedTopologies = [{ matchLabelExpressions: [{ key: 'zone', values: ['a'] }] }];
  const changed = await putOk(sc);
  changed.parameters = { type: 'hdd' };
  changed.provisioner = 'example.com/other';
  changed.reclaimPolicy = 'Retain';
  changed.volumeBindingMode = 'WaitForFirstConsumer';
  await expectInvalid(await put(changed), 'StorageClass', 'u4', [
    forbid('parameters', 'updates to parameters are forbidden.'),
    forbid('provisioner', 'updates to provisioner are forbidden.'),
    forbid('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'),
    inv('volumeBindingMode', 'Invalid value: "WaitForFirstConsumer": field is immutable'),
  ]);
  // reflect.DeepEqual: no parameters and empty parameters differ.
  const bare = await create(storageClass('u5', {}));
  bare.parameters = {};
  await expectInvalid(await put(bare), 'StorageClass', 'u5', [
    forbid('parameters', 'updates to parameters are forbidden.'),
  ]);
});

test('kubectl prints the Status message of an invalid claim unchanged', async () => {
  const out = await api.kubectl(
    ['create', '-f', '-'],
    `apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: k1
spec:
  resources:
    requests:
      storage: 1Gi
`,
  );
  assert.equal(out.code, 1);
  assert.equal(
    out.stderr,
    'The PersistentVolumeClaim "k1" is invalid: spec.accessModes: Required value: at least 1 access mode is required\n',
  );
});

test('update: a stored volumeAttributesClassName may not change while its gate is off', async () => {
  // Only an object stored with the gate on can have one: written to storage directly.
  const stored = claim('u6', { volumeAttributesClassName: 'gold', volumeMode: 'Filesystem' });
  api.storage.create('/core/persistentvolumeclaims/default/u6', {
    ...stored,
    metadata: { name: 'u6', namespace: 'default', uid: 'u6-uid' },
    status: { phase: 'Pending' },
  });
  const c = (await (await api.request('GET', `${PATHS.PersistentVolumeClaim}/u6`)).json()) as Json;
  const gate = forbid(
    'spec.volumeAttributesClassName',
    'update is forbidden when the VolumeAttributesClass feature gate is disabled',
  );
  delete specOf(c).volumeAttributesClassName;
  await expectInvalid(await put(c), 'PersistentVolumeClaim', 'u6', [
    gate,
    forbid('spec.volumeAttributesClassName', 'update from non-nil value to nil is forbidden'),
  ]);
  specOf(c).volumeAttributesClassName = 'silver';
  await expectInvalid(await put(c), 'PersistentVolumeClaim', 'u6', [gate]);
});
