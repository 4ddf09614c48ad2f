// The Deployment controller: one ReplicaSet per pod template (named DEPLOY-HASH, labelled
// pod-template-hash, annotated with its revision), scaled by the strategy (RollingUpdate within
// maxSurge/maxUnavailable, or Recreate), old ones kept up to revisionHistoryLimit, and the
// status and conditions `kubectl rollout status` reads.
import { rfc3339 } from '../../api/duration.js';
import { isStatusError } from '../../api/status.js';
import type { KubeObject } from '../../api/types.js';
import { EventRecorder } from '../../client/events.js';
import type { Informer } from '../../client/informer.js';
import { objectKey } from '../../client/informer.js';
import type { KubeClient } from '../../client/rest.js';
import { runWorkers, WorkQueue } from '../../client/workqueue.js';
import {
  controllerRef,
  DEPLOYMENTS,
  ownerRefTo,
  REPLICASETS,
  replicasOf,
  type Log,
} from '../common.js';
import { fenceposts, newReplicaSetReplicas, scaleDownOld, templateHash } from './rollout.js';

const REVISION = 'deployment.kubernetes.io/revision';
const HASH = 'pod-template-hash';
type Json = Record<string, unknown>;

function revisionOf(rs: Readonly<KubeObject>): number {
  return Number(rs.metadata.annotations?.[REVISION] ?? '0') || 0;
}

