// The garbage collector for the ownership chains kbox's controllers create
// (Deployment -> ReplicaSet -> Pod, Service -> EndpointSlice, StatefulSet and DaemonSet -> Pod
// and ControllerRevision, StatefulSet or Pod -> PersistentVolumeClaim): dependents whose controller owner is gone are deleted
// (background cascading); an owner deleted with propagationPolicy Foreground keeps its
// `foregroundDeletion` finalizer until its dependents are gone; Orphan strips the dependents'
// references, then removes the `orphan` finalizer. Level-triggered: a periodic sweep re-checks
// everything, so nothing depends on seeing a particular event.
import { isStatusError } from '../../api/status.js';
import type { KubeObject } from '../../api/types.js';
import type { Informer } from '../../client/informer.js';
import type { KubeClient, ResourceRef } from '../../client/rest.js';
import {
  CONTROLLERREVISIONS,
  CRONJOBS,
  DAEMONSETS,
  DEPLOYMENTS,
  ENDPOINTSLICES,
  JOBS,
  PERSISTENTVOLUMECLAIMS,
  PODS,
  REPLICASETS,
  SERVICES,
  STATEFULSETS,
  type Log,
} from '../common.js';

interface Edge {
  owner: { kind: string; ref: ResourceRef; informer: Informer };
  dependent: { ref: ResourceRef; informer: Informer };
  /**
   * Follow plain (non-controller) owner references too, for dependents with that one owner:
   * the claims a StatefulSet's retention policy hands to the set or to a scaled-down pod.
   */
  plainOwner?: boolean;
}

export class GarbageCollector {
  readonly #client: KubeClient;
  readonly #edges: Edge[];
  readonly #log: Log;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;

