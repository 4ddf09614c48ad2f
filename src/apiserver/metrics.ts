// metrics.k8s.io/v1beta1, served by the API server itself in place of an aggregated
// metrics-server: NodeMetrics and PodMetrics (get and list; pods namespaced, label and field
// selectors) built from the /stats/summary of each node's kubelet, asked at request time. The
// kubelet keeps the measurement window (src/kubelet/stats.ts); nothing is stored here.
//
// As metrics-server: objects without figures are left out of lists (a pod on a node whose kubelet
// does not answer, a pod whose containers have a single reading so far), and a get of one answers
// NotFound. `kubectl top` needs only the group in discovery and these two collections.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { formatBinaryBytes, formatNanoCores } from '../api/quantity.js';
import { methodNotAllowed, notFound, StatusError } from '../api/status.js';
import type { PodStats, Summary } from '../api/stats-summary.js';
import type { KubeObject } from '../api/types.js';
import { buildFilter } from './filter.js';
import type { HandlerContext } from './handlers.js';
import { writeJson } from './http.js';
import type { ResourceRequest } from './request.js';
import { representation } from './negotiate.js';
import type { ResourceInfo } from './resources.js';
import { metricsPrinter } from './tables/metrics.js';
import { toTableWith, type IncludeObject } from './tables/table.js';

export const METRICS_GROUP = 'metrics.k8s.io';
const VERSION = 'v1beta1';
const API_VERSION = `${METRICS_GROUP}/${VERSION}`;
const KUBELET_TIMEOUT_MS = 15_000;

/** Discovery entries, as metrics-server registers them (no singular name, get and list only). */
export const METRICS_RESOURCES: ResourceInfo[] = [
  {
    group: METRICS_GROUP,
    version: VERSION,
    resource: 'nodes',
    kind: 'NodeMetrics',
    singular: '',
    namespaced: false,
    verbs: ['get', 'list'],
  },
  {
    group: METRICS_GROUP,
    version: VERSION,
    resource: 'pods',
    kind: 'PodMetrics',
    singular: '',
    namespaced: true,
    verbs: ['get', 'list'],
  },
];

/** A window as Go's time.Duration prints it: 10.5s, 1m0s, 0s. */
export function goDuration(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  if (ms === 0) return '0s';
  const s = (v: number): string => `${Number((v / 1000).toFixed(3))}s`;
  if (ms < 60_000) return s(ms);
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const rest = ms % 60_000;
  return `${h > 0 ? `${h}h` : ''}${m}m${s(rest)}`;
}

function usage(cores: number, workingSet: number): Record<string, string> {
  return { cpu: formatNanoCores(cores), memory: formatBinaryBytes(workingSet) };
}

export class ResourceMetrics {
  readonly #ctx: HandlerContext;

  constructor(ctx: HandlerContext) {
    this.#ctx = ctx;
  }

