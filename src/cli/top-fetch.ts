// What `kbox top` asks the cluster, as kubectl top does: discovery must list metrics.k8s.io
// v1beta1, then NodeMetrics/PodMetrics (and Nodes for their allocatable, Pods to explain an empty
// answer). Errors read as kubectl's.
import type { KubeObject } from '../api/types.js';
import type { KubeClient, ResourceRef } from '../client/rest.js';
import { CliError } from './cluster.js';
import type { NodeMetricsItem, PodMetricsItem, Usage } from './top.js';

export const NODE_METRICS: ResourceRef = {
  group: 'metrics.k8s.io',
  version: 'v1beta1',
  resource: 'nodes',
  namespaced: false,
};
export const POD_METRICS: ResourceRef = {
  group: 'metrics.k8s.io',
  version: 'v1beta1',
  resource: 'pods',
  namespaced: true,
};

/** kubectl's metricsCreationDelay: an older pod without metrics is reported as such. */
const METRICS_CREATION_DELAY_MS = 2 * 60_000;

export async function requireMetricsApi(client: KubeClient): Promise<void> {
  const groups = await client.call<{
    groups: Array<{ name: string; versions: Array<{ version: string }> }>;
  }>('GET', '/apis');
  const ok = groups.groups.some(
    (g) => g.name === 'metrics.k8s.io' && g.versions.some((v) => v.version === 'v1beta1'),
  );
  if (!ok) throw new CliError('Metrics API not available');
}

export function toNodeMetrics(o: KubeObject): NodeMetricsItem {
  return { name: o.metadata.name ?? '', usage: ((o as { usage?: Usage }).usage ?? {}) as Usage };
}

export function toPodMetrics(o: KubeObject): PodMetricsItem {
  return {
    name: o.metadata.name ?? '',
    namespace: o.metadata.namespace ?? '',
    containers: ((o as { containers?: PodMetricsItem['containers'] }).containers ?? []).map(
      (c) => ({ name: c.name, usage: c.usage ?? {} }),
    ),
  };
}

/** Go's time.Duration text for an age (millisecond precision). */
function goAge(ms: number): string {
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Number(((ms % 60_000) / 1000).toFixed(3));
  return `${h > 0 ? `${h}h` : ''}${h > 0 || m > 0 ? `${m}m` : ''}${s}s`;
}

/** Why a pod list came back empty, as kubectl's verifyEmptyMetrics says it (throws). */
export function explainEmpty(pods: KubeObject[], now = Date.now()): void {
  for (const pod of pods) {
    const age = now - Date.parse(pod.metadata.creationTimestamp ?? '');
    if (age > METRICS_CREATION_DELAY_MS) {
      throw new CliError(
        `Metrics not available for pod ${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}, age: ${goAge(age)}`,
      );
    }
  }
  throw new CliError('metrics not available yet');
}
