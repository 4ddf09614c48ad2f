// `rollout`: the status viewers (kubectl's exact progress lines for deployments, daemon sets and
// stateful sets), the wait loop that watches one object by name, deployment history from the
// revision annotations of its ReplicaSets, and undo/restart/pause/resume as the patches kubectl
// sends. Pure evaluation is separated from I/O so the messages are unit-testable.
import { fromLabelSelector } from '../api/labels.js';
import { isStatusError } from '../api/status.js';
import type { KubeObject } from '../api/types.js';
import { resourcePath, type KubeClient } from '../client/rest.js';
import { CliError } from './cluster.js';
import { fetchObjects, operationLine, parseObjectArgs, throwAggregate } from './objects.js';
import type { ApiResource } from './resources.js';

type Json = Record<string, unknown>;

export interface RolloutStatus {
  message: string;
  done: boolean;
}

const REVISION = 'deployment.kubernetes.io/revision';
const CHANGE_CAUSE = 'kubernetes.io/change-cause';
const POD_TEMPLATE_HASH = 'pod-template-hash';
const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';
/** Annotations a rollback keeps from the Deployment instead of taking the ReplicaSet's. */
const ROLLBACK_KEEP = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION,
  'deployment.kubernetes.io/revision-history',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deprecated.deployment.rollback.to',
]);