  async handle(
    req: IncomingMessage,
    res: ServerResponse,
    rr: ResourceRequest,
    url: URL,
  ): Promise<void> {
    const info = METRICS_RESOURCES.find((r) => r.resource === rr.resource);
    if (
      rr.version !== VERSION ||
      !info ||
      // No watch/ routes: metrics are not watchable.
      rr.watch === true ||
      rr.subresource !== undefined ||
      (rr.namespace !== undefined && !info.namespaced)
    ) {
      throw StatusError.from(404, 'NotFound', 'the server could not find the requested resource');
    }
    if (req.method !== 'GET') {
      throw methodNotAllowed(
        `${req.method ?? ''} is not supported on resources of kind "${info.kind}"`,
      );
    }
    const q = url.searchParams;
    if (q.get('watch') === 'true' || q.get('watch') === '1') {
      throw methodNotAllowed(`watch is not supported on resources of kind "${info.kind}"`);
    }
    const now = this.#ctx
      .clock()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
    if (rr.resource === 'nodes') {
      const nodes =
        rr.name !== undefined
          ? [this.#store('nodes').get(undefined, rr.name)]
          : this.#select('nodes', undefined, q);
      const items = (
        await Promise.all(
          nodes.map(async (node) => {
            const summary = await this.#summary(node);
            if (!summary) return undefined;
            return {
              kind: 'NodeMetrics',
              apiVersion: API_VERSION,
              metadata: {
                name: node.metadata.name,
                creationTimestamp: now,
                ...(node.metadata.labels ? { labels: node.metadata.labels } : {}),
              },
              timestamp: summary.node.cpu.time,
              window: goDuration(summary.node.cpu.windowSeconds),
              usage: usage(summary.node.cpu.usageNanoCores, summary.node.memory.workingSetBytes),
            };
          }),
        )
      ).filter((m) => m !== undefined);
      this.#answer(req, res, q, 'NodeMetrics', rr.name, items);
      return;
    }
    const pods =
      rr.name !== undefined
        ? [this.#store('pods').get(rr.namespace, rr.name)]
        : this.#select('pods', rr.namespace, q);
    // One summary per node that holds any of the pods.
    const byNode = new Map<string, KubeObject[]>();
    for (const pod of pods) {
      const nodeName = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
      if (!nodeName) continue;
      byNode.set(nodeName, [...(byNode.get(nodeName) ?? []), pod]);
    }
    const stats = new Map<string, PodStats>();
    await Promise.all(
      [...byNode.keys()].map(async (nodeName) => {
        const node = this.#ctx.storage.get(`${this.#store('nodes').prefix()}${nodeName}`);
        const summary = node ? await this.#summary(node) : undefined;
        for (const p of summary?.pods ?? []) stats.set(p.podRef.uid, p);
      }),
    );
    const items = pods.flatMap((pod) => {
      const s = stats.get(pod.metadata.uid ?? '');
      if (!s) return [];
      return [
        {
          kind: 'PodMetrics',
          apiVersion: API_VERSION,
          metadata: {
            name: pod.metadata.name,
            namespace: pod.metadata.namespace,
            creationTimestamp: now,
            ...(pod.metadata.labels ? { labels: pod.metadata.labels } : {}),
          },
          timestamp: s.cpu.time,
          window: goDuration(s.cpu.windowSeconds),
          containers: s.containers.map((c) => ({
            name: c.name,
            usage: usage(c.cpu.usageNanoCores, c.memory.workingSetBytes),
          })),
        },
      ];
    });
    this.#answer(req, res, q, 'PodMetrics', rr.name, items, rr.namespace);
  }

  #answer(
    req: IncomingMessage,
    res: ServerResponse,
    q: URLSearchParams,
    kind: 'NodeMetrics' | 'PodMetrics',
    name: string | undefined,
    items: KubeObject[],
    namespace?: string,
  ): void {
    if (name !== undefined && !items[0]) {
      const resource = kind === 'NodeMetrics' ? 'nodemetrics' : 'podmetrics';
      throw notFound(
        { group: METRICS_GROUP, resource },
        namespace !== undefined ? `${namespace}/${name}` : name,
      );
    }
    const shown = name !== undefined ? items.slice(0, 1) : items;
    if (representation(req.headers.accept) === 'table') {
      // metrics-server's ConvertToTable; the generic handler then applies includeObject.
      const include = q.get('includeObject');
      const includeObject: IncludeObject =
        include === 'None' || include === 'Object' ? include : 'Metadata';
      writeJson(
        res,
        200,
        toTableWith(metricsPrinter(kind, shown), shown, { now: this.#ctx.clock(), includeObject }),
      );
      return;
    }
    if (name !== undefined) {
      writeJson(res, 200, shown[0]);
      return;
    }
    writeJson(res, 200, { kind: `${kind}List`, apiVersion: API_VERSION, metadata: {}, items });
  }

  #store(resource: 'nodes' | 'pods'): NonNullable<ReturnType<HandlerContext['store']>> {
    const store = this.#ctx.store('', resource);
    if (!store) throw new Error(`the ${resource} resource is missing from the catalog`);
    return store;
  }

  #select(
    resource: 'nodes' | 'pods',
    namespace: string | undefined,
    q: URLSearchParams,
  ): KubeObject[] {
    const store = this.#store(resource);
    const filter = buildFilter(
      { group: '', resource },
      q.get('labelSelector') ?? '',
      q.get('fieldSelector') ?? '',
    );
    return this.#ctx.storage.list(store.prefix(namespace)).items.filter((o) => filter.matches(o));
  }

  /** The node's kubelet summary, or undefined when it cannot be had (the node is left out). */
  async #summary(node: KubeObject): Promise<Summary | undefined> {
    const port = (
      node.status as { daemonEndpoints?: { kubeletEndpoint?: { Port?: number } } } | undefined
    )?.daemonEndpoints?.kubeletEndpoint?.Port;
    if (!port) return undefined;
    try {
      const res = await fetch(`http://127.0.0.1:${port}/stats/summary`, {
        headers: { authorization: `Bearer ${this.#ctx.kubeletToken ?? ''}` },
        signal: AbortSignal.timeout(KUBELET_TIMEOUT_MS),
      });
      if (res.status !== 200) {
        await res.body?.cancel();
        return undefined;
      }
      return (await res.json()) as Summary;
    } catch {
      return undefined;
    }
  }
}
