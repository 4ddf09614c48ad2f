// The ReplicaSet controller: keeps spec.replicas pods matching the selector, owned through a
// controller reference; adopts matching orphans; reports status. Level-triggered: every sync
// recomputes from the informer caches, so a missed event or a restart only delays convergence.
import type { KubeObject } from '../../api/types.js';
import { EventRecorder } from '../../client/events.js';
import type { Informer } from '../../client/informer.js';
import { objectKey } from '../../client/informer.js';
import type { KubeClient } from '../../client/rest.js';
import { runWorkers, WorkQueue } from '../../client/workqueue.js';
import { isStatusError } from '../../api/status.js';
import {
  controllerRef,
  isActive,
  ownerRefTo,
  PODS,
  podAvailable,
  podReady,
  REPLICASETS,
  replicasOf,
  selects,
  type Log,
} from '../common.js';

/** Which pods to delete first: unscheduled, then pending, then not ready, then the newest. */
export function deletionOrder(a: Readonly<KubeObject>, b: Readonly<KubeObject>): number {
  const rank = (p: Readonly<KubeObject>): number[] => [
    (p.spec as { nodeName?: string } | undefined)?.nodeName ? 1 : 0,
    (p.status as { phase?: string } | undefined)?.phase === 'Running' ? 1 : 0,
    podReady(p) ? 1 : 0,
  ];
  const [ra, rb] = [rank(a), rank(b)];
  for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return (ra[i] ?? 0) - (rb[i] ?? 0);
  return String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp));
}

export class ReplicaSetController {
  readonly #client: KubeClient;
  readonly #rs: Informer;
  readonly #pods: Informer;
  readonly #queue = new WorkQueue();
  readonly #events: EventRecorder;
  readonly #log: Log;
  /**
   * Creates and deletes in flight per ReplicaSet, so a sync running before the pod cache has
   * caught up does not act twice (upstream's expectations). They expire, so a lost event only
   * delays a sync; after a restart they start empty and the cache is the truth.
   */
  readonly #expect = new Map<string, { adds: number; dels: Set<string>; until: number }>();
  #workers: Promise<void> | undefined;