  constructor(
    client: KubeClient,
    informers: {
      deployments: Informer;
      replicasets: Informer;
      pods: Informer;
      services?: Informer;
      endpointslices?: Informer;
      jobs: Informer;
      cronjobs: Informer;
      statefulsets?: Informer;
      daemonsets?: Informer;
      controllerrevisions?: Informer;
      pvcs?: Informer;
    },
    log: Log,
  ) {
    this.#client = client;
    this.#log = log;
    this.#edges = [
      {
        owner: { kind: 'Deployment', ref: DEPLOYMENTS, informer: informers.deployments },
        dependent: { ref: REPLICASETS, informer: informers.replicasets },
      },
      {
        owner: { kind: 'ReplicaSet', ref: REPLICASETS, informer: informers.replicasets },
        dependent: { ref: PODS, informer: informers.pods },
      },
      {
        owner: { kind: 'CronJob', ref: CRONJOBS, informer: informers.cronjobs },
        dependent: { ref: JOBS, informer: informers.jobs },
      },
      {
        owner: { kind: 'Job', ref: JOBS, informer: informers.jobs },
        dependent: { ref: PODS, informer: informers.pods },
      },
    ];
    if (informers.services && informers.endpointslices) {
      this.#edges.push({
        owner: { kind: 'Service', ref: SERVICES, informer: informers.services },
        dependent: { ref: ENDPOINTSLICES, informer: informers.endpointslices },
      });
    }
    const revisions = informers.controllerrevisions;
    const claims = informers.pvcs;
    for (const [kind, ref, informer] of [
      ['StatefulSet', STATEFULSETS, informers.statefulsets],
      ['DaemonSet', DAEMONSETS, informers.daemonsets],
    ] as const) {
      if (!informer) continue;
      const owner = { kind, ref, informer };
      this.#edges.push({ owner, dependent: { ref: PODS, informer: informers.pods } });
      if (revisions)
        this.#edges.push({ owner, dependent: { ref: CONTROLLERREVISIONS, informer: revisions } });
      if (claims && kind === 'StatefulSet') {
        this.#edges.push({
          owner,
          dependent: { ref: PERSISTENTVOLUMECLAIMS, informer: claims },
          plainOwner: true,
        });
      }
    }
    if (claims) {
      this.#edges.push({
        owner: { kind: 'Pod', ref: PODS, informer: informers.pods },
        dependent: { ref: PERSISTENTVOLUMECLAIMS, informer: claims },
        plainOwner: true,
      });
    }
    const kick = (): void => this.#kick();
    for (const e of this.#edges) {
      e.owner.informer.addHandlers({
        delete: kick,
        update: (_, o) => (o.metadata.deletionTimestamp ? kick() : undefined),
      });
      // The last dependent of an owner deleted in the foreground going away frees the owner.
      e.dependent.informer.addHandlers({
        delete: (d) => {
          const owners = e.owner.informer.list(d.metadata.namespace);
          const waiting = d.metadata.ownerReferences?.some((r) =>
            owners.some((o) => o.metadata.uid === r.uid && o.metadata.deletionTimestamp),
          );
          if (waiting) kick();
        },
      });
    }
  }

  start(): void {
    this.#timer = setInterval(() => this.#kick(), 30_000);
    this.#timer.unref();
    this.#kick();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    await this.#running;
  }

  /** Runs one sweep at a time; a request during a sweep runs another right after. */
  #kick(): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#sweep()
      .catch((err: unknown) =>
        this.#log('garbage collection failed', { error: (err as Error).message }),
      )
      .finally(() => {
        this.#running = undefined;
        if (this.#again) {
          this.#again = false;
          this.#kick();
        }
      });
  }

  async #ownerGone(e: Edge, ns: string, name: string, uid: string): Promise<boolean> {
    if (e.owner.informer.list(ns).some((o) => o.metadata.uid === uid)) return false;
    // The cache may lag behind: confirm with the API before deleting anything.
    try {
      const live = await this.#client.get(e.owner.ref, ns, name);
      return live.metadata.uid !== uid;
    } catch (err) {
      if (isStatusError(err, 'NotFound')) return true;
      throw err;
    }
  }

  async #sweep(): Promise<void> {
    for (const e of this.#edges) {
      // Owners being deleted with Foreground or Orphan propagation.
      for (const owner of e.owner.informer.list()) {
        const fins = owner.metadata.finalizers ?? [];
        if (!owner.metadata.deletionTimestamp || fins.length === 0) continue;
        const deps = e.dependent.informer
          .list(owner.metadata.namespace)
          .filter((d) => d.metadata.ownerReferences?.some((r) => r.uid === owner.metadata.uid));
        if (fins.includes('orphan')) {
          for (const d of deps) {
            await this.#client
              .patch(e.dependent.ref, d.metadata.namespace, d.metadata.name ?? '', {
                metadata: {
                  ownerReferences: (d.metadata.ownerReferences ?? []).filter(
                    (r) => r.uid !== owner.metadata.uid,
                  ),
                  uid: d.metadata.uid,
                },
              })
              .catch(() => undefined);
          }
          await this.#dropFinalizer(e.owner.ref, owner, 'orphan');
        } else if (fins.includes('foregroundDeletion')) {
          // Foreground goes down the chain only to dependents that own things themselves: a
          // leaf (a pod) given a foregroundDeletion finalizer would have no one to clear it.
          const ownsOthers = this.#edges.some((o) => o.owner.ref === e.dependent.ref);
          for (const d of deps) {
            if (!d.metadata.deletionTimestamp) {
              await this.#client
                .delete(e.dependent.ref, d.metadata.namespace, d.metadata.name ?? '', {
                  propagationPolicy: ownsOthers ? 'Foreground' : 'Background',
                })
                .catch(() => undefined);
            }
          }
          if (deps.length === 0)
            await this.#dropFinalizer(e.owner.ref, owner, 'foregroundDeletion');
        }
      }
      // Dependents whose controller owner no longer exists.
      for (const d of e.dependent.informer.list()) {
        const refs = d.metadata.ownerReferences ?? [];
        const ref = e.plainOwner
          ? refs.length === 1 && refs[0]?.kind === e.owner.kind
            ? refs[0]
            : undefined
          : refs.find((r) => r.kind === e.owner.kind && r.controller === true);
        if (!ref || d.metadata.deletionTimestamp) continue;
        const ns = d.metadata.namespace ?? 'default';
        if (!(await this.#ownerGone(e, ns, ref.name, ref.uid))) continue;
        try {
          await this.#client.delete(e.dependent.ref, ns, d.metadata.name ?? '', {
            propagationPolicy: 'Background',
          });
        } catch (err) {
          if (!isStatusError(err, 'NotFound')) throw err;
        }
      }
    }
  }

  async #dropFinalizer(
    ref: ResourceRef,
    owner: Readonly<KubeObject>,
    finalizer: string,
  ): Promise<void> {
    await this.#client
      .patch(ref, owner.metadata.namespace, owner.metadata.name ?? '', {
        metadata: {
          finalizers: (owner.metadata.finalizers ?? []).filter((f) => f !== finalizer),
          resourceVersion: owner.metadata.resourceVersion,
        },
      })
      .catch((err: unknown) => {
        if (!isStatusError(err, 'NotFound') && !isStatusError(err, 'Conflict')) throw err;
      });
  }
}
