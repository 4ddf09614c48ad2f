// Persistent volumes (after upstream's PV controller and kind's local-path provisioner): keeps a
// default StorageClass `standard` (WaitForFirstConsumer, Delete), gives classless claims the
// default class (upstream's retroactive assignment), binds claims to matching Available volumes,
// provisions a host directory for claims of kbox's class once the scheduler has picked a node,
// and reclaims volumes whose claim is gone (Delete removes the directory, Retain keeps it).
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { memoryBytes } from '../../api/quantity.js';
import { isStatusError } from '../../api/status.js';
import type { KubeObject } from '../../api/types.js';
import { EventRecorder } from '../../client/events.js';
import { objectKey, type Informer } from '../../client/informer.js';
import type { KubeClient, ResourceRef } from '../../client/rest.js';
import { runWorkers, WorkQueue } from '../../client/workqueue.js';
import type { Log } from '../common.js';

export const PVCS: ResourceRef = {
  group: '',
  version: 'v1',
  resource: 'persistentvolumeclaims',
  namespaced: true,
};
export const PVS: ResourceRef = {
  group: '',
  version: 'v1',
  resource: 'persistentvolumes',
  namespaced: false,
};
export const STORAGE_CLASSES: ResourceRef = {
  group: 'storage.k8s.io',
  version: 'v1',
  resource: 'storageclasses',
  namespaced: false,
};

export const PROVISIONER = 'kbox.io/local-path';
export const SELECTED_NODE = 'volume.kubernetes.io/selected-node';
const DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';

interface ClaimSpec {
  storageClassName?: string | null;
  volumeName?: string;
  accessModes?: string[];
  resources?: { requests?: { storage?: string } };
  volumeMode?: string;
}

interface VolumeSpec {
  storageClassName?: string;
  accessModes?: string[];
  capacity?: { storage?: string };
  claimRef?: { namespace?: string; name?: string; uid?: string };
  persistentVolumeReclaimPolicy?: string;
  hostPath?: { path?: string };
}

const claimSpec = (o: Readonly<KubeObject>): ClaimSpec => (o.spec ?? {}) as ClaimSpec;
const volumeSpec = (o: Readonly<KubeObject>): VolumeSpec => (o.spec ?? {}) as VolumeSpec;
const phaseOf = (o: Readonly<KubeObject>): string | undefined =>
  (o.status as { phase?: string } | undefined)?.phase;

/** The smallest Available volume of the claim's class that is big enough and has its modes. */
export function matchVolume(
  claim: Readonly<KubeObject>,
  volumes: readonly Readonly<KubeObject>[],
): Readonly<KubeObject> | undefined {
  const spec = claimSpec(claim);
  const want = memoryBytes(spec.resources?.requests?.storage ?? '0');
  const cls = spec.storageClassName ?? '';
  let best: Readonly<KubeObject> | undefined;
  let bestSize = Infinity;
  for (const v of volumes) {
    const vs = volumeSpec(v);
    if (v.metadata.deletionTimestamp || (phaseOf(v) ?? 'Available') !== 'Available') continue;
    const ref = vs.claimRef;
    if (ref && (ref.name !== claim.metadata.name || ref.namespace !== claim.metadata.namespace)) {
      continue;
    }
    if ((vs.storageClassName ?? '') !== cls) continue;
    if (!(spec.accessModes ?? []).every((m) => (vs.accessModes ?? []).includes(m))) continue;
    const size = memoryBytes(vs.capacity?.storage ?? '0');
    if (size < want || size >= bestSize) continue;
    best = v;
    bestSize = size;
  }
  return best;
}

export class PersistentVolumeController {
  readonly #client: KubeClient;
  readonly #claims: Informer;
  readonly #volumes: Informer;
  readonly #classes: Informer;
  readonly #queue = new WorkQueue();
  readonly #events: EventRecorder;
  readonly #log: Log;
  readonly #dir: string;
  #workers: Promise<void> | undefined;

