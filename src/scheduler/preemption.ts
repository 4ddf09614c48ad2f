// DefaultPreemption (after kube-scheduler's PostFilter plugin): when a pod fits no node, find the
// nodes where removing pods of lower priority would let it in, keep as many of those pods as
// still allows it (the most important first), and pick the node whose victims matter least.
// Pure functions over NodeInfos; the scheduler carries out the decision through the API.
// kbox has no PodDisruptionBudgets, so upstream's PDB criteria never apply.
import type { KubeObject } from '../api/types.js';
import { nodeInfoOf } from './cache.js';
import type { CycleState, FilterResult, NodeInfo } from './framework.js';
import { podPriority } from './queue.js';

/** Runs every filter for `pod` on `node`: Success, or the first failure. */
export type Fits = (pod: Readonly<KubeObject>, node: NodeInfo, state: CycleState) => FilterResult;

export interface Candidate {
  node: NodeInfo;
  /** Most important first. */
  victims: Readonly<KubeObject>[];
}

export type PreemptionResult =
  | { candidate: Candidate }
  /** Why not, as upstream words it after "preemption: ". */
  | { message: string };

function startTime(pod: Readonly<KubeObject>): number {
  const s = (pod.status as { startTime?: string } | undefined)?.startTime;
  const t = Date.parse(s ?? pod.metadata.creationTimestamp ?? '');
  return Number.isNaN(t) ? 0 : t;
}

/** Upstream's MoreImportantPod: higher priority, then the one that started earlier. */
export function moreImportantPod(a: Readonly<KubeObject>, b: Readonly<KubeObject>): boolean {
  const pa = podPriority(a);
  const pb = podPriority(b);
  return pa !== pb ? pa > pb : startTime(a) < startTime(b);
}

/** The NodeInfo list with `info` standing in for the node of the same name. */
function withNode(state: CycleState, info: NodeInfo): CycleState {
  const name = info.node.metadata.name;
  return { ...state, nodes: state.nodes.map((n) => (n.node.metadata.name === name ? info : n)) };
}

/**
 * The fewest, least important pods on `node` whose removal lets `pod` in: all pods of lower
 * priority are removed, then given back one by one, most important first, as long as the pod
 * still fits. A string when there is no such set (upstream's status message).
 */
export function selectVictimsOnNode(
  pod: Readonly<KubeObject>,
  node: NodeInfo,
  state: CycleState,
  fits: Fits,
): Readonly<KubeObject>[] | string {
  const priority = podPriority(pod);
  const potential = node.pods.filter((p) => podPriority(p) < priority);
  if (potential.length === 0) return 'No preemption victims found for incoming pod';
  const kept = node.pods.filter((p) => podPriority(p) >= priority);
  const without = nodeInfoOf(node.node, kept);
  // Even without all of them the pod does not fit: upstream reports the filter's reason.
  const alone = fits(pod, without, withNode(state, without));
  if (alone.code !== 'Success') return alone.reason ?? 'node(s) did not fit';
  potential.sort((a, b) => (moreImportantPod(a, b) ? -1 : moreImportantPod(b, a) ? 1 : 0));
  const victims: Readonly<KubeObject>[] = [];
  for (const p of potential) {
    const trial = nodeInfoOf(node.node, [...kept, p]);
    if (fits(pod, trial, withNode(state, trial)).code === 'Success') kept.push(p);
    else victims.push(p);
  }
  return victims;
}

/**
 * Upstream's pickOneNodeForPreemption: a node needing no victims; else the lowest highest-victim
 * priority, then the lowest sum of priorities, then the fewest victims, then the latest start of
 * the highest-priority victims; then the first.
 */
export function pickOneNodeForPreemption(candidates: readonly Candidate[]): Candidate | undefined {
  const free = candidates.find((c) => c.victims.length === 0);
  if (free) return free;
  const OFFSET = 2 ** 31;
  const keys = (c: Candidate): number[] => {
    const top = podPriority(c.victims[0] as Readonly<KubeObject>);
    const sum = c.victims.reduce((s, v) => s + podPriority(v) + OFFSET, 0);
    const earliestTop = Math.min(
      ...c.victims.filter((v) => podPriority(v) === top).map((v) => startTime(v)),
    );
    // Smaller is better for each key.
    return [top, sum, c.victims.length, -earliestTop];
  };
  let best: Candidate | undefined;
  let bestKeys: number[] = [];
  for (const c of candidates) {
    const k = keys(c);
    if (!best) {
      best = c;
      bestKeys = k;
      continue;
    }
    const i = k.findIndex((v, j) => v !== bestKeys[j]);
    if (i >= 0 && (k[i] as number) < (bestKeys[i] as number)) {
      best = c;
      bestKeys = k;
    }
  }
  return best;
}

function histogram(items: string[]): string {
  const counts = new Map<string, number>();
  for (const r of items) counts.set(r, (counts.get(r) ?? 0) + 1);
  return [...counts]
    .map(([r, n]) => `${n} ${r}`)
    .sort()
    .join(', ');
}

/**
 * The whole PostFilter: eligibility (preemptionPolicy Never; victims of an earlier preemption
 * still terminating on the nominated node), then candidates over the nodes that failed for a
 * resolvable reason, then the pick. `failed` and `failures` are the filter pass's nodes and
 * results, in the same order.
 */
export function preempt(
  pod: Readonly<KubeObject>,
  state: CycleState,
  failed: readonly NodeInfo[],
  failures: readonly FilterResult[],
  fits: Fits,
): PreemptionResult {
  const spec = (pod.spec ?? {}) as { preemptionPolicy?: string };
  if (spec.preemptionPolicy === 'Never') {
    return { message: 'not eligible due to preemptionPolicy=Never.' };
  }
  const nominated = (pod.status as { nominatedNodeName?: string } | undefined)?.nominatedNodeName;
  if (nominated) {
    const i = failed.findIndex((n) => n.node.metadata.name === nominated);
    const info = state.nodes.find((n) => n.node.metadata.name === nominated);
    const resolvable = i < 0 || failures[i]?.code !== 'UnschedulableAndUnresolvable';
    const priority = podPriority(pod);
    if (
      info &&
      resolvable &&
      info.pods.some((p) => p.metadata.deletionTimestamp && podPriority(p) < priority)
    ) {
      return { message: 'not eligible due to a terminating pod on the nominated node.' };
    }
  }
  const candidates: Candidate[] = [];
  const reasons: string[] = [];
  failed.forEach((node, i) => {
    if (failures[i]?.code === 'UnschedulableAndUnresolvable') {
      reasons.push('Preemption is not helpful for scheduling');
      return;
    }
    const victims = selectVictimsOnNode(pod, node, state, fits);
    if (typeof victims === 'string') reasons.push(victims);
    else candidates.push({ node, victims });
  });
  const best = pickOneNodeForPreemption(candidates);
  if (best) return { candidate: best };
  const total = state.nodes.length;
  return { message: `0/${total} nodes are available: ${histogram(reasons)}.` };
}
