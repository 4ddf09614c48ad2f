// The StatefulSet controller: pods with stable names SET-0..N-1 (hostname = pod name, subdomain
// = spec.serviceName), one PersistentVolumeClaim per volumeClaimTemplate and ordinal, created and
// deleted in ordinal order (OrderedReady) or all at once (Parallel), and replaced from the highest
// ordinal down on a template change (RollingUpdate with a partition) or only when deleted by the
// user (OnDelete). Templates are kept as ControllerRevisions; the status names the current and
// update revisions `kubectl rollout status` compares. Level-triggered: everything is recomputed
// from the caches on each sync, and pod names are deterministic, so a duplicate create is a
// harmless AlreadyExists.
import { isStatusError } from '../../api/status.js';
import type { KubeObject, OwnerReference } from '../../api/types.js';
import { EventRecorder } from '../../client/events.js';
import type { Informer } from '../../client/informer.js';
import { objectKey } from '../../client/informer.js';
import type { KubeClient } from '../../client/rest.js';
import { runWorkers, WorkQueue } from '../../client/workqueue.js';
import {
  CONTROLLERREVISIONS,
  controllerRef,
  isActive,
  ownerRefTo,
  PERSISTENTVOLUMECLAIMS,
  PODS,
  podAvailable,
  podReady,
  replicasOf,
  selects,
  STATEFULSETS,
  type Log,
} from '../common.js';
import {
  revisionHash,
  revisionName,
  revisionNumber,
  sameData,
  sortRevisions,
  templateOf,
  templatePatch,
} from '../history/revisions.js';
import { ordinalOf, planStatefulSet, replicaCounts, type ReplicaView } from './plan.js';

type Json = Record<string, unknown>;

export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';
export const REVISION_LABEL = 'controller-revision-hash';
export const REVISION_HASH_LABEL = 'controller.kubernetes.io/hash';

interface SetSpec {
  replicas?: number;
  selector?: { matchLabels?: Record<string, string> };
  serviceName?: string;
  template?: Json;
  podManagementPolicy?: string;
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
  ordinals?: { start?: number };
  updateStrategy?: { type?: string; rollingUpdate?: { partition?: number } };
  volumeClaimTemplates?: Array<{ metadata?: KubeObject['metadata']; spec?: Json }>;
  persistentVolumeClaimRetentionPolicy?: { whenDeleted?: string; whenScaled?: string };
}

/** <template>-<set>-<ordinal>, upstream's getPersistentVolumeClaimName. */
export function claimName(template: string, set: string, ordinal: number): string {
  return `${template}-${set}-${ordinal}`;
}

/** newStatefulSetPod plus identity and storage: the pod for one ordinal of one revision. */
export function statefulPod(
  set: Readonly<KubeObject>,
  template: Json,
  revision: string,
  ordinal: number,
): KubeObject {
  const spec = (set.spec ?? {}) as SetSpec;
  const setName = set.metadata.name ?? '';
  const name = `${setName}-${ordinal}`;
  const meta = (template.metadata ?? {}) as KubeObject['metadata'];
  const podSpec = structuredClone((template.spec ?? {}) as Json);
  podSpec.hostname = name;
  if (spec.serviceName) podSpec.subdomain = spec.serviceName;
  const claims = spec.volumeClaimTemplates ?? [];
  if (claims.length > 0) {
    const names = new Set(claims.map((c) => c.metadata?.name ?? ''));
    const volumes = ((podSpec.volumes ?? []) as Array<{ name?: string }>).filter(
      (v) => !names.has(v.name ?? ''),
    );
    for (const c of claims) {
      const t = c.metadata?.name ?? '';
      volumes.push({
        name: t,
        persistentVolumeClaim: { claimName: claimName(t, setName, ordinal) },
      } as { name: string });
    }
    podSpec.volumes = volumes;
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: set.metadata.namespace,
      labels: {
        ...(meta.labels ?? {}),
        [POD_NAME_LABEL]: name,
        [POD_INDEX_LABEL]: String(ordinal),
        [REVISION_LABEL]: revision,
      },
      ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      ownerReferences: [ownerRefTo(set)],
    },
    spec: podSpec,
  };
}

