// The scheduler: binds each unscheduled pod to the feasible node with the fewest pods, through
// the pods/binding subresource. Pods no node fits get a FailedScheduling event with per-reason
// counts ("0/3 nodes are available: ...") and are retried when nodes or pods change.
import type { KubeObject } from '../api/types.js';
import { EventRecorder } from '../client/events.js';
import { Informer, objectKey } from '../client/informer.js';
import { resourcePath, type KubeClient, type ResourceRef } from '../client/rest.js';
import { runWorkers, WorkQueue } from '../client/workqueue.js';
import { isStatusError } from '../api/status.js';
import type { FilterPlugin, NodeInfo } from './framework.js';
import { nodeAffinity } from './plugins/node-affinity.js';
import { nodeReady } from './plugins/node-ready.js';
import { nodeResourcesFit } from './plugins/node-resources-fit.js';
import { nodeUnschedulable } from './plugins/node-unschedulable.js';
import { taintToleration } from './plugins/taint-toleration.js';

const PODS: ResourceRef = { group: '', version: 'v1', resource: 'pods', namespaced: true };
const NODES: ResourceRef = { group: '', version: 'v1', resource: 'nodes', namespaced: false };

/** The literal plugin registry, in upstream's filter order. */
export const FILTERS: readonly FilterPlugin[] = [
  nodeUnschedulable,
  nodeReady,
  nodeAffinity,
  taintToleration,
  nodeResourcesFit,
];

function needsScheduling(pod: Readonly<KubeObject>): boolean {
  const spec = (pod.spec ?? {}) as { nodeName?: string; schedulerName?: string };
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  return (
    !spec.nodeName &&
    (spec.schedulerName ?? 'default-scheduler') === 'default-scheduler' &&
    !pod.metadata.deletionTimestamp &&
    phase !== 'Succeeded' &&
    phase !== 'Failed'
  );
}

/** Upstream's summary: "0/3 nodes are available: 1 node(s) had ..., 2 Insufficient cpu." */
export function failureMessage(total: number, reasons: string[]): string {
  const counts = new Map<string, number>();
  for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  const parts = [...counts].map(([r, n]) => `${n} ${r}`).sort();
  if (total === 0) return 'no nodes available to schedule pods';
  return `0/${total} nodes are available: ${parts.join(', ')}. preemption: 0/${total} nodes are available: ${total} Preemption is not helpful for scheduling.`;
}

export class Scheduler {
  readonly #client: KubeClient;
  readonly #pods: Informer;
  readonly #nodes: Informer;
  readonly #queue = new WorkQueue();
  readonly #events: EventRecorder;
  readonly #log: (msg: string, fields?: Record<string, unknown>) => void;
  #workers: Promise<void> | undefined;
  #retry: NodeJS.Timeout | undefined;

  constructor(client: KubeClient, log: (msg: string, fields?: Record<string, unknown>) => void) {
    this.#client = client;
    this.#log = log;
    this.#events = new EventRecorder(client, 'default-scheduler');
    this.#pods = new Informer(client, PODS, {
      onError: (e) => log('pod watch failed', { error: String(e) }),
    });
    this.#nodes = new Informer(client, NODES, {
      onError: (e) => log('node watch failed', { error: String(e) }),
    });
    const enqueue = (p: Readonly<KubeObject>): void => {
      if (needsScheduling(p)) this.#queue.add(objectKey(p));
    };
    this.#pods.addHandlers({ add: enqueue, update: (_, p) => enqueue(p) });
    // Capacity changed: give every waiting pod another chance.
    const retryAll = (): void => {
      for (const p of this.#pods.list()) enqueue(p);
    };
    this.#nodes.addHandlers({ add: retryAll, update: retryAll });
    this.#pods.addHandlers({ delete: retryAll });
  }

  async start(): Promise<void> {
    await Promise.all([this.#nodes.start(), this.#pods.start()]);
    this.#workers = runWorkers(
      this.#queue,
      1,
      (key) => this.#schedule(key),
      (key, err) => this.#log('scheduling failed', { pod: key, error: (err as Error).message }),
    );
    this.#retry = setInterval(() => {
      for (const p of this.#pods.list()) if (needsScheduling(p)) this.#queue.add(objectKey(p));
    }, 30_000);
    this.#retry.unref();
    for (const p of this.#pods.list()) if (needsScheduling(p)) this.#queue.add(objectKey(p));
  }

  async stop(): Promise<void> {
    if (this.#retry) clearInterval(this.#retry);
    this.#queue.shutDown();
    await this.#workers;
    await Promise.all([this.#pods.stop(), this.#nodes.stop()]);
  }

  async #schedule(key: string): Promise<void> {
    const pod = this.#pods.get(key);
    if (!pod || !needsScheduling(pod)) return;
    const nodes = this.#nodes.list();
    const infos: NodeInfo[] = nodes.map((node) => ({
      node,
      pods: this.#pods.list().filter((p) => {
        const phase = (p.status as { phase?: string } | undefined)?.phase;
        return (
          (p.spec as { nodeName?: string } | undefined)?.nodeName === node.metadata.name &&
          phase !== 'Succeeded' &&
          phase !== 'Failed'
        );
      }),
    }));
    const reasons: string[] = [];
    const feasible: NodeInfo[] = [];
    for (const info of infos) {
      const failed = FILTERS.map((f) => f.filter(pod, info)).find((r) => r.code !== 'Success');
      if (failed) reasons.push(failed.reason ?? 'node(s) did not fit');
      else feasible.push(info);
    }
    const best = feasible.sort(
      (a, b) =>
        a.pods.length - b.pods.length ||
        String(a.node.metadata.name).localeCompare(String(b.node.metadata.name)),
    )[0];
    if (!best) {
      await this.#events.record(
        pod,
        'Warning',
        'FailedScheduling',
        failureMessage(nodes.length, reasons),
      );
      return;
    }
    const nodeName = best.node.metadata.name ?? '';
    const ns = pod.metadata.namespace ?? 'default';
    try {
      await this.#client.call(
        'POST',
        `${resourcePath(PODS, ns, pod.metadata.name ?? '')}/binding`,
        {
          apiVersion: 'v1',
          kind: 'Binding',
          metadata: { name: pod.metadata.name, namespace: ns },
          target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
        },
      );
    } catch (err) {
      // Already bound or gone: nothing to do; anything else is retried by the queue.
      if (isStatusError(err, 'Conflict') || isStatusError(err, 'NotFound')) return;
      throw err;
    }
    await this.#events.record(
      pod,
      'Normal',
      'Scheduled',
      `Successfully assigned ${ns}/${pod.metadata.name ?? ''} to ${nodeName}`,
    );
  }
}
