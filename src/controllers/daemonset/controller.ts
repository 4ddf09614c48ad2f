// The DaemonSet controller: one pod per eligible node (node selector, required node affinity,
// taints against the template's tolerations plus the daemon defaults), each pinned to its node
// by a matchFields metadata.name affinity the scheduler honours; pods on nodes that no longer
// qualify are deleted. Templates are kept as ControllerRevisions and pods carry their hash
// (controller-revision-hash) and pod-template-generation; a template change rolls out node by
// node within maxUnavailable / maxSurge (RollingUpdate) or waits for deletions (OnDelete).
import { isStatusError } from '../../api/status.js';
import type { KubeObject } from '../../api/types.js';
import { EventRecorder } from '../../client/events.js';
import type { Informer } from '../../client/informer.js';
import { objectKey } from '../../client/informer.js';
import type { KubeClient } from '../../client/rest.js';
import { runWorkers, WorkQueue } from '../../client/workqueue.js';
import {
  CONTROLLERREVISIONS,
  controllerRef,
  DAEMONSETS,
  isActive,
  ownerRefTo,
  PODS,
  podAvailable,
  podReady,
  selects,
  type Log,
} from '../common.js';
import { resolveIntOrPercent } from '../deployment/rollout.js';
import {
  podTemplateHash,
  revisionName,
  revisionNumber,
  sameData,
  sortRevisions,
  templatePatch,
} from '../history/revisions.js';
import {
  daemonTolerations,
  nodeNameAffinity,
  nodeShouldRunDaemonPod,
  rollingUpdateStep,
  targetNodeName,
  type NodePods,
} from './placement.js';

type Json = Record<string, unknown>;

export const REVISION_LABEL = 'controller-revision-hash';
export const GENERATION_LABEL = 'pod-template-generation';
/** Where the API server keeps a DaemonSet's template generation (apps/v1's TemplateGeneration). */
export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

/** util.GetTemplateGeneration, falling back on the generation for objects stored without it. */
export function templateGeneration(ds: Readonly<KubeObject>): number {
  const n = Number(ds.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION]);
  return Number.isInteger(n) && n > 0 ? n : (ds.metadata.generation ?? 0);
}

interface DaemonSetSpec {
  selector?: unknown;
  template?: { metadata?: KubeObject['metadata']; spec?: Json };
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
  updateStrategy?: {
    type?: string;
    rollingUpdate?: { maxUnavailable?: unknown; maxSurge?: unknown };
  };
}