function num(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

function parts(obj: KubeObject): { spec: Json; status: Json; generation: number; name: string } {
  return {
    spec: (obj.spec ?? {}) as Json,
    status: (obj.status ?? {}) as Json,
    generation: obj.metadata.generation ?? 0,
    name: obj.metadata.name ?? '',
  };
}

/** The revision a Deployment or ReplicaSet carries: 0 without the annotation, undefined for junk. */
export function revisionOf(obj: KubeObject): number | undefined {
  const v = obj.metadata.annotations?.[REVISION];
  if (v === undefined) return 0;
  return /^[-+]?\d+$/.test(v) ? Number(v) : undefined;
}

export function deploymentStatus(d: KubeObject, revision = 0): RolloutStatus {
  const { spec, status, generation, name } = parts(d);
  const q = JSON.stringify(name);
  if (revision > 0) {
    const rev = revisionOf(d);
    if (rev === undefined)
      throw new CliError(
        `cannot get the revision of deployment ${q}: strconv.ParseInt: parsing ${JSON.stringify(d.metadata.annotations?.[REVISION] ?? '')}: invalid syntax`,
      );
    if (rev !== revision)
      throw new CliError(
        `desired revision (${revision}) is different from the running revision (${rev})`,
      );
  }
  if (generation > num(status.observedGeneration))
    return { message: 'Waiting for deployment spec update to be observed...\n', done: false };
  const conditions = (Array.isArray(status.conditions) ? status.conditions : []) as Json[];
  const progressing = conditions.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded')
    throw new CliError(`deployment ${q} exceeded its progress deadline`);
  const updated = num(status.updatedReplicas);
  const replicas = num(status.replicas);
  const available = num(status.availableReplicas);
  if (typeof spec.replicas === 'number' && updated < spec.replicas)
    return {
      message: `Waiting for deployment ${q} rollout to finish: ${updated} out of ${spec.replicas} new replicas have been updated...\n`,
      done: false,
    };
  if (replicas > updated)
    return {
      message: `Waiting for deployment ${q} rollout to finish: ${replicas - updated} old replicas are pending termination...\n`,
      done: false,
    };
  if (available < updated)
    return {
      message: `Waiting for deployment ${q} rollout to finish: ${available} of ${updated} updated replicas are available...\n`,
      done: false,
    };
  return { message: `deployment ${q} successfully rolled out\n`, done: true };
}

export function daemonSetStatus(ds: KubeObject): RolloutStatus {
  const { spec, status, generation, name } = parts(ds);
  const q = JSON.stringify(name);
  const strategy = ((spec.updateStrategy ?? {}) as Json).type;
  if (strategy !== 'RollingUpdate')
    throw new CliError('rollout status is only available for RollingUpdate strategy type');
  if (generation > num(status.observedGeneration))
    return { message: 'Waiting for daemon set spec update to be observed...\n', done: false };
  const desired = num(status.desiredNumberScheduled);
  const updated = num(status.updatedNumberScheduled);
  const available = num(status.numberAvailable);
  if (updated < desired)
    return {
      message: `Waiting for daemon set ${q} rollout to finish: ${updated} out of ${desired} new pods have been updated...\n`,
      done: false,
    };
  if (available < desired)
    return {
      message: `Waiting for daemon set ${q} rollout to finish: ${available} of ${desired} updated pods are available...\n`,
      done: false,
    };
  return { message: `daemon set ${q} successfully rolled out\n`, done: true };
}

export function statefulSetStatus(sts: KubeObject): RolloutStatus {
  const { spec, status, generation } = parts(sts);
  const strategy = (spec.updateStrategy ?? {}) as Json;
  if (strategy.type !== 'RollingUpdate')
    throw new CliError('rollout status is only available for RollingUpdate strategy type');
  const observed = num(status.observedGeneration);
  if (observed === 0 || generation > observed)
    return { message: 'Waiting for statefulset spec update to be observed...\n', done: false };
  const replicas = typeof spec.replicas === 'number' ? spec.replicas : undefined;
  const ready = num(status.readyReplicas);
  if (replicas !== undefined && ready < replicas)
    return { message: `Waiting for ${replicas - ready} pods to be ready...\n`, done: false };
  const updated = num(status.updatedReplicas);
  const rolling = strategy.rollingUpdate as Json | undefined;
  if (rolling) {
    if (replicas !== undefined && typeof rolling.partition === 'number') {
      const want = replicas - rolling.partition;
      if (updated < want)
        return {
          message: `Waiting for partitioned roll out to finish: ${updated} out of ${want} new pods have been updated...\n`,
          done: false,
        };
    }
    return {
      message: `partitioned roll out complete: ${updated} new pods have been updated...\n`,
      done: true,
    };
  }
  const updateRevision = String(status.updateRevision ?? '');
  const currentRevision = String(status.currentRevision ?? '');
  if (updateRevision !== currentRevision)
    return {
      message: `waiting for statefulset rolling update to complete ${updated} pods at revision ${updateRevision}...\n`,
      done: false,
    };
  return {
    message: `statefulset rolling update complete ${num(status.currentReplicas)} pods at revision ${currentRevision}...\n`,
    done: true,
  };
}

export function statusViewer(
  r: ApiResource,
): ((obj: KubeObject, revision: number) => RolloutStatus) | undefined {
  if (r.group !== 'apps') return undefined;
  if (r.kind === 'Deployment') return deploymentStatus;
  if (r.kind === 'DaemonSet') return (o) => daemonSetStatus(o);
  if (r.kind === 'StatefulSet') return (o) => statefulSetStatus(o);
  return undefined;
}

export interface WaitOptions {
  revision: number;
  watch: boolean;
  /** 0: wait forever. */
  timeoutMs: number;
}

/**
 * kubectl rollout status: prints the viewer's line for the object now and for every change a
 * watch (by metadata.name) reports, until the rollout is done, the timeout passes, or the object
 * is deleted. Re-lists when the watch expires, re-watches when the server ends it.
 */
export async function waitForRollout(
  client: KubeClient,
  r: ApiResource,
  namespace: string,
  name: string,
  o: WaitOptions,
  out: (s: string) => void,
): Promise<void> {
  const view = statusViewer(r);
  if (!view) throw new CliError(`no status viewer has been implemented for ${r.kind}.${r.group}`);
  const ns = r.namespaced ? namespace : undefined;
  const fieldSelector = `metadata.name=${name}`;
  const abort = new AbortController();
  let timedOut = false;
  const timer =
    o.timeoutMs > 0
      ? setTimeout(() => {
          timedOut = true;
          abort.abort();
        }, o.timeoutMs)
      : undefined;
  const onSigint = (): void => abort.abort();
  process.once('SIGINT', onSigint);
  try {
    // The first evaluation comes from a GET, so a missing object fails as kubectl's does.
    const first = await client.get(r, ns, name);
    const verdict = view(first, o.revision);
    out(verdict.message);
    if (verdict.done || !o.watch) return;
    let rv = first.metadata.resourceVersion ?? '';
    for (;;) {
      let finished = false;
      let failure: unknown;
      const result = await client.watch(
        r,
        ns,
        { fieldSelector, resourceVersion: rv, allowWatchBookmarks: true },
        (ev) => {
          if (finished) return;
          rv = ev.object.metadata.resourceVersion ?? rv;
          if (ev.type === 'BOOKMARK') return;
          if (ev.type === 'DELETED') {
            failure = new CliError('object has been deleted');
          } else {
            try {
              const v = view(ev.object, o.revision);
              out(v.message);
              if (!v.done) return;
            } catch (err) {
              failure = err;
            }
          }
          finished = true;
          abort.abort();
        },
        abort.signal,
      );
      if (failure !== undefined) throw failure;
      if (finished) return;
      if (timedOut) throw new CliError('timed out waiting for the condition');
      if (abort.signal.aborted) return;
      if (result === 'expired') {
        // Catch up from a fresh read, as a re-list would.
        const now = await client.get(r, ns, name);
        const v = view(now, o.revision);
        out(v.message);
        if (v.done) return;
        rv = now.metadata.resourceVersion ?? '';
      }
    }
  } catch (err) {
    if (timedOut && !(err instanceof CliError) && !isStatusError(err))
      throw new CliError('timed out waiting for the condition');
    throw err;
  } finally {
    if (timer) clearTimeout(timer);
    process.removeListener('SIGINT', onSigint);
  }
}

const REPLICASETS: ApiResource = {
  group: 'apps',
  version: 'v1',
  resource: 'replicasets',
  namespaced: true,
  kind: 'ReplicaSet',
  singular: 'replicaset',
  shortNames: [],
  categories: [],
  verbs: [],
};

const CONTROLLER_REVISIONS: ApiResource = {
  ...REPLICASETS,
  resource: 'controllerrevisions',
  kind: 'ControllerRevision',
  singular: 'controllerrevision',
};

/** Objects of `ref` that `owner` controls (by its selector and a controller ownerReference). */
async function controlled(
  client: KubeClient,
  ref: ApiResource,
  owner: KubeObject,
): Promise<KubeObject[]> {
  const selector = fromLabelSelector(
    ((owner.spec ?? {}) as Json).selector as Json | undefined,
  ).toString();
  const list = await client.list(ref, owner.metadata.namespace, { labelSelector: selector });
  return list.items.filter((o) =>
    (o.metadata.ownerReferences ?? []).some(
      (ref) => ref.controller === true && ref.uid === owner.metadata.uid,
    ),
  );
}

/** The ReplicaSets a Deployment controls. */
export function ownedReplicaSets(
  client: KubeClient,
  deployment: KubeObject,
): Promise<KubeObject[]> {
  return controlled(client, REPLICASETS, deployment);
}

/**
 * History entries (revision → change cause) of a workload: a Deployment's from its
 * ReplicaSets' revision annotations, a StatefulSet's or DaemonSet's from its ControllerRevisions.
 */
export async function rolloutHistory(
  client: KubeClient,
  r: ApiResource,
  obj: KubeObject,
): Promise<Map<number, string>> {
  const causes = new Map<number, string>();
  if (r.group === 'apps' && r.kind === 'Deployment') {
    for (const rs of await ownedReplicaSets(client, obj)) {
      const rev = revisionOf(rs);
      if (rev !== undefined) causes.set(rev, rs.metadata.annotations?.[CHANGE_CAUSE] ?? '');
    }
    return causes;
  }
  if (r.group === 'apps' && (r.kind === 'StatefulSet' || r.kind === 'DaemonSet')) {
    for (const cr of await controlled(client, CONTROLLER_REVISIONS, obj))
      causes.set(num(cr.revision), cr.metadata.annotations?.[CHANGE_CAUSE] ?? '');
    return causes;
  }
  throw new CliError(
    `no history viewer has been implemented for ${JSON.stringify(`${r.kind}.${r.group}`)}`,
  );
}

/** kubectl's history table (tabwriter padding 2): REVISION and CHANGE-CAUSE, oldest first. */
export function historyTable(causes: Map<number, string>): string {
  if (causes.size === 0) return 'No rollout history found.';
  const rows = [
    ['REVISION', 'CHANGE-CAUSE'],
    ...[...causes.keys()]
      .sort((a, b) => a - b)
      .map((rev) => [String(rev), causes.get(rev) || '<none>']),
  ];
  const width = Math.max(...rows.map((r) => (r[0] ?? '').length)) + 2;
  return rows.map(([a = '', b = '']) => `${a.padEnd(width)}${b}\n`).join('');
}

/** Which ReplicaSet `rollout undo` goes back to: the given revision, else the one before last. */
export function rollbackTarget(
  deployment: KubeObject,
  replicaSets: KubeObject[],
  toRevision: number,
): KubeObject {
  let latest: { rev: number; rs: KubeObject } | undefined;
  let previous: { rev: number; rs: KubeObject } | undefined;
  for (const rs of replicaSets) {
    const rev = revisionOf(rs);
    if (rev === undefined) continue;
    if (toRevision > 0) {
      if (rev === toRevision) return rs;
      continue;
    }
    if (!latest || latest.rev < rev) {
      previous = latest;
      latest = { rev, rs };
    } else if (!previous || previous.rev < rev) {
      previous = { rev, rs };
    }
  }
  if (toRevision > 0)
    throw new CliError(`unable to find specified revision ${toRevision} in history`);
  if (!previous)
    throw new CliError(
      `no rollout history found for deployment ${JSON.stringify(deployment.metadata.name ?? '')}`,
    );
  return previous.rs;
}

/** JSON with sorted keys and null fields dropped: equality as Go's typed comparison sees it. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .filter((k) => (v as Json)[k] !== undefined && (v as Json)[k] !== null)
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Json)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

/** A comparable form of a pod template, without the pod-template-hash label (EqualIgnoreHash). */
export function templateKey(template: unknown, dropHash = true): string {
  const t = structuredClone(template ?? {}) as { metadata?: { labels?: Record<string, string> } };
  if (dropHash && t.metadata?.labels) delete t.metadata.labels[POD_TEMPLATE_HASH];
  return canonical(t);
}

/** The JSON patch of `rollout undo`, or undefined when the template already matches. */
export function rollbackPatch(deployment: KubeObject, rs: KubeObject): unknown[] | undefined {
  const template = structuredClone(((rs.spec ?? {}) as Json).template ?? {}) as {
    metadata?: { labels?: Record<string, string> };
  };
  if (template.metadata?.labels) delete template.metadata.labels[POD_TEMPLATE_HASH];
  const current = ((deployment.spec ?? {}) as Json).template;
  if (canonical(current) === canonical(template)) return undefined;
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(deployment.metadata.annotations ?? {}))
    if (ROLLBACK_KEEP.has(k)) annotations[k] = v;
  for (const [k, v] of Object.entries(rs.metadata.annotations ?? {}))
    if (!ROLLBACK_KEEP.has(k)) annotations[k] = v;
  return [
    { op: 'replace', path: '/spec/template', value: template },
    { op: 'replace', path: '/metadata/annotations', value: annotations },
  ];
}