function view(set: string, pod: Readonly<KubeObject>, minReady: number, now: number): ReplicaView {
  const phase = (pod.status as { phase?: string } | undefined)?.phase ?? '';
  const ready = phase === 'Running' && podReady(pod);
  return {
    name: pod.metadata.name ?? '',
    ordinal: ordinalOf(set, pod.metadata.name ?? ''),
    revision: pod.metadata.labels?.[REVISION_LABEL] ?? '',
    phase,
    ready,
    available: ready && podAvailable(pod, minReady, now),
    terminating: Boolean(pod.metadata.deletionTimestamp),
  };
}

export class StatefulSetController {
  readonly #client: KubeClient;
  readonly #sets: Informer;
  readonly #pods: Informer;
  readonly #revisions: Informer;
  readonly #claims: Informer | undefined;
  readonly #queue = new WorkQueue();
  readonly #events: EventRecorder;
  readonly #log: Log;
  #workers: Promise<void> | undefined;

  constructor(
    client: KubeClient,
    sets: Informer,
    pods: Informer,
    revisions: Informer,
    log: Log,
    claims?: Informer,
  ) {
    this.#client = client;
    this.#claims = claims;
    this.#sets = sets;
    this.#pods = pods;
    this.#revisions = revisions;
    this.#log = log;
    this.#events = new EventRecorder(client, 'statefulset-controller');
    const enqueue = (s: Readonly<KubeObject>): void => this.#queue.add(objectKey(s));
    sets.addHandlers({ add: enqueue, update: (_, s) => enqueue(s) });
    const fromOwned = (o: Readonly<KubeObject>): void => {
      const ref = controllerRef(o);
      if (ref?.kind === 'StatefulSet') {
        this.#queue.add(`${o.metadata.namespace ?? ''}/${ref.name}`);
      } else if (!ref && o.kind !== 'ControllerRevision') {
        for (const s of this.#sets.list(o.metadata.namespace))
          if (selects((s.spec as SetSpec).selector, o)) enqueue(s);
      }
    };
    pods.addHandlers({ add: fromOwned, update: (_, p) => fromOwned(p), delete: fromOwned });
    revisions.addHandlers({ add: fromOwned, delete: fromOwned });
  }

  start(): void {
    this.#workers = runWorkers(
      this.#queue,
      2,
      (key) => this.sync(key),
      (key, err) =>
        this.#log('statefulset sync failed', { statefulset: key, error: (err as Error).message }),
    );
    for (const s of this.#sets.list()) this.#queue.add(objectKey(s));
  }

  async stop(): Promise<void> {
    this.#queue.shutDown();
    await this.#workers;
  }

  async sync(key: string): Promise<number | void> {
    const set = this.#sets.get(key);
    if (!set || set.metadata.deletionTimestamp) return;
    const name = set.metadata.name ?? '';
    const spec = (set.spec ?? {}) as SetSpec;
    const status = (set.status ?? {}) as Json;

    const revs = await this.#revisionsFor(set);
    if (!revs) return 100; // a hash collision was recorded; the status update requeues us
    const { current, update, history } = revs;

    const pods = await this.#claimPods(set);
    const now = Date.now();
    const minReady = spec.minReadySeconds ?? 0;
    const views = pods.map((p) => view(name, p, minReady, now));
    const updateStrategy = spec.updateStrategy?.type ?? 'RollingUpdate';
    const partition =
      updateStrategy === 'RollingUpdate' || spec.updateStrategy?.rollingUpdate
        ? (spec.updateStrategy?.rollingUpdate?.partition ?? 0)
        : undefined;
    const steps = planStatefulSet({
      setName: name,
      replicas: replicasOf(set),
      start: spec.ordinals?.start ?? 0,
      monotonic: (spec.podManagementPolicy ?? 'OrderedReady') !== 'Parallel',
      onDelete: updateStrategy === 'OnDelete',
      partition,
      updateRevision: update.metadata.name ?? '',
      pods: views,
    });
    for (const step of steps) {
      if (step.op === 'create') {
        const rev = step.revision === 'current' ? current : update;
        await this.#createPod(
          set,
          statefulPod(set, templateOf(rev), rev.metadata.name ?? '', step.ordinal),
          step.ordinal,
        );
      } else {
        const pod = pods.find((p) => p.metadata.name === step.name);
        if (pod) await this.#deletePod(set, pod, step.why === 'scale-down');
      }
    }

    // Invariants of the pods left alone (upstream's UpdateStatefulPod): identity labels, and the
    // claims of a pending pod (say, deleted by hand while its pod waited for them).
    const acted = new Set(steps.map((s) => (s.op === 'delete' ? s.name : `${name}-${s.ordinal}`)));
    for (const v of views) {
      const pod = pods.find((p) => p.metadata.name === v.name);
      if (!pod || acted.has(v.name) || v.terminating || v.ordinal < 0) continue;
      if (v.phase === 'Pending') await this.#createClaims(set, v.name, v.ordinal);
      const labels = pod.metadata.labels ?? {};
      if (labels[POD_NAME_LABEL] !== v.name || labels[POD_INDEX_LABEL] !== String(v.ordinal)) {
        await this.#client.patch(PODS, pod.metadata.namespace, v.name, {
          metadata: {
            labels: { [POD_NAME_LABEL]: v.name, [POD_INDEX_LABEL]: String(v.ordinal) },
          },
        });
        await this.#events.record(
          set,
          'Normal',
          'SuccessfulUpdate',
          `update Pod ${v.name} in StatefulSet ${name} successful`,
        );
      }
    }

    // Status from the pods as the caches show them, as upstream computes it after acting.
    const counts = replicaCounts(views, current.metadata.name ?? '', update.metadata.name ?? '');
    const next: Json = {
      ...status,
      observedGeneration: set.metadata.generation ?? 0,
      ...counts,
      currentRevision: current.metadata.name,
      updateRevision: update.metadata.name,
      collisionCount: Number(status.collisionCount ?? 0),
    };
    // completeRollingUpdate: once every pod runs the update revision, it becomes current.
    if (
      updateStrategy === 'RollingUpdate' &&
      counts.updatedReplicas === counts.replicas &&
      counts.readyReplicas === counts.replicas
    ) {
      next.currentReplicas = counts.updatedReplicas;
      next.currentRevision = update.metadata.name;
    }
    if (JSON.stringify(sortKeys(next)) !== JSON.stringify(sortKeys(status))) {
      await this.#client
        .update(STATEFULSETS, { ...(structuredClone(set) as KubeObject), status: next }, 'status')
        .catch((err: unknown) => {
          if (!isStatusError(err, 'Conflict') && !isStatusError(err, 'NotFound')) throw err;
          this.#queue.addAfter(key, 50);
        });
    }
    await this.#truncateHistory(set, history, pods, [
      String(next.currentRevision),
      String(next.updateRevision),
    ]);
    if (minReady > 0 && counts.readyReplicas > counts.availableReplicas) return minReady * 1000;
  }

  /** getStatefulSetRevisions: find or create the update revision; the current one by name. */
  async #revisionsFor(set: Readonly<KubeObject>): Promise<
    | {
        current: Readonly<KubeObject>;
        update: Readonly<KubeObject>;
        history: Readonly<KubeObject>[];
      }
    | undefined
  > {
    const ns = set.metadata.namespace ?? 'default';
    const spec = (set.spec ?? {}) as SetSpec;
    const status = (set.status ?? {}) as { collisionCount?: number; currentRevision?: string };
    const history = sortRevisions(
      this.#revisions.list(ns).filter((r) => controllerRef(r)?.uid === set.metadata.uid),
    );
    const data = templatePatch(spec.template);
    const nextNumber = history.length > 0 ? revisionNumber(history[history.length - 1]!) + 1 : 1;
    const equal = history.filter((r) => sameData(r, data));
    let update: Readonly<KubeObject>;
    const last = history[history.length - 1];
    const lastEqual = equal[equal.length - 1];
    if (lastEqual && last === lastEqual) {
      update = last;
    } else if (lastEqual) {
      // A rollback to an earlier template: that revision becomes the newest again.
      update = await this.#client.patch(CONTROLLERREVISIONS, ns, lastEqual.metadata.name ?? '', {
        revision: nextNumber,
      });
    } else {
      const collisionCount = status.collisionCount ?? 0;
      const hash = revisionHash(data, collisionCount);
      const templateLabels =
        ((spec.template?.metadata ?? {}) as KubeObject['metadata']).labels ?? {};
      const revision: KubeObject = {
        apiVersion: 'apps/v1',
        kind: 'ControllerRevision',
        metadata: {
          name: revisionName(set.metadata.name ?? '', hash),
          namespace: ns,
          labels: { ...templateLabels, [REVISION_HASH_LABEL]: hash },
          ...(set.metadata.annotations ? { annotations: { ...set.metadata.annotations } } : {}),
          ownerReferences: [ownerRefTo(set)],
        },
        data,
        revision: nextNumber,
      } as KubeObject;
      try {
        update = await this.#client.create(CONTROLLERREVISIONS, ns, revision);
      } catch (err) {
        if (!isStatusError(err, 'AlreadyExists')) throw err;
        const existing = await this.#client.get(
          CONTROLLERREVISIONS,
          ns,
          revision.metadata.name ?? '',
        );
        if (controllerRef(existing)?.uid === set.metadata.uid && sameData(existing, data)) {
          update = existing; // our own create, not yet in the cache
        } else {
          // A different object holds the name: bump the collision count and try again.
          await this.#client.update(
            STATEFULSETS,
            {
              ...(structuredClone(set) as KubeObject),
              status: { ...(set.status ?? {}), collisionCount: collisionCount + 1 },
            },
            'status',
          );
          return undefined;
        }
      }
    }
    const current =
      history.find((r) => r.metadata.name === status.currentRevision) ??
      (update.metadata.name === status.currentRevision ? update : undefined) ??
      update;
    const all = history.some((r) => r.metadata.name === update.metadata.name)
      ? history.map((r) => (r.metadata.name === update.metadata.name ? update : r))
      : [...history, update];
    return { current, update, history: all };
  }

  /** Owned pods; matching orphans named like our ordinals are adopted. */
  async #claimPods(set: Readonly<KubeObject>): Promise<Readonly<KubeObject>[]> {
    const ns = set.metadata.namespace ?? 'default';
    const name = set.metadata.name ?? '';
    const selector = (set.spec as SetSpec).selector;
    const owned: Readonly<KubeObject>[] = [];
    for (const p of this.#pods.list(ns)) {
      const ref = controllerRef(p);
      if (ref?.uid === set.metadata.uid) owned.push(p);
      else if (
        !ref &&
        isActive(p) &&
        selects(selector, p) &&
        ordinalOf(name, p.metadata.name ?? '') >= 0
      ) {
        try {
          owned.push(
            await this.#client.patch(PODS, ns, p.metadata.name ?? '', {
              metadata: {
                ownerReferences: [...(p.metadata.ownerReferences ?? []), ownerRefTo(set)],
                uid: p.metadata.uid,
              },
            }),
          );
        } catch (err) {
          if (!isStatusError(err, 'NotFound') && !isStatusError(err, 'Conflict')) throw err;
        }
      }
    }
    return owned;
  }

  /** createPersistentVolumeClaims, then the pod; events as upstream's StatefulPodControl. */
  async #createPod(set: Readonly<KubeObject>, pod: KubeObject, ordinal: number): Promise<void> {
    const ns = set.metadata.namespace ?? 'default';
    const setName = set.metadata.name ?? '';
    const podName = pod.metadata.name ?? '';
    await this.#createClaims(set, podName, ordinal);
    try {
      await this.#client.create(PODS, ns, pod);
    } catch (err) {
      if (isStatusError(err, 'AlreadyExists')) return; // the cache has not caught up yet
      await this.#events.record(
        set,
        'Warning',
        'FailedCreate',
        `create Pod ${podName} in StatefulSet ${setName} failed error: ${(err as Error).message}`,
      );
      throw err;
    }
    await this.#events.record(
      set,
      'Normal',
      'SuccessfulCreate',
      `create Pod ${podName} in StatefulSet ${setName} successful`,
    );
  }

  /** The claims of one ordinal that do not exist yet (the claim cache, then the API, decide). */
  async #createClaims(set: Readonly<KubeObject>, podName: string, ordinal: number): Promise<void> {
    const ns = set.metadata.namespace ?? 'default';
    const setName = set.metadata.name ?? '';
    const spec = (set.spec ?? {}) as SetSpec;
    const deleteWithSet = spec.persistentVolumeClaimRetentionPolicy?.whenDeleted === 'Delete';
    for (const t of spec.volumeClaimTemplates ?? []) {
      const claim = claimName(t.metadata?.name ?? '', setName, ordinal);
      if (this.#claims?.get(`${ns}/${claim}`)) continue;
      try {
        await this.#client.get(PERSISTENTVOLUMECLAIMS, ns, claim);
        continue;
      } catch (err) {
        if (!isStatusError(err, 'NotFound')) throw err;
      }
      const owners: OwnerReference[] = deleteWithSet
        ? [
            {
              apiVersion: 'apps/v1',
              kind: 'StatefulSet',
              name: setName,
              uid: set.metadata.uid ?? '',
            },
          ]
        : [];
      try {
        await this.#client.create(PERSISTENTVOLUMECLAIMS, ns, {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: {
            name: claim,
            namespace: ns,
            labels: { ...(t.metadata?.labels ?? {}), ...(spec.selector?.matchLabels ?? {}) },
            ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
            ...(owners.length > 0 ? { ownerReferences: owners } : {}),
          },
          spec: structuredClone(t.spec ?? {}),
        });
        await this.#events.record(
          set,
          'Normal',
          'SuccessfulCreate',
          `create Claim ${claim} Pod ${podName} in StatefulSet ${setName} success`,
        );
      } catch (err) {
        if (isStatusError(err, 'AlreadyExists')) continue;
        await this.#events.record(
          set,
          'Warning',
          'FailedCreate',
          `create Claim ${claim} for Pod ${podName} in StatefulSet ${setName} failed error: ${(err as Error).message}`,
        );
        throw err;
      }
    }
  }

  async #deletePod(
    set: Readonly<KubeObject>,
    pod: Readonly<KubeObject>,
    scaleDown: boolean,
  ): Promise<void> {
    const ns = set.metadata.namespace ?? 'default';
    const setName = set.metadata.name ?? '';
    const podName = pod.metadata.name ?? '';
    const spec = (set.spec ?? {}) as SetSpec;
    if (scaleDown && spec.persistentVolumeClaimRetentionPolicy?.whenScaled === 'Delete') {
      // The claims of a scaled-down pod go with it: the garbage collector follows the pod.
      const ordinal = ordinalOf(setName, podName);
      for (const t of spec.volumeClaimTemplates ?? []) {
        const claim = claimName(t.metadata?.name ?? '', setName, ordinal);
        try {
          const pvc = await this.#client.get(PERSISTENTVOLUMECLAIMS, ns, claim);
          const refs = (pvc.metadata.ownerReferences ?? []).filter(
            (r) => r.uid !== set.metadata.uid && r.uid !== pod.metadata.uid,
          );
          refs.push({ apiVersion: 'v1', kind: 'Pod', name: podName, uid: pod.metadata.uid ?? '' });
          await this.#client.patch(PERSISTENTVOLUMECLAIMS, ns, claim, {
            metadata: { ownerReferences: refs, resourceVersion: pvc.metadata.resourceVersion },
          });
        } catch (err) {
          if (!isStatusError(err, 'NotFound')) throw err;
        }
      }
    }
    try {
      await this.#client.delete(PODS, ns, podName);
    } catch (err) {
      if (isStatusError(err, 'NotFound')) return;
      await this.#events.record(
        set,
        'Warning',
        'FailedDelete',
        `delete Pod ${podName} in StatefulSet ${setName} failed error: ${(err as Error).message}`,
      );
      throw err;
    }
    await this.#events.record(
      set,
      'Normal',
      'SuccessfulDelete',
      `delete Pod ${podName} in StatefulSet ${setName} successful`,
    );
  }

  /** truncateHistory: keep revisions live pods use, the current and update ones, and the limit. */
  async #truncateHistory(
    set: Readonly<KubeObject>,
    history: Readonly<KubeObject>[],
    pods: Readonly<KubeObject>[],
    keep: string[],
  ): Promise<void> {
    const live = new Set([...keep, ...pods.map((p) => p.metadata.labels?.[REVISION_LABEL] ?? '')]);
    const idle = history.filter((r) => !live.has(r.metadata.name ?? ''));
    const limit = (set.spec as SetSpec).revisionHistoryLimit ?? 10;
    for (const r of idle.slice(0, Math.max(0, idle.length - limit))) {
      await this.#client
        .delete(CONTROLLERREVISIONS, set.metadata.namespace, r.metadata.name ?? '')
        .catch((err: unknown) => {
          if (!isStatusError(err, 'NotFound')) throw err;
        });
    }
  }
}

function sortKeys(o: Json): Json {
  return Object.fromEntries(
    Object.entries(o)
      .filter(([, v]) => v !== undefined && v !== null)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}