/**
 * Key-order-independent JSON where null equals absent, like Go's semantic equality of typed
 * structs (kubectl's rollback sends `creationTimestamp: null` in the template it restores).
 */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const keys = Object.keys(v)
      .filter((k) => (v as Json)[k] !== null && (v as Json)[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((v as Json)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

function sameTemplate(a: unknown, b: unknown): boolean {
  const strip = (t: unknown): unknown => {
    const c = structuredClone((t ?? {}) as { metadata?: { labels?: Record<string, string> } });
    if (c.metadata?.labels) delete c.metadata.labels[HASH];
    return c;
  };
  return canonical(strip(a)) === canonical(strip(b));
}

function condition(
  type: string,
  status: 'True' | 'False',
  reason: string,
  message: string,
  prev: Json[],
  now: string,
): Json {
  const old = prev.find((c) => c.type === type);
  const same = old && old.status === status;
  return {
    type,
    status,
    lastUpdateTime:
      old && same && old.reason === reason && old.message === message ? old.lastUpdateTime : now,
    lastTransitionTime: same ? (old.lastTransitionTime ?? now) : now,
    reason,
    message,
  };
}

export class DeploymentController {
  readonly #client: KubeClient;
  readonly #deploys: Informer;
  readonly #rs: Informer;
  readonly #queue = new WorkQueue();
  readonly #events: EventRecorder;
  readonly #log: Log;
  #workers: Promise<void> | undefined;

  constructor(client: KubeClient, deploys: Informer, rs: Informer, log: Log) {
    this.#client = client;
    this.#deploys = deploys;
    this.#rs = rs;
    this.#log = log;
    this.#events = new EventRecorder(client, 'deployment-controller');
    const enqueue = (d: Readonly<KubeObject>): void => this.#queue.add(objectKey(d));
    deploys.addHandlers({ add: enqueue, update: (_, d) => enqueue(d) });
    const fromRs = (r: Readonly<KubeObject>): void => {
      const ref = controllerRef(r);
      if (ref?.kind === 'Deployment') this.#queue.add(`${r.metadata.namespace ?? ''}/${ref.name}`);
    };
    rs.addHandlers({ add: fromRs, update: (_, r) => fromRs(r), delete: fromRs });
  }

  start(): void {
    this.#workers = runWorkers(
      this.#queue,
      2,
      (key) => this.sync(key),
      (key, err) =>
        this.#log('deployment sync failed', { deployment: key, error: (err as Error).message }),
    );
    for (const d of this.#deploys.list()) this.#queue.add(objectKey(d));
  }

  async stop(): Promise<void> {
    this.#queue.shutDown();
    await this.#workers;
  }

  async #scale(d: Readonly<KubeObject>, rs: Readonly<KubeObject>, replicas: number): Promise<void> {
    const from = replicasOf(rs);
    if (from === replicas) return;
    await this.#client.patch(REPLICASETS, rs.metadata.namespace, rs.metadata.name ?? '', {
      metadata: {
        annotations: { 'deployment.kubernetes.io/desired-replicas': String(replicasOf(d)) },
      },
      spec: { replicas },
    });
    await this.#events.record(
      d,
      'Normal',
      'ScalingReplicaSet',
      `Scaled ${replicas > from ? 'up' : 'down'} replica set ${rs.metadata.name ?? ''} from ${from} to ${replicas}`,
    );
  }

  async sync(key: string): Promise<number | void> {
    const d = this.#deploys.get(key);
    if (!d || d.metadata.deletionTimestamp) return;
    const ns = d.metadata.namespace ?? 'default';
    const spec = (d.spec ?? {}) as {
      template?: Json;
      selector?: { matchLabels?: Record<string, string> };
      paused?: boolean;
      revisionHistoryLimit?: number;
      progressDeadlineSeconds?: number;
      strategy?: {
        type?: string;
        rollingUpdate?: { maxSurge?: unknown; maxUnavailable?: unknown };
      };
    };
    const desired = replicasOf(d);
    const owned = this.#rs.list(ns).filter((r) => controllerRef(r)?.uid === d.metadata.uid);
    let newRs = owned.find((r) =>
      sameTemplate((r.spec as Json | undefined)?.template, spec.template),
    );
    const old = owned.filter((r) => r !== newRs).sort((a, b) => revisionOf(a) - revisionOf(b));
    const maxOldRevision = Math.max(0, ...old.map(revisionOf));
    const changeCause = d.metadata.annotations?.['kubernetes.io/change-cause'];

    if (!newRs && !spec.paused) {
      const hash = templateHash(JSON.parse(canonical(spec.template)) as unknown);
      const template = structuredClone(spec.template ?? {}) as {
        metadata?: { labels?: Record<string, string> };
      };
      template.metadata = {
        ...(template.metadata ?? {}),
        labels: { ...(template.metadata?.labels ?? {}), [HASH]: hash },
      };
      const strategy = spec.strategy?.type ?? 'RollingUpdate';
      const { surge } = fenceposts(
        spec.strategy?.rollingUpdate?.maxSurge,
        spec.strategy?.rollingUpdate?.maxUnavailable,
        desired,
      );
      const all = owned.reduce((n, r) => n + replicasOf(r), 0);
      const initial = strategy === 'Recreate' ? 0 : newReplicaSetReplicas(desired, surge, 0, all);
      try {
        newRs = await this.#client.create(REPLICASETS, ns, {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          metadata: {
            name: `${d.metadata.name ?? ''}-${hash}`,
            namespace: ns,
            labels: { ...(template.metadata.labels ?? {}) },
            annotations: {
              [REVISION]: String(maxOldRevision + 1),
              'deployment.kubernetes.io/desired-replicas': String(desired),
              'deployment.kubernetes.io/max-replicas': String(desired + surge),
              ...(changeCause ? { 'kubernetes.io/change-cause': changeCause } : {}),
            },
            ownerReferences: [ownerRefTo(d)],
          },
          spec: {
            replicas: initial,
            selector: {
              ...(spec.selector ?? {}),
              matchLabels: { ...(spec.selector?.matchLabels ?? {}), [HASH]: hash },
            },
            template,
          },
        });
      } catch (err) {
        if (isStatusError(err, 'AlreadyExists')) return 100; // the cache will show it shortly
        throw err;
      }
      await this.#events.record(
        d,
        'Normal',
        'ScalingReplicaSet',
        `Scaled up replica set ${newRs.metadata.name ?? ''} from 0 to ${initial}`,
      );
    } else if (newRs && revisionOf(newRs) <= maxOldRevision && !spec.paused) {
      // A rollback to an older template: it becomes the newest revision again.
      await this.#client.patch(REPLICASETS, ns, newRs.metadata.name ?? '', {
        metadata: {
          annotations: {
            [REVISION]: String(maxOldRevision + 1),
            ...(changeCause ? { 'kubernetes.io/change-cause': changeCause } : {}),
          },
        },
      });
      return;
    }

    if (newRs && !spec.paused) {
      const strategy = spec.strategy?.type ?? 'RollingUpdate';
      const avail = (r: Readonly<KubeObject>): number =>
        Number((r.status as { availableReplicas?: number } | undefined)?.availableReplicas ?? 0);
      const current = (r: Readonly<KubeObject>): number =>
        Number((r.status as { replicas?: number } | undefined)?.replicas ?? 0);
      if (strategy === 'Recreate') {
        for (const r of old) await this.#scale(d, r, 0);
        if (old.every((r) => current(r) === 0)) await this.#scale(d, newRs, desired);
      } else {
        const { surge, unavailable } = fenceposts(
          spec.strategy?.rollingUpdate?.maxSurge,
          spec.strategy?.rollingUpdate?.maxUnavailable,
          desired,
        );
        const all =
          owned.reduce((n, r) => n + replicasOf(r), 0) +
          (owned.includes(newRs) ? 0 : replicasOf(newRs));
        await this.#scale(d, newRs, newReplicaSetReplicas(desired, surge, replicasOf(newRs), all));
        const totalAvailable = [newRs, ...old].reduce((n, r) => n + avail(r), 0);
        const next = scaleDownOld(
          old.map((r) => ({ replicas: replicasOf(r), available: avail(r) })),
          desired,
          unavailable,
          totalAvailable,
        );
        for (const [i, r] of old.entries()) await this.#scale(d, r, next[i] ?? replicasOf(r));
      }
      // Keep revisionHistoryLimit old, fully scaled-down ReplicaSets.
      const limit = spec.revisionHistoryLimit ?? 10;
      const idle = old.filter((r) => replicasOf(r) === 0 && current(r) === 0);
      for (const r of idle.slice(0, Math.max(0, idle.length - limit))) {
        await this.#client.delete(REPLICASETS, ns, r.metadata.name ?? '').catch((err: unknown) => {
          if (!isStatusError(err, 'NotFound')) throw err;
        });
      }
    }
    const complete = await this.#writeStatus(d, newRs, owned, desired, spec);
    // Re-check an unfinished rollout now and then, for the progress deadline.
    if (!complete && !spec.paused) return 10_000;
  }

  async #writeStatus(
    d: Readonly<KubeObject>,
    newRs: Readonly<KubeObject> | undefined,
    owned: Readonly<KubeObject>[],
    desired: number,
    spec: {
      paused?: boolean;
      progressDeadlineSeconds?: number;
      strategy?: { rollingUpdate?: { maxSurge?: unknown; maxUnavailable?: unknown } };
    },
  ): Promise<boolean> {
    const sum = (f: string): number =>
      owned.reduce((n, r) => n + Number(((r.status ?? {}) as Json)[f] ?? 0), 0);
    const nowIso = rfc3339(new Date());
    const updated = Number(((newRs?.status ?? {}) as Json).replicas ?? 0);
    const replicas = sum('replicas');
    const available = sum('availableReplicas');
    const totalSpec = owned.reduce((n, r) => n + replicasOf(r), 0);
    const { unavailable } = fenceposts(
      spec.strategy?.rollingUpdate?.maxSurge,
      spec.strategy?.rollingUpdate?.maxUnavailable,
      desired,
    );
    const prev = (((d.status ?? {}) as Json).conditions ?? []) as Json[];
    const rsName = newRs?.metadata.name ?? '';
    const complete =
      newRs !== undefined && updated === desired && replicas === desired && available === desired;
    const conditions = [
      available >= desired - unavailable
        ? condition(
            'Available',
            'True',
            'MinimumReplicasAvailable',
            'Deployment has minimum availability.',
            prev,
            nowIso,
          )
        : condition(
            'Available',
            'False',
            'MinimumReplicasUnavailable',
            'Deployment does not have minimum availability.',
            prev,
            nowIso,
          ),
    ];
    const oldProgressing = prev.find((c) => c.type === 'Progressing');
    if (spec.paused) {
      conditions.push(
        condition(
          'Progressing',
          'Unknown' as 'True',
          'DeploymentPaused',
          'Deployment is paused',
          prev,
          nowIso,
        ),
      );
    } else if (complete) {
      conditions.push(
        condition(
          'Progressing',
          'True',
          'NewReplicaSetAvailable',
          `ReplicaSet "${rsName}" has successfully progressed.`,
          prev,
          nowIso,
        ),
      );
    } else {
      const deadline = (spec.progressDeadlineSeconds ?? 600) * 1000;
      const since = Date.parse(String(oldProgressing?.lastUpdateTime ?? nowIso));
      const stalled =
        oldProgressing?.reason !== 'NewReplicaSetAvailable' && Date.now() - since > deadline;
      conditions.push(
        stalled
          ? condition(
              'Progressing',
              'False',
              'ProgressDeadlineExceeded',
              `ReplicaSet "${rsName}" has timed out progressing.`,
              prev,
              nowIso,
            )
          : condition(
              'Progressing',
              'True',
              'ReplicaSetUpdated',
              `ReplicaSet "${rsName}" is progressing.`,
              prev,
              nowIso,
            ),
      );
    }
    const status: Json = {
      observedGeneration: d.metadata.generation ?? 0,
      replicas,
      updatedReplicas: updated,
      readyReplicas: sum('readyReplicas'),
      availableReplicas: available,
      ...(Math.max(0, totalSpec - available) > 0
        ? { unavailableReplicas: Math.max(0, totalSpec - available) }
        : {}),
      conditions,
    };
    const old = (d.status ?? {}) as Json;
    const strip = (s: Json): string =>
      JSON.stringify(s, (k, v: unknown) =>
        k === 'lastUpdateTime' || k === 'lastTransitionTime' ? undefined : v,
      );
    const revision = newRs?.metadata.annotations?.[REVISION];
    if (revision && d.metadata.annotations?.[REVISION] !== revision) {
      await this.#client.patch(DEPLOYMENTS, d.metadata.namespace, d.metadata.name ?? '', {
        metadata: { annotations: { [REVISION]: revision } },
      });
    }
    if (strip(status) === strip({ ...old, conditions: old.conditions ?? [] })) return complete;
    await this.#client
      .update(DEPLOYMENTS, { ...(structuredClone(d) as KubeObject), status }, 'status')
      .catch((err: unknown) => {
        if (!isStatusError(err, 'Conflict') && !isStatusError(err, 'NotFound')) throw err;
        this.#queue.addAfter(objectKey(d), 50);
      });
    return complete;
  }
}