export async function undoDeployment(
  client: KubeClient,
  r: ApiResource,
  deployment: KubeObject,
  toRevision: number,
  dryRunServer: boolean,
): Promise<string> {
  if (((deployment.spec ?? {}) as Json).paused === true)
    throw new CliError(
      "you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again",
    );
  const rs = rollbackTarget(deployment, await ownedReplicaSets(client, deployment), toRevision);
  const patch = rollbackPatch(deployment, rs);
  // kubectl names the revision as it was asked for (0 when none was), not the one it found.
  if (!patch) return `skipped rollback (current template already matches revision ${toRevision})`;
  const name = deployment.metadata.name ?? '';
  try {
    await client.call(
      'PATCH',
      `${resourcePath(r, deployment.metadata.namespace, name)}${dryRunServer ? '?dryRun=All' : ''}`,
      patch,
      'application/json-patch+json',
    );
  } catch (err) {
    if (err instanceof Error)
      throw new CliError(`failed restoring revision ${toRevision}: ${err.message}`);
    throw err;
  }
  return 'rolled back';
}

/** Go's time.RFC3339 in local time: `2024-05-01T10:00:00Z` in UTC, else with `+02:00`. */
export function rfc3339Local(d: Date): string {
  const off = -d.getTimezoneOffset();
  const pad = (n: number): string => String(n).padStart(2, '0');
  const local = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  if (off === 0) return `${local}Z`;
  const sign = off > 0 ? '+' : '-';
  return `${local}${sign}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
}

export type RolloutVerb = 'restart' | 'pause' | 'resume';

/**
 * The strategic merge patch kubectl sends for restart/pause/resume, or the error it reports
 * (kubectl prefixes it with `error: <resource> "<name>"`).
 */
export function rolloutPatch(
  r: ApiResource,
  obj: KubeObject,
  verb: RolloutVerb,
  now: Date,
): { patch: Json } | { error: string } {
  const spec = (obj.spec ?? {}) as Json;
  const workload =
    r.group === 'apps' && ['Deployment', 'DaemonSet', 'StatefulSet'].includes(r.kind);
  const deployment = r.group === 'apps' && r.kind === 'Deployment';
  switch (verb) {
    case 'restart':
      if (!workload) return { error: 'restarting is not supported' };
      if (deployment && spec.paused === true)
        return { error: "can't restart paused deployment (run rollout resume first)" };
      return {
        patch: {
          spec: { template: { metadata: { annotations: { [RESTARTED_AT]: rfc3339Local(now) } } } },
        },
      };
    case 'pause':
      if (!deployment) return { error: 'pausing is not supported' };
      if (spec.paused === true) return { error: 'is already paused' };
      return { patch: { spec: { paused: true } } };
    case 'resume':
      if (!deployment) return { error: 'resuming is not supported' };
      if (spec.paused !== true) return { error: 'is not paused' };
      return { patch: { spec: { paused: null } } };
  }
}

/** restart / pause / resume over the named objects (or every object of a type), kubectl-style. */
export async function runRolloutPatch(
  client: KubeClient,
  all: ApiResource[],
  args: string[],
  namespace: string,
  verb: RolloutVerb,
  out: (s: string) => void,
  now: () => Date = () => new Date(),
): Promise<void> {
  const parsed = parseObjectArgs(all, args);
  if (parsed.named.length === 0 && parsed.types.length === 0)
    throw new CliError('required resource not specified');
  const { objects, errors } = await fetchObjects(client, parsed, namespace, undefined);
  const done = { restart: 'restarted', pause: 'paused', resume: 'resumed' }[verb];
  for (const { r, object } of objects) {
    const name = object.metadata.name ?? '';
    const result = rolloutPatch(r, object, verb, now());
    if ('error' in result) {
      const resourceString = r.group === '' ? r.resource : `${r.resource}.${r.group}`;
      errors.push(new CliError(`${resourceString} ${JSON.stringify(name)} ${result.error}`));
      continue;
    }
    try {
      await client.patch(
        r,
        r.namespaced ? object.metadata.namespace : undefined,
        name,
        result.patch,
        'strategic',
      );
    } catch (err) {
      if (!(err instanceof Error)) throw err;
      errors.push(new CliError(`failed to patch: ${err.message}`));
      continue;
    }
    out(operationLine(r, name, done));
  }
  throwAggregate(errors);
}