  constructor(
    client: KubeClient,
    informers: { pvcs: Informer; pvs: Informer; storageclasses: Informer },
    log: Log,
    /** Where provisioned volumes live: <volumesDir>/<pv name>. */
    volumesDir: string,
  ) {
    this.#client = client;
    this.#claims = informers.pvcs;
    this.#volumes = informers.pvs;
    this.#classes = informers.storageclasses;
    this.#log = log;
    this.#dir = volumesDir;
    this.#events = new EventRecorder(client, 'persistentvolume-controller');
    const claim = (o: Readonly<KubeObject>): void => this.#queue.add(`claim/${objectKey(o)}`);
    const volume = (o: Readonly<KubeObject>): void => this.#queue.add(`volume/${objectKey(o)}`);
    this.#claims.addHandlers({
      add: claim,
      update: (_, o) => claim(o),
      delete: (o) => {
        // The claim's volume is released: look at it now.
        const name = claimSpec(o).volumeName;
        if (name) this.#queue.add(`volume/${name}`);
      },
    });
    this.#volumes.addHandlers({ add: volume, update: (_, o) => volume(o) });
    // A new or changed class may let waiting claims on.
    this.#classes.addHandlers({
      add: () => this.#requeueClaims(),
      update: () => this.#requeueClaims(),
    });
  }

  #requeueClaims(): void {
    for (const c of this.#claims.list()) this.#queue.add(`claim/${objectKey(c)}`);
  }

  /** Makes sure the default class exists (never changes one a user edited). */
  async ensureDefaultClass(): Promise<void> {
    if (
      this.#classes
        .list()
        .some((c) => c.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true')
    )
      return;
    try {
      await this.#client.create(STORAGE_CLASSES, undefined, {
        apiVersion: 'storage.k8s.io/v1',
        kind: 'StorageClass',
        metadata: { name: 'standard', annotations: { [DEFAULT_CLASS_ANNOTATION]: 'true' } },
        provisioner: PROVISIONER,
        reclaimPolicy: 'Delete',
        volumeBindingMode: 'WaitForFirstConsumer',
      });
    } catch (err) {
      if (!isStatusError(err, 'AlreadyExists')) throw err;
    }
  }

  async start(): Promise<void> {
    await this.ensureDefaultClass();
    this.#workers = runWorkers(
      this.#queue,
      1,
      (key) => this.#sync(key),
      (key, err) => this.#log('volume sync failed', { key, error: String(err) }),
    );
    this.#requeueClaims();
  }

  async stop(): Promise<void> {
    this.#queue.shutDown();
    await this.#workers;
  }

  async #sync(key: string): Promise<void> {
    const [kind, ...rest] = key.split('/');
    const name = rest.join('/');
    if (kind === 'claim') await this.#syncClaim(name);
    else await this.#syncVolume(name);
  }

  #defaultClass(): Readonly<KubeObject> | undefined {
    return this.#classes
      .list()
      .filter((c) => c.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true')
      .sort((a, b) =>
        String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp)),
      )[0];
  }

  async #syncClaim(key: string): Promise<void> {
    const claim = this.#claims.get(key);
    if (!claim || claim.metadata.deletionTimestamp) return;
    const spec = claimSpec(claim);
    if (spec.storageClassName === undefined || spec.storageClassName === null) {
      const dflt = this.#defaultClass();
      if (!dflt) return;
      await this.#client.update(PVCS, {
        ...claim,
        spec: { ...spec, storageClassName: dflt.metadata.name },
      } as KubeObject);
      return;
    }
    if (phaseOf(claim) === 'Bound') return;
    if (spec.volumeName) {
      const pv = this.#volumes.get(spec.volumeName);
      if (pv) await this.#bind(claim, pv);
      return;
    }
    const existing = matchVolume(claim, this.#volumes.list());
    if (existing) {
      await this.#bind(claim, existing);
      return;
    }
    const cls = this.#classes.get(spec.storageClassName);
    if (!cls || (cls as { provisioner?: string }).provisioner !== PROVISIONER) {
      if (phaseOf(claim) !== 'Pending') await this.#setClaimPhase(claim, 'Pending');
      return;
    }
    const mode = (cls as { volumeBindingMode?: string }).volumeBindingMode ?? 'Immediate';
    const node = claim.metadata.annotations?.[SELECTED_NODE];
    if (mode === 'WaitForFirstConsumer' && !node) {
      if (phaseOf(claim) !== 'Pending') await this.#setClaimPhase(claim, 'Pending');
      await this.#events.record(
        claim,
        'Normal',
        'WaitForFirstConsumer',
        'waiting for first consumer to be created before binding',
      );
      return;
    }
    await this.#provision(claim, cls, node);
  }

  async #setClaimPhase(claim: Readonly<KubeObject>, phase: string): Promise<void> {
    await this.#client.update(
      PVCS,
      { ...claim, status: { ...(claim.status ?? {}), phase } } as KubeObject,
      'status',
    );
  }

  async #provision(
    claim: Readonly<KubeObject>,
    cls: Readonly<KubeObject>,
    node: string | undefined,
  ): Promise<void> {
    const spec = claimSpec(claim);
    const name = `pvc-${claim.metadata.uid ?? ''}`;
    const path = join(this.#dir, name);
    mkdirSync(path, { recursive: true, mode: 0o777 });
    const pv: KubeObject = {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: {
        name,
        annotations: { 'pv.kubernetes.io/provisioned-by': PROVISIONER },
      },
      spec: {
        capacity: { storage: spec.resources?.requests?.storage ?? '1Gi' },
        accessModes: spec.accessModes ?? ['ReadWriteOnce'],
        persistentVolumeReclaimPolicy:
          (cls as { reclaimPolicy?: string }).reclaimPolicy ?? 'Delete',
        storageClassName: cls.metadata.name,
        volumeMode: spec.volumeMode ?? 'Filesystem',
        hostPath: { path, type: 'DirectoryOrCreate' },
        claimRef: {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          namespace: claim.metadata.namespace,
          name: claim.metadata.name,
          uid: claim.metadata.uid,
        },
        ...(node
          ? {
              nodeAffinity: {
                required: {
                  nodeSelectorTerms: [
                    {
                      matchExpressions: [
                        { key: 'kubernetes.io/hostname', operator: 'In', values: [node] },
                      ],
                    },
                  ],
                },
              },
            }
          : {}),
      },
    };
    let created: Readonly<KubeObject>;
    try {
      created = await this.#client.create(PVS, undefined, pv);
    } catch (err) {
      if (!isStatusError(err, 'AlreadyExists')) throw err;
      created = await this.#client.get(PVS, undefined, name);
    }
    await this.#events.record(
      claim,
      'Normal',
      'ProvisioningSucceeded',
      `Successfully provisioned volume ${name}`,
    );
    await this.#bind(claim, created);
  }

  /** Points the volume at the claim and the claim at the volume; both Bound. */
  async #bind(claim: Readonly<KubeObject>, pv: Readonly<KubeObject>): Promise<void> {
    const vs = volumeSpec(pv);
    const pvName = pv.metadata.name ?? '';
    if (vs.claimRef?.uid !== claim.metadata.uid) {
      pv = await this.#client.update(PVS, {
        ...pv,
        spec: {
          ...vs,
          claimRef: {
            apiVersion: 'v1',
            kind: 'PersistentVolumeClaim',
            namespace: claim.metadata.namespace,
            name: claim.metadata.name,
            uid: claim.metadata.uid,
          },
        },
      } as KubeObject);
    }
    if (phaseOf(pv) !== 'Bound') {
      await this.#client.update(
        PVS,
        { ...pv, status: { ...(pv.status ?? {}), phase: 'Bound' } } as KubeObject,
        'status',
      );
    }
    let c = claim;
    if (claimSpec(c).volumeName !== pvName) {
      c = await this.#client.update(PVCS, {
        ...c,
        metadata: {
          ...c.metadata,
          annotations: {
            ...c.metadata.annotations,
            'pv.kubernetes.io/bind-completed': 'yes',
            'pv.kubernetes.io/bound-by-controller': 'yes',
          },
        },
        spec: { ...claimSpec(c), volumeName: pvName },
      } as KubeObject);
    }
    await this.#client.update(
      PVCS,
      {
        ...c,
        status: {
          phase: 'Bound',
          accessModes: vs.accessModes ?? [],
          capacity: vs.capacity ?? {},
        },
      } as KubeObject,
      'status',
    );
  }

  /** A bound volume whose claim is gone is Released, then deleted or kept per its policy. */
  async #syncVolume(name: string): Promise<void> {
    const pv = this.#volumes.get(name);
    if (!pv) return;
    const vs = volumeSpec(pv);
    const ref = vs.claimRef;
    if (!ref?.uid) {
      if (phaseOf(pv) === undefined || phaseOf(pv) === 'Pending') {
        await this.#client.update(
          PVS,
          { ...pv, status: { phase: 'Available' } } as KubeObject,
          'status',
        );
      }
      return;
    }
    const claim = this.#claims.get(`${ref.namespace ?? ''}/${ref.name ?? ''}`);
    if (claim && claim.metadata.uid === ref.uid) return;
    // The claim is gone (or was replaced by another with the same name).
    if (phaseOf(pv) !== 'Released') {
      await this.#client.update(
        PVS,
        { ...pv, status: { phase: 'Released' } } as KubeObject,
        'status',
      );
      return;
    }
    if ((vs.persistentVolumeReclaimPolicy ?? 'Retain') !== 'Delete') return;
    const path = vs.hostPath?.path;
    // Only directories this provisioner made, under its own folder, are ever removed.
    if (
      pv.metadata.annotations?.['pv.kubernetes.io/provisioned-by'] === PROVISIONER &&
      path === join(this.#dir, name)
    ) {
      rmSync(path, { recursive: true, force: true });
    }
    try {
      await this.#client.delete(PVS, undefined, name);
    } catch (err) {
      if (!isStatusError(err, 'NotFound')) throw err;
    }
  }
}