  constructor(client: KubeClient, rs: Informer, pods: Informer, log: Log) {
    this.#client = client;
    this.#rs = rs;
    this.#pods = pods;
    this.#log = log;
    this.#events = new EventRecorder(client, 'replicaset-controller');
    const enqueueRs = (o: Readonly<KubeObject>): void => this.#queue.add(objectKey(o));
    rs.addHandlers({ add: enqueueRs, update: (_, o) => enqueueRs(o) });
    const observe = (p: Readonly<KubeObject>, added: boolean): void => {
      const ref = controllerRef(p);
      if (ref?.kind !== 'ReplicaSet') return;
      const e = this.#expect.get(`${p.metadata.namespace ?? ''}/${ref.name}`);
      if (!e) return;
      if (added) e.adds = Math.max(0, e.adds - 1);
      else e.dels.delete(p.metadata.name ?? '');
    };
    pods.addHandlers({ add: (p) => observe(p, true), delete: (p) => observe(p, false) });
    const enqueuePod = (p: Readonly<KubeObject>): void => {
      const ref = controllerRef(p);
      if (ref?.kind === 'ReplicaSet') this.#queue.add(`${p.metadata.namespace ?? ''}/${ref.name}`);
      else if (!ref)
        for (const r of this.#rs.list(p.metadata.namespace))
          if (selects((r.spec as { selector?: unknown }).selector, p)) enqueueRs(r);
    };
    pods.addHandlers({ add: enqueuePod, update: (_, p) => enqueuePod(p), delete: enqueuePod });
  }

  start(): void {
    this.#workers = runWorkers(
      this.#queue,
      2,
      (key) => this.sync(key),
      (key, err) =>
        this.#log('replicaset sync failed', { replicaset: key, error: (err as Error).message }),
    );
    for (const r of this.#rs.list()) this.#queue.add(objectKey(r));
  }

  async stop(): Promise<void> {
    this.#queue.shutDown();
    await this.#workers;
  }

  async sync(key: string): Promise<number | void> {
    const rs = this.#rs.get(key);
    if (!rs || rs.metadata.deletionTimestamp) return;
    const ns = rs.metadata.namespace ?? 'default';
    const spec = (rs.spec ?? {}) as {
      selector?: unknown;
      template?: { metadata?: KubeObject['metadata']; spec?: unknown };
      minReadySeconds?: number;
    };
    const uid = rs.metadata.uid;
    const owned: Readonly<KubeObject>[] = [];
    for (const p of this.#pods.list(ns)) {
      const ref = controllerRef(p);
      if (ref?.uid === uid) {
        owned.push(p);
      } else if (!ref && isActive(p) && selects(spec.selector, p)) {
        // Adopt a matching orphan, as upstream's ControllerRefManager does.
        try {
          await this.#client.patch(PODS, ns, p.metadata.name ?? '', {
            metadata: {
              ownerReferences: [...(p.metadata.ownerReferences ?? []), ownerRefTo(rs)],
              uid: p.metadata.uid,
            },
          });
          owned.push(p);
        } catch (err) {
          if (!isStatusError(err, 'NotFound') && !isStatusError(err, 'Conflict')) throw err;
        }
      }
    }
    const active = owned.filter(isActive);
    const want = replicasOf(rs);
    const diff = want - active.length;
    const pending = this.#expect.get(key);
    const settled =
      !pending || (pending.adds === 0 && pending.dels.size === 0) || Date.now() > pending.until;
    if (settled) this.#expect.delete(key);
    if (!settled) {
      // Wait for the cache to show our own writes; their events requeue this key.
    } else if (diff > 0) {
      this.#expect.set(key, {
        adds: Math.min(diff, 500),
        dels: new Set(),
        until: Date.now() + 30_000,
      });
      const template = spec.template ?? {};
      for (let i = 0; i < Math.min(diff, 500); i++) {
        try {
          const pod = await this.#client.create(PODS, ns, {
            apiVersion: 'v1',
            kind: 'Pod',
            metadata: {
              generateName: `${rs.metadata.name ?? ''}-`,
              namespace: ns,
              labels: { ...(template.metadata?.labels ?? {}) },
              annotations: { ...(template.metadata?.annotations ?? {}) },
              ownerReferences: [ownerRefTo(rs)],
            },
            spec: structuredClone(template.spec ?? {}),
          });
          await this.#events.record(
            rs,
            'Normal',
            'SuccessfulCreate',
            `Created pod: ${pod.metadata.name ?? ''}`,
          );
        } catch (err) {
          this.#expect.delete(key);
          await this.#events.record(
            rs,
            'Warning',
            'FailedCreate',
            `Error creating: ${(err as Error).message}`,
          );
          throw err;
        }
      }
    } else if (diff < 0) {
      const victims = [...active].sort(deletionOrder).slice(0, -diff);
      this.#expect.set(key, {
        adds: 0,
        dels: new Set(victims.map((v) => v.metadata.name ?? '')),
        until: Date.now() + 30_000,
      });
      for (const p of victims) {
        try {
          await this.#client.delete(PODS, ns, p.metadata.name ?? '');
          await this.#events.record(
            rs,
            'Normal',
            'SuccessfulDelete',
            `Deleted pod: ${p.metadata.name ?? ''}`,
          );
        } catch (err) {
          if (!isStatusError(err, 'NotFound')) throw err;
        }
      }
    }
    const now = Date.now();
    const minReady = spec.minReadySeconds ?? 0;
    const templateLabels = spec.template?.metadata?.labels ?? {};
    const status = {
      replicas: active.length,
      fullyLabeledReplicas: active.filter((p) =>
        Object.entries(templateLabels).every(([k, v]) => p.metadata.labels?.[k] === v),
      ).length,
      readyReplicas: active.filter(podReady).length,
      availableReplicas: active.filter((p) => podAvailable(p, minReady, now)).length,
      observedGeneration: rs.metadata.generation ?? 0,
    };
    const old = (rs.status ?? {}) as Record<string, unknown>;
    const changed = Object.entries(status).some(([k, v]) => (old[k] ?? 0) !== v);
    if (changed) {
      await this.#client
        .update(
          REPLICASETS,
          { ...(structuredClone(rs) as KubeObject), status: { ...old, ...status } },
          'status',
        )
        .catch((err: unknown) => {
          if (!isStatusError(err, 'Conflict') && !isStatusError(err, 'NotFound')) throw err;
          this.#queue.addAfter(key, 50);
        });
    }
    // Re-check when pods waiting out minReadySeconds become available.
    if (minReady > 0 && status.readyReplicas > status.availableReplicas) return minReady * 1000;
  }
}