/** The pod a DaemonSet runs on `node` (upstream's CreatePodTemplate plus the node affinity). */
export function daemonPod(ds: Readonly<KubeObject>, hash: string, node: string): KubeObject {
  const spec = (ds.spec ?? {}) as DaemonSetSpec;
  const meta = spec.template?.metadata ?? {};
  const podSpec = structuredClone(spec.template?.spec ?? {});
  podSpec.tolerations = daemonTolerations(podSpec);
  podSpec.affinity = nodeNameAffinity(podSpec.affinity, node);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${ds.metadata.name ?? ''}-`,
      namespace: ds.metadata.namespace,
      labels: {
        ...(meta.labels ?? {}),
        [REVISION_LABEL]: hash,
        [GENERATION_LABEL]: String(templateGeneration(ds)),
      },
      ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      ownerReferences: [ownerRefTo(ds)],
    },
    spec: podSpec,
  };
}

/** IsPodUpdated: the pod carries the template's generation or hash. */
function isUpdated(pod: Readonly<KubeObject>, hash: string, generation: number): boolean {
  const labels = pod.metadata.labels ?? {};
  return labels[GENERATION_LABEL] === String(generation) || labels[REVISION_LABEL] === hash;
}

const phaseOf = (p: Readonly<KubeObject>): string =>
  (p.status as { phase?: string } | undefined)?.phase ?? '';

const byAge = (a: Readonly<KubeObject>, b: Readonly<KubeObject>): number =>
  String(a.metadata.creationTimestamp).localeCompare(String(b.metadata.creationTimestamp)) ||
  String(a.metadata.name).localeCompare(String(b.metadata.name));

export class DaemonSetController {
  readonly #client: KubeClient;
  readonly #ds: Informer;
  readonly #pods: Informer;
  readonly #nodes: Informer;
  readonly #revisions: Informer;
  readonly #queue = new WorkQueue();
  readonly #events: EventRecorder;
  readonly #log: Log;
  /** Creates and deletes in flight per DaemonSet, as the ReplicaSet controller keeps them. */
  readonly #expect = new Map<string, { adds: number; dels: Set<string>; until: number }>();
  #workers: Promise<void> | undefined;

  constructor(
    client: KubeClient,
    informers: {
      daemonsets: Informer;
      pods: Informer;
      nodes: Informer;
      controllerrevisions: Informer;
    },
    log: Log,
  ) {
    this.#client = client;
    this.#ds = informers.daemonsets;
    this.#pods = informers.pods;
    this.#nodes = informers.nodes;
    this.#revisions = informers.controllerrevisions;
    this.#log = log;
    this.#events = new EventRecorder(client, 'daemonset-controller');
    const enqueue = (d: Readonly<KubeObject>): void => this.#queue.add(objectKey(d));
    this.#ds.addHandlers({ add: enqueue, update: (_, d) => enqueue(d) });
    const observe = (p: Readonly<KubeObject>, added: boolean): void => {
      const ref = controllerRef(p);
      if (ref?.kind !== 'DaemonSet') return;
      const e = this.#expect.get(`${p.metadata.namespace ?? ''}/${ref.name}`);
      if (!e) return;
      if (added) e.adds = Math.max(0, e.adds - 1);
      else e.dels.delete(p.metadata.name ?? '');
    };
    this.#pods.addHandlers({ add: (p) => observe(p, true), delete: (p) => observe(p, false) });
    const fromOwned = (o: Readonly<KubeObject>): void => {
      const ref = controllerRef(o);
      if (ref?.kind === 'DaemonSet') this.#queue.add(`${o.metadata.namespace ?? ''}/${ref.name}`);
      else if (!ref && o.kind !== 'ControllerRevision')
        for (const d of this.#ds.list(o.metadata.namespace))
          if (selects((d.spec as DaemonSetSpec).selector, o)) enqueue(d);
    };
    this.#pods.addHandlers({ add: fromOwned, update: (_, p) => fromOwned(p), delete: fromOwned });
    this.#revisions.addHandlers({ delete: fromOwned });
    // A node's labels, taints or readiness decide where daemons belong; heartbeats do not.
    const all = (): void => {
      for (const d of this.#ds.list()) enqueue(d);
    };
    const placementInputs = (n: Readonly<KubeObject>): string =>
      JSON.stringify([
        n.metadata.labels,
        n.spec,
        (
          (n.status as { conditions?: Array<{ type: string; status: string }> } | undefined)
            ?.conditions ?? []
        ).map((c) => `${c.type}=${c.status}`),
      ]);
    this.#nodes.addHandlers({
      add: all,
      update: (a, b) => {
        if (placementInputs(a) !== placementInputs(b)) all();
      },
      delete: all,
    });
  }

  start(): void {
    this.#workers = runWorkers(
      this.#queue,
      2,
      (key) => this.sync(key),
      (key, err) =>
        this.#log('daemonset sync failed', { daemonset: key, error: (err as Error).message }),
    );
    for (const d of this.#ds.list()) this.#queue.add(objectKey(d));
  }

  async stop(): Promise<void> {
    this.#queue.shutDown();
    await this.#workers;
  }

  async sync(key: string): Promise<number | void> {
    const ds = this.#ds.get(key);
    if (!ds || ds.metadata.deletionTimestamp) return;
    const ns = ds.metadata.namespace ?? 'default';
    const spec = (ds.spec ?? {}) as DaemonSetSpec;
    const generation = templateGeneration(ds);
    const hash = await this.#currentRevisionHash(ds);
    if (hash === undefined) return 100;

    // Pods by the node they are pinned to.
    const pods = await this.#claimPods(ds);
    const byNode = new Map<string, Readonly<KubeObject>[]>();
    for (const p of pods) {
      const node = targetNodeName(p);
      if (node === undefined) continue;
      const terminal = phaseOf(p) === 'Failed' || phaseOf(p) === 'Succeeded';
      if (terminal && p.metadata.deletionTimestamp) continue;
      byNode.set(node, [...(byNode.get(node) ?? []), p]);
    }
    const templateSpec = spec.template?.spec ?? {};
    const nodes = this.#nodes.list();
    const placement = new Map(
      nodes.map((n) => [n.metadata.name ?? '', nodeShouldRunDaemonPod(n, templateSpec)]),
    );
    const minReady = spec.minReadySeconds ?? 0;
    const now = Date.now();
    const available = (p: Readonly<KubeObject>): boolean => podAvailable(p, minReady, now);
    const strategy = spec.updateStrategy?.type ?? 'RollingUpdate';
    const maxSurgeSetting =
      strategy === 'RollingUpdate' ? spec.updateStrategy?.rollingUpdate?.maxSurge : 0;

    const createOn: string[] = [];
    const deletePods: Readonly<KubeObject>[] = [];
    for (const [node, { shouldRun, shouldContinueRunning }] of placement) {
      const here = byNode.get(node) ?? [];
      const running = here.filter((p) => !p.metadata.deletionTimestamp);
      if (shouldRun && here.length === 0) {
        createOn.push(node);
      } else if (shouldContinueRunning) {
        const failed = running.filter((p) => phaseOf(p) === 'Failed');
        for (const p of failed) {
          await this.#events.record(
            ds,
            'Warning',
            'FailedDaemonPod',
            `Found failed daemon pod ${ns}/${p.metadata.name ?? ''} on node ${node}, will try to kill it`,
          );
          deletePods.push(p);
        }
        const alive = running.filter((p) => phaseOf(p) !== 'Failed').sort(byAge);
        if (alive.length > 1) {
          // Keep the oldest pod (and, during a surge, the oldest updated one too).
          const keep = new Set([alive[0]]);
          const surging = resolveIntOrPercent(maxSurgeSetting ?? 0, 1, true) > 0;
          const newest = alive.find((p) => isUpdated(p, hash, generation));
          if (surging && newest) keep.add(newest);
          deletePods.push(...alive.filter((p) => !keep.has(p)));
        }
      } else {
        deletePods.push(...running);
      }
    }
    // Pods pinned to nodes that no longer exist.
    for (const [node, here] of byNode)
      if (!placement.has(node))
        deletePods.push(...here.filter((p) => !p.metadata.deletionTimestamp));

    const desired = [...placement.values()].filter((p) => p.shouldRun).length;
    const pending = this.#expect.get(key);
    const settled =
      !pending || (pending.adds === 0 && pending.dels.size === 0) || Date.now() > pending.until;
    if (settled) this.#expect.delete(key);
    if (
      settled &&
      createOn.length === 0 &&
      deletePods.length === 0 &&
      strategy === 'RollingUpdate'
    ) {
      const surge = resolveIntOrPercent(maxSurgeSetting ?? 0, desired, true);
      let unavailable = resolveIntOrPercent(
        spec.updateStrategy?.rollingUpdate?.maxUnavailable ?? 1,
        desired,
        true,
      );
      if (surge === 0 && unavailable === 0) unavailable = 1;
      const view: NodePods[] = [...placement].map(([node, { shouldRun }]) => ({
        node,
        shouldRun,
        pods: (byNode.get(node) ?? [])
          .filter((p) => !p.metadata.deletionTimestamp)
          .map((p) => ({
            name: p.metadata.name ?? '',
            updated: isUpdated(p, hash, generation),
            available: available(p),
          })),
      }));
      const step = rollingUpdateStep(view, surge, unavailable);
      createOn.push(...step.createOn);
      const names = new Set(step.deletePods);
      deletePods.push(...pods.filter((p) => names.has(p.metadata.name ?? '')));
    }
    if (settled && (createOn.length > 0 || deletePods.length > 0)) {
      this.#expect.set(key, {
        adds: createOn.length,
        dels: new Set(deletePods.map((p) => p.metadata.name ?? '')),
        until: Date.now() + 30_000,
      });
      for (const node of createOn) {
        try {
          const pod = await this.#client.create(PODS, ns, daemonPod(ds, hash, node));
          await this.#events.record(
            ds,
            'Normal',
            'SuccessfulCreate',
            `Created pod: ${pod.metadata.name ?? ''}`,
          );
        } catch (err) {
          this.#expect.delete(key);
          await this.#events.record(
            ds,
            'Warning',
            'FailedCreate',
            `Error creating: ${(err as Error).message}`,
          );
          throw err;
        }
      }
      for (const p of deletePods) {
        try {
          await this.#client.delete(PODS, ns, p.metadata.name ?? '');
          await this.#events.record(
            ds,
            'Normal',
            'SuccessfulDelete',
            `Deleted pod: ${p.metadata.name ?? ''}`,
          );
        } catch (err) {
          if (!isStatusError(err, 'NotFound')) {
            this.#expect.delete(key);
            throw err;
          }
        }
      }
    }

    // Status (updateDaemonSetStatus), from the caches.
    let current = 0;
    let misscheduled = 0;
    let ready = 0;
    let numberAvailable = 0;
    let updated = 0;
    for (const [node, { shouldRun }] of placement) {
      const here = [...(byNode.get(node) ?? [])].sort(byAge);
      const first = here[0];
      if (shouldRun) {
        if (!first) continue;
        current++;
        if (podReady(first)) {
          ready++;
          if (available(first)) numberAvailable++;
        }
        if (isUpdated(first, hash, generation)) updated++;
      } else if (first) misscheduled++;
    }
    const old = (ds.status ?? {}) as Json;
    const status: Json = {
      ...old,
      currentNumberScheduled: current,
      numberMisscheduled: misscheduled,
      desiredNumberScheduled: desired,
      numberReady: ready,
      observedGeneration: ds.metadata.generation ?? 0,
      updatedNumberScheduled: updated,
      numberAvailable,
      numberUnavailable: desired - numberAvailable,
    };
    if (!status.numberUnavailable) delete status.numberUnavailable;
    if (!status.numberAvailable) delete status.numberAvailable;
    if (!status.updatedNumberScheduled) delete status.updatedNumberScheduled;
    const changed = Object.keys({ ...old, ...status }).some((k) => old[k] !== status[k]);
    if (changed) {
      await this.#client
        .update(DAEMONSETS, { ...(structuredClone(ds) as KubeObject), status }, 'status')
        .catch((err: unknown) => {
          if (!isStatusError(err, 'Conflict') && !isStatusError(err, 'NotFound')) throw err;
          this.#queue.addAfter(key, 50);
        });
    }
    await this.#truncateHistory(ds, pods, hash);
    if (minReady > 0 && ready > numberAvailable) return minReady * 1000;
  }

  /**
   * constructHistory: the revision holding the current template (created, or renumbered to be
   * the newest on a rollback); its hash labels the pods. Undefined after a name collision.
   */
  async #currentRevisionHash(ds: Readonly<KubeObject>): Promise<string | undefined> {
    const ns = ds.metadata.namespace ?? 'default';
    const spec = (ds.spec ?? {}) as DaemonSetSpec;
    const status = (ds.status ?? {}) as { collisionCount?: number };
    const history = sortRevisions(
      this.#revisions.list(ns).filter((r) => controllerRef(r)?.uid === ds.metadata.uid),
    );
    const data = templatePatch(spec.template);
    const max = history.length > 0 ? revisionNumber(history[history.length - 1]!) : 0;
    const match = history.filter((r) => sameData(r, data)).pop();
    if (match) {
      if (revisionNumber(match) < max) {
        await this.#client.patch(CONTROLLERREVISIONS, ns, match.metadata.name ?? '', {
          revision: max + 1,
        });
      }
      return match.metadata.labels?.[REVISION_LABEL] ?? '';
    }
    const collisionCount = status.collisionCount ?? 0;
    const hash = podTemplateHash(spec.template, collisionCount);
    const revision = {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name: revisionName(ds.metadata.name ?? '', hash),
        namespace: ns,
        labels: { ...(spec.template?.metadata?.labels ?? {}), [REVISION_LABEL]: hash },
        ...(ds.metadata.annotations ? { annotations: { ...ds.metadata.annotations } } : {}),
        ownerReferences: [ownerRefTo(ds)],
      },
      data,
      revision: max + 1,
    } as KubeObject;
    try {
      await this.#client.create(CONTROLLERREVISIONS, ns, revision);
      return hash;
    } catch (err) {
      if (!isStatusError(err, 'AlreadyExists')) throw err;
    }
    const existing = await this.#client.get(CONTROLLERREVISIONS, ns, revision.metadata.name ?? '');
    if (controllerRef(existing)?.uid === ds.metadata.uid && sameData(existing, data)) return hash;
    await this.#client.update(
      DAEMONSETS,
      {
        ...(structuredClone(ds) as KubeObject),
        status: { ...(ds.status ?? {}), collisionCount: collisionCount + 1 },
      },
      'status',
    );
    return undefined;
  }

  async #claimPods(ds: Readonly<KubeObject>): Promise<Readonly<KubeObject>[]> {
    const ns = ds.metadata.namespace ?? 'default';
    const selector = (ds.spec as DaemonSetSpec).selector;
    const owned: Readonly<KubeObject>[] = [];
    for (const p of this.#pods.list(ns)) {
      const ref = controllerRef(p);
      if (ref?.uid === ds.metadata.uid) owned.push(p);
      else if (!ref && isActive(p) && selects(selector, p)) {
        try {
          owned.push(
            await this.#client.patch(PODS, ns, p.metadata.name ?? '', {
              metadata: {
                ownerReferences: [...(p.metadata.ownerReferences ?? []), ownerRefTo(ds)],
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

  /** cleanupHistory: keep revisionHistoryLimit revisions no live pod uses, besides the current. */
  async #truncateHistory(
    ds: Readonly<KubeObject>,
    pods: Readonly<KubeObject>[],
    hash: string,
  ): Promise<void> {
    const live = new Set([hash, ...pods.map((p) => p.metadata.labels?.[REVISION_LABEL] ?? '')]);
    const history = sortRevisions(
      this.#revisions
        .list(ds.metadata.namespace)
        .filter((r) => controllerRef(r)?.uid === ds.metadata.uid),
    );
    const idle = history.filter((r) => !live.has(r.metadata.labels?.[REVISION_LABEL] ?? ''));
    const limit = (ds.spec as DaemonSetSpec).revisionHistoryLimit ?? 10;
    for (const r of idle.slice(0, Math.max(0, idle.length - limit))) {
      await this.#client
        .delete(CONTROLLERREVISIONS, ds.metadata.namespace, r.metadata.name ?? '')
        .catch((err: unknown) => {
          if (!isStatusError(err, 'NotFound')) throw err;
        });
    }
  }
}
