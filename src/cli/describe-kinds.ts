// One describer per kind kubectl 1.32 has a layout for (pkg/describe describerMap), each
// fetching what kubectl fetches besides the object (controlled pods, ReplicaSets, endpoint
// slices, node pods and lease, token secrets) and printing it in the same order and words.
import { fromLabelSelector } from '../api/labels.js';
import { isStatusError } from '../api/status.js';
import { translateTimestampSince } from '../api/duration.js';
import type { KubeObject } from '../api/types.js';
import { CORE, type KubeClient, type ResourceRef } from '../client/rest.js';
import {
  describePod,
  describePodTemplate,
  formatLabelSelector,
  printHostPath,
  printNfs,
} from './describe-pods.js';
import {
  arr,
  controllerOf,
  describeEvents,
  formatLabels,
  LEVEL_0,
  LEVEL_1,
  LEVEL_2,
  LEVEL_3,
  num,
  obj,
  printAnnotations,
  printLabels,
  printTaints,
  PrefixWriter,
  refOf,
  rfc1123z,
  searchEvents,
  str,
  strMap,
  strs,
  type Json,
} from './describe-writer.js';
import { templateKey } from './rollout.js';
import { quantityMilli, quantityValue } from '../api/quantity.js';

export interface DescribeContext {
  client: KubeClient;
  now: Date;
  /** --show-events (default true). */
  showEvents: boolean;
}

export type KindDescriber = (ctx: DescribeContext, o: KubeObject, kind: string) => Promise<string>;

const ref = (group: string, version: string, resource: string, namespaced = true): ResourceRef => ({
  group,
  version,
  resource,
  namespaced,
});
const REPLICASETS = ref('apps', 'v1', 'replicasets');
const ENDPOINTSLICES = ref('discovery.k8s.io', 'v1', 'endpointslices');
const SECRETS = ref('', 'v1', 'secrets');
const RESOURCEQUOTAS = ref('', 'v1', 'resourcequotas');
const LIMITRANGES = ref('', 'v1', 'limitranges');

const events = (ctx: DescribeContext, o: KubeObject, kind: string): Promise<Json[] | undefined> =>
  ctx.showEvents
    ? searchEvents(ctx.client, refOf(o, kind)).catch(() => [])
    : Promise.resolve(undefined);

const spec = (o: KubeObject): Json => obj(o.spec);
const status = (o: KubeObject): Json => obj(o.status);

function header(w: PrefixWriter, o: KubeObject, namespace = true): void {
  w.write(LEVEL_0, `Name:\t${o.metadata.name ?? ''}\n`);
  if (namespace) w.write(LEVEL_0, `Namespace:\t${o.metadata.namespace ?? ''}\n`);
}

/** getPodStatusForController: phases of the pods the selector matches that `o` controls. */
async function podPhases(ctx: DescribeContext, o: KubeObject, selector: string): Promise<string> {
  const pods = await ctx.client.list(CORE.pods, o.metadata.namespace, { labelSelector: selector });
  const counts: Record<string, number> = { Running: 0, Pending: 0, Succeeded: 0, Failed: 0 };
  for (const p of pods.items) {
    const owner = (p.metadata.ownerReferences ?? []).find((r) => r.controller === true);
    if (!owner || owner.uid !== o.metadata.uid) continue;
    const phase = str(status(p).phase);
    if (phase in counts) counts[phase] = (counts[phase] ?? 0) + 1;
  }
  return `${counts.Running} Running / ${counts.Pending} Waiting / ${counts.Succeeded} Succeeded / ${counts.Failed} Failed`;
}

function workloadConditions(w: PrefixWriter, o: KubeObject): void {
  const conditions = arr(status(o).conditions);
  if (conditions.length === 0) return;
  w.write(LEVEL_0, 'Conditions:\n  Type\tStatus\tReason\n');
  w.write(LEVEL_1, '----\t------\t------\n');
  for (const c of conditions)
    w.write(LEVEL_1, `${str(c.type)} \t${str(c.status)}\t${str(c.reason)}\n`);
}

const selectorOf = (o: KubeObject): string => fromLabelSelector(obj(spec(o).selector)).toString();

const pod: KindDescriber = async (ctx, o) => {
  const evs = ctx.showEvents
    ? await searchEvents(ctx.client, {
        name: o.metadata.name ?? '',
        namespace: o.metadata.namespace,
        uid: o.metadata.annotations?.['kubernetes.io/config.mirror'] ?? o.metadata.uid,
      }).catch(() => [])
    : undefined;
  return describePod(o, evs, ctx.now);
};

const replicaSet: KindDescriber = async (ctx, o, kind) => {
  const [phases, evs] = await Promise.all([
    podPhases(ctx, o, selectorOf(o)).catch((e: Error) => ({ error: e })),
    events(ctx, o, kind),
  ]);
  const w = new PrefixWriter();
  header(w, o);
  w.write(LEVEL_0, `Selector:\t${formatLabelSelector(obj(spec(o).selector))}\n`);
  printLabels(w, 'Labels', o.metadata.labels);
  printAnnotations(w, 'Annotations', o.metadata.annotations);
  const by = controllerOf(o);
  if (by !== '') w.write(LEVEL_0, `Controlled By:\t${by}\n`);
  w.write(
    LEVEL_0,
    `Replicas:\t${num(status(o).replicas)} current / ${num(spec(o).replicas)} desired\n`,
  );
  w.write(LEVEL_0, 'Pods Status:\t');
  if (typeof phases === 'string') w.write(LEVEL_0, `${phases}\n`);
  else w.write(LEVEL_0, `error in fetching pods: ${phases.error.message}\n`);
  describePodTemplate(w, obj(spec(o).template));
  workloadConditions(w, o);
  describeEvents(w, evs, ctx.now);
  return w.done();
};

const deployment: KindDescriber = async (ctx, o, kind) => {
  const [evs, rsList] = await Promise.all([
    events(ctx, o, kind),
    ctx.client.list(REPLICASETS, o.metadata.namespace).catch(() => undefined),
  ]);
  const d = spec(o);
  const owned = (rsList?.items ?? [])
    .filter((rs) =>
      (rs.metadata.ownerReferences ?? []).some(
        (r) => r.controller === true && r.uid === o.metadata.uid,
      ),
    )
    .sort(
      (a, b) =>
        String(a.metadata.creationTimestamp).localeCompare(String(b.metadata.creationTimestamp)) ||
        String(a.metadata.name).localeCompare(String(b.metadata.name)),
    );
  const wanted = templateKey(d.template);
  const newRS = owned.find((rs) => templateKey(obj(rs.spec).template) === wanted);
  const oldRSs = owned.filter((rs) => rs !== newRS);
  const w = new PrefixWriter();
  header(w, o);
  w.write(LEVEL_0, `CreationTimestamp:\t${rfc1123z(o.metadata.creationTimestamp)}\n`);
  printLabels(w, 'Labels', o.metadata.labels);
  printAnnotations(w, 'Annotations', o.metadata.annotations);
  const s = status(o);
  w.write(LEVEL_0, `Selector:\t${selectorOf(o)}\n`);
  w.write(
    LEVEL_0,
    `Replicas:\t${num(d.replicas)} desired | ${num(s.updatedReplicas)} updated | ${num(s.replicas)} total | ${num(s.availableReplicas)} available | ${num(s.unavailableReplicas)} unavailable\n`,
  );
  const strategy = obj(d.strategy);
  w.write(LEVEL_0, `StrategyType:\t${str(strategy.type)}\n`);
  w.write(LEVEL_0, `MinReadySeconds:\t${num(d.minReadySeconds)}\n`);
  if (strategy.rollingUpdate) {
    const ru = obj(strategy.rollingUpdate);
    w.write(
      LEVEL_0,
      `RollingUpdateStrategy:\t${str(ru.maxUnavailable)} max unavailable, ${str(ru.maxSurge)} max surge\n`,
    );
  }
  describePodTemplate(w, obj(d.template));
  workloadConditions(w, o);
  const list = (rss: KubeObject[]): string =>
    rss
      .map(
        (rs) =>
          `${rs.metadata.name ?? ''} (${num(status(rs).replicas)}/${num(spec(rs).replicas)} replicas created)`,
      )
      .join(', ') || '<none>';
  if (owned.length > 0) {
    w.write(LEVEL_0, `OldReplicaSets:\t${list(oldRSs)}\n`);
    w.write(LEVEL_0, `NewReplicaSet:\t${list(newRS ? [newRS] : [])}\n`);
  }
  describeEvents(w, evs, ctx.now);
  return w.done();
};

const statefulSet: KindDescriber = async (ctx, o, kind) => {
  const selector = selectorOf(o);
  const [phases, evs] = await Promise.all([podPhases(ctx, o, selector), events(ctx, o, kind)]);
  const w = new PrefixWriter();
  header(w, o);
  w.write(LEVEL_0, `CreationTimestamp:\t${rfc1123z(o.metadata.creationTimestamp)}\n`);
  w.write(LEVEL_0, `Selector:\t${selector}\n`);
  printLabels(w, 'Labels', o.metadata.labels);
  printAnnotations(w, 'Annotations', o.metadata.annotations);
  w.write(
    LEVEL_0,
    `Replicas:\t${num(spec(o).replicas)} desired | ${num(status(o).replicas)} total\n`,
  );
  const strategy = obj(spec(o).updateStrategy);
  w.write(LEVEL_0, `Update Strategy:\t${str(strategy.type)}\n`);
  if (strategy.rollingUpdate) {
    const ru = obj(strategy.rollingUpdate);
    if (ru.partition !== undefined) {
      w.write(LEVEL_1, `Partition:\t${num(ru.partition)}\n`);
      if (ru.maxUnavailable !== undefined)
        w.write(LEVEL_1, `MaxUnavailable:\t${str(ru.maxUnavailable)}\n`);
    }
  }
  w.write(LEVEL_0, `Pods Status:\t${phases}\n`);
  describePodTemplate(w, obj(spec(o).template));
  const templates = arr(spec(o).volumeClaimTemplates);
  if (templates.length === 0) w.write(LEVEL_0, 'Volume Claims:\t<none>\n');
  else {
    w.write(LEVEL_0, 'Volume Claims:\n');
    for (const pvc of templates) {
      const meta = obj(pvc.metadata);
      const ps = obj(pvc.spec);
      w.write(LEVEL_1, `Name:\t${str(meta.name)}\n`);
      w.write(LEVEL_1, `StorageClass:\t${storageClassOf(meta, ps)}\n`);
      printLabels(w, 'Labels', strMap(meta.labels), '  ');
      printLabels(w, 'Annotations', strMap(meta.annotations), '  ');
      const capacity = obj(obj(ps.resources).requests).storage;
      w.write(LEVEL_1, `Capacity:\t${capacity === undefined ? '<default>' : str(capacity)}\n`);
      w.write(LEVEL_1, `Access Modes:\t[${strs(ps.accessModes).join(' ')}]\n`);
    }
  }
  describeEvents(w, evs, ctx.now);
  return w.done();
};

const daemonSet: KindDescriber = async (ctx, o, kind) => {
  const selector = selectorOf(o);
  const [phases, evs] = await Promise.all([podPhases(ctx, o, selector), events(ctx, o, kind)]);
  const w = new PrefixWriter();
  const s = status(o);
  w.write(LEVEL_0, `Name:\t${o.metadata.name ?? ''}\n`);
  w.write(LEVEL_0, `Selector:\t${selector}\n`);
  const nodeSelector = strMap(obj(obj(spec(o).template).spec).nodeSelector);
  w.write(LEVEL_0, `Node-Selector:\t${formatLabels(nodeSelector)}\n`);
  printLabels(w, 'Labels', o.metadata.labels);
  printAnnotations(w, 'Annotations', o.metadata.annotations);
  w.write(LEVEL_0, `Desired Number of Nodes Scheduled: ${num(s.desiredNumberScheduled)}\n`);
  w.write(LEVEL_0, `Current Number of Nodes Scheduled: ${num(s.currentNumberScheduled)}\n`);
  w.write(
    LEVEL_0,
    `Number of Nodes Scheduled with Up-to-date Pods: ${num(s.updatedNumberScheduled)}\n`,
  );
  w.write(LEVEL_0, `Number of Nodes Scheduled with Available Pods: ${num(s.numberAvailable)}\n`);
  w.write(LEVEL_0, `Number of Nodes Misscheduled: ${num(s.numberMisscheduled)}\n`);
  w.write(LEVEL_0, `Pods Status:\t${phases}\n`);
  describePodTemplate(w, obj(spec(o).template));
  describeEvents(w, evs, ctx.now);
  return w.done();
};

const job: KindDescriber = async (ctx, o, kind) => {
  const evs = await events(ctx, o, kind);
  const w = new PrefixWriter();
  const j = spec(o);
  const s = status(o);
  header(w, o);
  w.write(LEVEL_0, `Selector:\t${selectorOf(o)}\n`);
  printLabels(w, 'Labels', o.metadata.labels);
  printAnnotations(w, 'Annotations', o.metadata.annotations);
  const by = controllerOf(o);
  if (by !== '') w.write(LEVEL_0, `Controlled By:\t${by}\n`);
  if (j.parallelism !== undefined) w.write(LEVEL_0, `Parallelism:\t${num(j.parallelism)}\n`);
  w.write(
    LEVEL_0,
    `Completions:\t${j.completions === undefined || j.completions === null ? '<unset>' : num(j.completions)}\n`,
  );
  if (j.completionMode !== undefined)
    w.write(LEVEL_0, `Completion Mode:\t${str(j.completionMode)}\n`);
  if (j.suspend !== undefined) w.write(LEVEL_0, `Suspend:\t${str(j.suspend)}\n`);
  if (j.backoffLimit !== undefined) w.write(LEVEL_0, `Backoff Limit:\t${num(j.backoffLimit)}\n`);
  if (j.ttlSecondsAfterFinished !== undefined)
    w.write(LEVEL_0, `TTL Seconds After Finished:\t${num(j.ttlSecondsAfterFinished)}\n`);
  if (s.startTime) w.write(LEVEL_0, `Start Time:\t${rfc1123z(s.startTime)}\n`);
  if (s.completionTime) w.write(LEVEL_0, `Completed At:\t${rfc1123z(s.completionTime)}\n`);
  if (s.startTime && s.completionTime)
    w.write(
      LEVEL_0,
      `Duration:\t${translateTimestampSince(s.startTime, new Date(str(s.completionTime)))}\n`,
    );
  if (j.activeDeadlineSeconds !== undefined)
    w.write(LEVEL_0, `Active Deadline Seconds:\t${num(j.activeDeadlineSeconds)}s\n`);
  if (s.ready === undefined)
    w.write(
      LEVEL_0,
      `Pods Statuses:\t${num(s.active)} Active / ${num(s.succeeded)} Succeeded / ${num(s.failed)} Failed\n`,
    );
  else
    w.write(
      LEVEL_0,
      `Pods Statuses:\t${num(s.active)} Active (${num(s.ready)} Ready) / ${num(s.succeeded)} Succeeded / ${num(s.failed)} Failed\n`,
    );
  if (j.completionMode === 'Indexed') {
    const indexes = str(s.completedIndexes);
    let shown = indexes === '' ? '<none>' : indexes;
    if (indexes.length > 50) {
      const comma = indexes.indexOf(',', 50);
      if (comma >= 0) shown = `${indexes.slice(0, comma + 1)}...`;
    }
    w.write(LEVEL_0, `Completed Indexes:\t${shown}\n`);
  }
  describePodTemplate(w, obj(j.template));
  describeEvents(w, evs, ctx.now);
  return w.done();
};

const cronJob: KindDescriber = async (ctx, o, kind) => {
  const evs = await events(ctx, o, kind);
  const w = new PrefixWriter();
  const c = spec(o);
  const unset = (v: unknown, suffix = ''): string =>
    v === undefined || v === null ? '<unset>' : `${num(v)}${suffix}`;
  header(w, o);
  printLabels(w, 'Labels', o.metadata.labels);
  printAnnotations(w, 'Annotations', o.metadata.annotations);
  w.write(LEVEL_0, `Schedule:\t${str(c.schedule)}\n`);
  w.write(LEVEL_0, `Concurrency Policy:\t${str(c.concurrencyPolicy)}\n`);
  w.write(
    LEVEL_0,
    `Suspend:\t${c.suspend === undefined ? '<unset>' : c.suspend === true ? 'True' : 'False'}\n`,
  );
  w.write(LEVEL_0, `Successful Job History Limit:\t${unset(c.successfulJobsHistoryLimit)}\n`);
  w.write(LEVEL_0, `Failed Job History Limit:\t${unset(c.failedJobsHistoryLimit)}\n`);
  w.write(LEVEL_0, `Starting Deadline Seconds:\t${unset(c.startingDeadlineSeconds, 's')}\n`);
  const jt = obj(obj(c.jobTemplate).spec);
  w.write(
    LEVEL_0,
    `Selector:\t${jt.selector ? fromLabelSelector(obj(jt.selector)).toString() : '<unset>'}\n`,
  );
  w.write(LEVEL_0, `Parallelism:\t${unset(jt.parallelism)}\n`);
  w.write(LEVEL_0, `Completions:\t${unset(jt.completions)}\n`);
  if (jt.activeDeadlineSeconds !== undefined)
    w.write(LEVEL_0, `Active Deadline Seconds:\t${num(jt.activeDeadlineSeconds)}s\n`);
  describePodTemplate(w, obj(jt.template));
  const s = status(o);
  w.write(
    LEVEL_0,
    `Last Schedule Time:\t${s.lastScheduleTime ? rfc1123z(s.lastScheduleTime) : '<unset>'}\n`,
  );
  const active = arr(s.active);
  w.write(LEVEL_0, 'Active Jobs:\t');
  w.writeLine(active.length === 0 ? '<none>' : active.map((a) => str(a.name)).join(', '));
  describeEvents(w, evs, ctx.now);
  return w.done();
};

const service: KindDescriber = async (ctx, o, kind) => {
  const [slices, evs] = await Promise.all([
    ctx.client
      .list(ENDPOINTSLICES, o.metadata.namespace, {
        labelSelector: `kubernetes.io/service-name=${o.metadata.name ?? ''}`,
      })
      .then((l) => l.items as unknown as Json[])
      .catch(() => []),
    events(ctx, o, kind),
  ]);
  const w = new PrefixWriter();
  const s = spec(o);
  header(w, o);
  printLabels(w, 'Labels', o.metadata.labels);
  printAnnotations(w, 'Annotations', o.metadata.annotations);
  w.write(LEVEL_0, `Selector:\t${formatLabels(strMap(s.selector))}\n`);
  w.write(LEVEL_0, `Type:\t${str(s.type)}\n`);
  if (s.ipFamilyPolicy !== undefined)
    w.write(LEVEL_0, `IP Family Policy:\t${str(s.ipFamilyPolicy)}\n`);
  const families = strs(s.ipFamilies);
  w.write(LEVEL_0, `IP Families:\t${families.length > 0 ? families.join(',') : '<none>'}\n`);
  w.write(LEVEL_0, `IP:\t${str(s.clusterIP)}\n`);
  const ips = strs(s.clusterIPs);
  w.write(LEVEL_0, `IPs:\t${ips.length > 0 ? ips.join(',') : '<none>'}\n`);
  if (strs(s.externalIPs).length > 0)
    w.write(LEVEL_0, `External IPs:\t${strs(s.externalIPs).join(',')}\n`);
  if (str(s.loadBalancerIP) !== '')
    w.write(LEVEL_0, `Desired LoadBalancer IP:\t${str(s.loadBalancerIP)}\n`);
  if (str(s.externalName) !== '') w.write(LEVEL_0, `External Name:\t${str(s.externalName)}\n`);
  const ingress = arr(obj(status(o).loadBalancer).ingress);
  if (ingress.length > 0) {
    const text = ingress
      .map((i) =>
        str(i.ip) !== ''
          ? `${str(i.ip)}${i.ipMode !== undefined ? ` (${str(i.ipMode)})` : ''}`
          : str(i.hostname),
      )
      .join(', ');
    w.write(LEVEL_0, `LoadBalancer Ingress:\t${text}\n`);
  }
  for (const p of arr(s.ports)) {
    const name = str(p.name) === '' ? '<unset>' : str(p.name);
    const proto = str(p.protocol);
    w.write(LEVEL_0, `Port:\t${name}\t${num(p.port)}/${proto}\n`);
    w.write(LEVEL_0, `TargetPort:\t${str(p.targetPort)}/${proto}\n`);
    if (num(p.nodePort) !== 0)
      w.write(LEVEL_0, `NodePort:\t${name}\t${num(p.nodePort)}/${proto}\n`);
    w.write(LEVEL_0, `Endpoints:\t${formatEndpointSlices(slices, str(p.name))}\n`);
  }
  w.write(LEVEL_0, `Session Affinity:\t${str(s.sessionAffinity)}\n`);
  if (str(s.externalTrafficPolicy) !== '')
    w.write(LEVEL_0, `External Traffic Policy:\t${str(s.externalTrafficPolicy)}\n`);
  if (s.internalTrafficPolicy !== undefined)
    w.write(LEVEL_0, `Internal Traffic Policy:\t${str(s.internalTrafficPolicy)}\n`);
  if (num(s.healthCheckNodePort) !== 0)
    w.write(LEVEL_0, `HealthCheck NodePort:\t${num(s.healthCheckNodePort)}\n`);
  if (strs(s.loadBalancerSourceRanges).length > 0)
    w.write(
      LEVEL_0,
      `LoadBalancer Source Ranges:\t${strs(s.loadBalancerSourceRanges).join(',')}\n`,
    );
  describeEvents(w, evs, ctx.now);
  return w.done();
};

/** formatEndpointSlices: up to three ready `ip:port`s for the named port, then `+ N more...`. */
function formatEndpointSlices(slices: Json[], portName: string): string {
  if (slices.length === 0) return '<none>';
  const list: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  const hostPort = (ip: string, port: number): string =>
    ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
  for (const slice of slices) {
    const ports = arr(slice.ports);
    const endpoints = arr(slice.endpoints);
    const entries: Array<[Json, number | undefined]> =
      ports.length === 0
        ? endpoints.map((e) => [e, undefined])
        : ports
            .filter((p) => str(p.name) === portName)
            .flatMap((p) => endpoints.map((e): [Json, number] => [e, num(p.port)]));
    for (const [e, port] of entries) {
      if (list.length === max) more = true;
      const ready = obj(e.conditions).ready;
      if (ready === false) continue;
      const addr = strs(e.addresses)[0] ?? '';
      if (!more) list.push(port === undefined ? addr : hostPort(addr, port));
      count++;
    }
  }
  const text = list.join(',');
  return more ? `${text} + ${count - max} more...` : text;
}

const endpoints: KindDescriber = async (ctx, o, kind) => {
  const evs = await events(ctx, o, kind);
  const w = new PrefixWriter();
  header(w, o);
  printLabels(w, 'Labels', o.metadata.labels);
  printAnnotations(w, 'Annotations', o.metadata.annotations);
  w.write(LEVEL_0, 'Subsets:\n');
  for (const subset of arr((o as Json).subsets)) {
    const ips = (key: string): string =>
      arr(subset[key])
        .map((a) => str(a.ip))
        .join(',') || '<none>';
    w.write(LEVEL_1, `Addresses:\t${ips('addresses')}\n`);
    w.write(LEVEL_1, `NotReadyAddresses:\t${ips('notReadyAddresses')}\n`);
    const ports = arr(subset.ports);
    if (ports.length > 0) {
      w.write(LEVEL_1, 'Ports:\n');
      w.write(LEVEL_2, 'Name\tPort\tProtocol\n');
      w.write(LEVEL_2, '----\t----\t--------\n');
      for (const p of ports)
        w.write(
          LEVEL_2,
          `${str(p.name) === '' ? '<unset>' : str(p.name)}\t${num(p.port)}\t${str(p.protocol)}\n`,
        );
    }
    w.write(LEVEL_0, '\n');
  }
  describeEvents(w, evs, ctx.now);
  return w.done();
};

const configMap: KindDescriber = async (ctx, o, kind) => {
  const evs = await events(ctx, o, kind);
  const w = new PrefixWriter();
  header(w, o);
  printLabels(w, 'Labels', o.metadata.labels);
  printAnnotations(w, 'Annotations', o.metadata.annotations);
  w.write(LEVEL_0, '\nData\n====\n');
  // kubectl walks a Go map here (random order); sorted keys are one of its orders.
  const data = strMap((o as Json).data);
  for (const k of Object.keys(data).sort()) {
    w.write(LEVEL_0, `${k}:\n----\n`);
    w.write(LEVEL_0, `${data[k] ?? ''}\n`);
    w.write(LEVEL_0, '\n');
  }
  w.write(LEVEL_0, '\nBinaryData\n====\n');
  const binary = strMap((o as Json).binaryData);
  for (const k of Object.keys(binary).sort())
    w.write(LEVEL_0, `${k}: ${Buffer.from(binary[k] ?? '', 'base64').length} bytes\n`);
  w.write(LEVEL_0, '\n');
  describeEvents(w, evs, ctx.now);
  return w.done();
};

const secret: KindDescriber = (_ctx, o) => {
  const w = new PrefixWriter();
  header(w, o);
  printLabels(w, 'Labels', o.metadata.labels);
  printAnnotations(w, 'Annotations', o.metadata.annotations);
  const type = str((o as Json).type);
  w.write(LEVEL_0, `\nType:\t${type}\n`);
  w.write(LEVEL_0, '\nData\n====\n');
  const data = strMap((o as Json).data);
  for (const k of Object.keys(data).sort()) {
    const bytes = Buffer.from(data[k] ?? '', 'base64');
    if (k === 'token' && type === 'kubernetes.io/service-account-token')
      w.write(LEVEL_0, `${k}:\t${bytes.toString('utf8')}\n`);
    else w.write(LEVEL_0, `${k}:\t${bytes.length} bytes\n`);
  }
  return Promise.resolve(w.done());
};

const serviceAccount: KindDescriber = async (ctx, o, kind) => {
  const [secrets, evs] = await Promise.all([
    ctx.client.list(SECRETS, o.metadata.namespace).catch(() => undefined),
    events(ctx, o, kind),
  ]);
  const tokens: string[] = [];
  const missing = new Set<string>();
  const sa = o as Json;
  if (secrets) {
    const existing = new Set<string>();
    for (const s of secrets.items) {
      const a = s.metadata.annotations ?? {};
      if (
        (s as Json).type === 'kubernetes.io/service-account-token' &&
        a['kubernetes.io/service-account.name'] === o.metadata.name &&
        a['kubernetes.io/service-account.uid'] === o.metadata.uid
      )
        tokens.push(s.metadata.name ?? '');
      existing.add(s.metadata.name ?? '');
    }
    for (const s of [...arr(sa.secrets), ...arr(sa.imagePullSecrets)])
      if (!existing.has(str(s.name))) missing.add(str(s.name));
  }
  const w = new PrefixWriter();
  header(w, o);
  printLabels(w, 'Labels', o.metadata.labels);
  printAnnotations(w, 'Annotations', o.metadata.annotations);
  const groups: Array<[string, string[]]> = [
    ['Image pull secrets:', arr(sa.imagePullSecrets).map((s) => str(s.name))],
    ['Mountable secrets: ', arr(sa.secrets).map((s) => str(s.name))],
    ['Tokens:            ', tokens],
  ];
  for (const [head, names] of groups) {
    if (names.length === 0) {
      w.write(LEVEL_0, `${head}\t<none>\n`);
      continue;
    }
    let prefix = head;
    for (const n of names) {
      w.write(LEVEL_0, `${prefix}\t${n}${missing.has(n) ? ' (not found)' : ''}\n`);
      prefix = ' '.repeat(19);
    }
  }
  describeEvents(w, evs, ctx.now);
  return w.done();
};

const namespace: KindDescriber = async (ctx, o) => {
  const name = o.metadata.name ?? '';
  const optionalList = (r: ResourceRef): Promise<KubeObject[] | undefined> =>
    ctx.client.list(r, name).then(
      (l) => l.items,
      (err: unknown) => {
        if (isStatusError(err) && err.reason === 'NotFound') return undefined;
        throw err;
      },
    );
  const [quotas, limits] = await Promise.all([
    optionalList(RESOURCEQUOTAS),
    optionalList(LIMITRANGES),
  ]);
  const w = new PrefixWriter();
  w.write(LEVEL_0, `Name:\t${name}\n`);
  printLabels(w, 'Labels', o.metadata.labels);
  printAnnotations(w, 'Annotations', o.metadata.annotations);
  w.write(LEVEL_0, `Status:\t${str(status(o).phase)}\n`);
  const conditions = arr(status(o).conditions);
  if (conditions.length > 0) {
    w.write(LEVEL_0, 'Conditions:\n');
    w.write(LEVEL_1, 'Type\tStatus\tLastTransitionTime\tReason\tMessage\n');
    w.write(LEVEL_1, '----\t------\t------------------\t------\t-------\n');
    for (const c of conditions)
      w.write(
        LEVEL_1,
        `${str(c.type)}\t${str(c.status)}\t${rfc1123z(c.lastTransitionTime)}\t${str(c.reason)}\t${str(c.message)}\n`,
      );
  }
  if (quotas !== undefined) {
    w.write(LEVEL_0, '\n');
    if (quotas.length === 0) w.write(LEVEL_0, 'No resource quota.\n');
    else describeQuotas(w, quotas);
  }
  if (limits !== undefined) {
    w.write(LEVEL_0, '\n');
    if (limits.length === 0) w.write(LEVEL_0, 'No LimitRange resource.\n');
    else describeLimitRanges(w, limits);
  }
  return w.done();
};

/** DescribeResourceQuotas (scopes and their help text are left out: kbox has no scoped quotas). */
function describeQuotas(w: PrefixWriter, quotas: KubeObject[]): void {
  w.write(LEVEL_0, 'Resource Quotas\n');
  const sorted = [...quotas].sort((a, b) =>
    String(a.metadata.name).localeCompare(String(b.metadata.name)),
  );
  for (const q of sorted) {
    w.write(LEVEL_0, ` Name:\t${q.metadata.name ?? ''}\n`);
    w.write(LEVEL_1, 'Resource\tUsed\tHard\n');
    w.write(LEVEL_1, '--------\t---\t---\n');
    const hard = strMap(status(q).hard);
    const used = strMap(status(q).used);
    for (const r of Object.keys(hard).sort())
      w.write(LEVEL_1, `${r}\t${used[r] ?? '0'}\t${hard[r] ?? ''}\n`);
  }
}

function describeLimitRanges(w: PrefixWriter, limits: KubeObject[]): void {
  w.write(LEVEL_0, 'Resource Limits\n');
  for (const lr of limits) {
    w.write(LEVEL_0, ` Name:\t${lr.metadata.name ?? ''}\n`);
    w.write(
      LEVEL_0,
      ' Type\tResource\tMin\tMax\tDefault Request\tDefault Limit\tMax Limit/Request Ratio\n',
    );
    w.write(
      LEVEL_0,
      ' ----\t--------\t---\t---\t---------------\t-------------\t-----------------------\n',
    );
    for (const item of arr(spec(lr).limits)) {
      const cols = ['min', 'max', 'defaultRequest', 'default', 'maxLimitRequestRatio'].map((k) =>
        strMap(item[k]),
      );
      const names = [...new Set(cols.flatMap((c) => Object.keys(c)))].sort();
      for (const n of names) {
        const cells = cols.map((c) => c[n] ?? '-');
        w.write(LEVEL_0, ` ${str(item.type)}\t${n}\t${cells.join('\t')}\n`);
      }
    }
  }
}

/** storageutil.GetPersistentVolume(Claim)Class: the beta annotation first, then the spec. */
function storageClassOf(meta: Json, ps: Json): string {
  const beta = strMap(meta.annotations)['volume.beta.kubernetes.io/storage-class'];
  if (beta !== undefined) return beta;
  return str(ps.storageClassName);
}

const persistentVolumeClaim: KindDescriber = async (ctx, o, kind) => {
  const [pods, evs] = await Promise.all([
    ctx.client.list(CORE.pods, o.metadata.namespace),
    events(ctx, o, kind),
  ]);
  const users: KubeObject[] = [];
  for (const p of pods.items)
    for (const v of arr(spec(p).volumes))
      if (
        str(obj(v.persistentVolumeClaim).claimName) === o.metadata.name &&
        v.persistentVolumeClaim
      )
        users.push(p);
  for (const owner of o.metadata.ownerReferences ?? []) {
    if (owner.kind !== 'Pod') continue;
    const p = pods.items.find((x) => x.metadata.uid === owner.uid);
    if (p && !users.some((u) => u.metadata.uid === p.metadata.uid)) users.push(p);
  }
  const w = new PrefixWriter();
  const s = spec(o);
  const st = status(o);
  header(w, o);
  w.write(LEVEL_0, `StorageClass:\t${storageClassOf(o.metadata as Json, s)}\n`);
  if (o.metadata.deletionTimestamp)
    w.write(
      LEVEL_0,
      `Status:\tTerminating (lasts ${translateTimestampSince(o.metadata.deletionTimestamp, ctx.now)})\n`,
    );
  else w.write(LEVEL_0, `Status:\t${str(st.phase)}\n`);
  w.write(LEVEL_0, `Volume:\t${str(s.volumeName)}\n`);
  printLabels(w, 'Labels', o.metadata.labels);
  printAnnotations(w, 'Annotations', o.metadata.annotations);
  w.write(LEVEL_0, `Finalizers:\t[${(o.metadata.finalizers ?? []).join(' ')}]\n`);
  let capacity = '';
  let modes = '';
  if (str(s.volumeName) !== '') {
    modes = accessModes(strs(st.accessModes));
    capacity = str(obj(st.capacity).storage) || '0';
  }
  w.write(LEVEL_0, `Capacity:\t${capacity}\n`);
  w.write(LEVEL_0, `Access Modes:\t${modes}\n`);
  if (s.volumeMode !== undefined) w.write(LEVEL_0, `VolumeMode:\t${str(s.volumeMode)}\n`);
  if (s.dataSource) {
    const ds = obj(s.dataSource);
    w.write(LEVEL_0, 'DataSource:\n');
    if (ds.apiGroup !== undefined) w.write(LEVEL_1, `APIGroup:\t${str(ds.apiGroup)}\n`);
    w.write(LEVEL_1, `Kind:\t${str(ds.kind)}\n`);
    w.write(LEVEL_1, `Name:\t${str(ds.name)}\n`);
  }
  w.write(LEVEL_0, 'Used By:\t');
  const names = users.map((u) => u.metadata.name ?? '').sort();
  if (names.length === 0) w.writeLine('<none>');
  for (const [i, n] of names.entries()) {
    if (i !== 0) w.write(LEVEL_0, '\t');
    w.write(LEVEL_0, `${n}\n`);
  }
  const conditions = arr(st.conditions);
  if (conditions.length > 0) {
    w.write(LEVEL_0, 'Conditions:\n');
    w.write(LEVEL_1, 'Type\tStatus\tLastProbeTime\tLastTransitionTime\tReason\tMessage\n');
    w.write(LEVEL_1, '----\t------\t-----------------\t------------------\t------\t-------\n');
    for (const c of conditions)
      w.write(
        LEVEL_1,
        `${str(c.type)} \t${str(c.status)} \t${rfc1123z(c.lastProbeTime)} \t${rfc1123z(c.lastTransitionTime)} \t${str(c.reason)} \t${str(c.message)}\n`,
      );
  }
  describeEvents(w, evs, ctx.now);
  return w.done();
};

/** storageutil.GetAccessModesAsString: RWO,ROX,RWX,RWOP in that order, each once. */
function accessModes(modes: string[]): string {
  const short: Array<[string, string]> = [
    ['ReadWriteOnce', 'RWO'],
    ['ReadOnlyMany', 'ROX'],
    ['ReadWriteMany', 'RWX'],
    ['ReadWriteOncePod', 'RWOP'],
  ];
  return short
    .filter(([m]) => modes.includes(m))
    .map(([, s]) => s)
    .join(',');
}

const node: KindDescriber = async (ctx, o) => {
  const name = o.metadata.name ?? '';
  const byUid = ctx.showEvents
    ? searchEvents(ctx.client, { kind: 'Node', name, namespace: '', uid: o.metadata.uid }).catch(
        () => [],
      )
    : Promise.resolve(undefined);
  const byName = ctx.showEvents
    ? searchEvents(ctx.client, { kind: 'Node', name, namespace: '', uid: name }).catch(() => [])
    : Promise.resolve(undefined);
  const [pods, lease, evUid, evName] = await Promise.all([
    ctx.client.list(CORE.pods, undefined, {
      fieldSelector: `spec.nodeName=${name},status.phase!=Failed,status.phase!=Succeeded`,
    }),
    ctx.client.get(CORE.leases, 'kube-node-lease', name).catch((e: Error) => e),
    byUid,
    byName,
  ]);
  const evs = evUid && evName ? [...evUid, ...evName] : undefined;
  const w = new PrefixWriter();
  const s = spec(o);
  const st = status(o);
  w.write(LEVEL_0, `Name:\t${name}\n`);
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(o.metadata.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role !== '') roles.add(role);
    } else if (k === 'kubernetes.io/role' && v !== '') roles.add(v);
  }
  w.write(LEVEL_0, `Roles:\t${roles.size > 0 ? [...roles].sort().join(',') : '<none>'}\n`);
  printLabels(w, 'Labels', o.metadata.labels);
  printAnnotations(w, 'Annotations', o.metadata.annotations);
  w.write(LEVEL_0, `CreationTimestamp:\t${rfc1123z(o.metadata.creationTimestamp)}\n`);
  printTaints(w, 'Taints', arr(s.taints));
  w.write(LEVEL_0, `Unschedulable:\t${s.unschedulable === true}\n`);
  if (lease instanceof Error) {
    w.write(LEVEL_0, `Lease:\tFailed to get lease: ${lease.message}\n`);
  } else {
    const l = spec(lease);
    w.write(LEVEL_0, 'Lease:\n');
    w.write(
      LEVEL_1,
      `HolderIdentity:\t${l.holderIdentity === undefined ? '<unset>' : str(l.holderIdentity)}\n`,
    );
    w.write(LEVEL_1, `AcquireTime:\t${l.acquireTime ? rfc1123z(l.acquireTime) : '<unset>'}\n`);
    w.write(LEVEL_1, `RenewTime:\t${l.renewTime ? rfc1123z(l.renewTime) : '<unset>'}\n`);
  }
  const conditions = arr(st.conditions);
  if (conditions.length > 0) {
    w.write(
      LEVEL_0,
      'Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n',
    );
    w.write(LEVEL_1, '----\t------\t-----------------\t------------------\t------\t-------\n');
    for (const c of conditions)
      w.write(
        LEVEL_1,
        `${str(c.type)} \t${str(c.status)} \t${rfc1123z(c.lastHeartbeatTime)} \t${rfc1123z(c.lastTransitionTime)} \t${str(c.reason)} \t${str(c.message)}\n`,
      );
  }
  w.write(LEVEL_0, 'Addresses:\n');
  for (const a of arr(st.addresses)) w.write(LEVEL_1, `${str(a.type)}:\t${str(a.address)}\n`);
  for (const [title, list] of [
    ['Capacity', strMap(st.capacity)],
    ['Allocatable', strMap(st.allocatable)],
  ] as const) {
    const names = Object.keys(list).sort();
    if (names.length === 0) continue;
    w.write(LEVEL_0, `${title}:\n`);
    for (const n of names) w.write(LEVEL_0, `  ${n}:\t${list[n] ?? ''}\n`);
  }
  const info = obj(st.nodeInfo);
  w.write(LEVEL_0, 'System Info:\n');
  for (const [label, key] of [
    ['Machine ID', 'machineID'],
    ['System UUID', 'systemUUID'],
    ['Boot ID', 'bootID'],
    ['Kernel Version', 'kernelVersion'],
    ['OS Image', 'osImage'],
    ['Operating System', 'operatingSystem'],
    ['Architecture', 'architecture'],
    ['Container Runtime Version', 'containerRuntimeVersion'],
    ['Kubelet Version', 'kubeletVersion'],
    ['Kube-Proxy Version', 'kubeProxyVersion'],
  ] as const)
    w.write(LEVEL_0, `  ${label}:\t${str(info[key])}\n`);
  if (str(s.podCIDR) !== '') w.write(LEVEL_0, `PodCIDR:\t${str(s.podCIDR)}\n`);
  if (strs(s.podCIDRs).length > 0) w.write(LEVEL_0, `PodCIDRs:\t${strs(s.podCIDRs).join(',')}\n`);
  if (str(s.providerID) !== '') w.write(LEVEL_0, `ProviderID:\t${str(s.providerID)}\n`);
  describeNodeResource(w, pods.items, st, ctx.now);
  describeEvents(w, evs, ctx.now);
  return w.done();
};

/** resourcehelper.PodRequestsAndLimits, for cpu, memory and ephemeral-storage. */
function podTotals(p: KubeObject): { req: Record<string, bigint>; lim: Record<string, bigint> } {
  const s = spec(p);
  const sum = (containers: Json[], key: 'requests' | 'limits'): Record<string, bigint> => {
    const out: Record<string, bigint> = {};
    for (const c of containers)
      for (const [n, q] of Object.entries(strMap(obj(c.resources)[key])))
        out[n] = (out[n] ?? 0n) + nanos(n, q);
    return out;
  };
  const max = (a: Record<string, bigint>, b: Record<string, bigint>): Record<string, bigint> => {
    const out = { ...a };
    for (const [n, v] of Object.entries(b)) if ((out[n] ?? 0n) < v) out[n] = v;
    return out;
  };
  const init = arr(s.initContainers);
  const sidecars = init.filter((c) => c.restartPolicy === 'Always');
  const result = { req: {}, lim: {} } as {
    req: Record<string, bigint>;
    lim: Record<string, bigint>;
  };
  for (const key of ['requests', 'limits'] as const) {
    let total = sum([...arr(s.containers), ...sidecars], key);
    // Each regular init container runs alone beside the sidecars started before it.
    let running: Record<string, bigint> = {};
    for (const c of init) {
      if (c.restartPolicy === 'Always') {
        running = sum([c], key);
        continue;
      }
      const mine = sum([c], key);
      for (const [n, v] of Object.entries(running)) mine[n] = (mine[n] ?? 0n) + v;
      total = max(total, mine);
    }
    for (const [n, v] of Object.entries(strMap(obj(s.overhead))))
      total[n] = (total[n] ?? 0n) + nanos(n, v);
    result[key === 'requests' ? 'req' : 'lim'] = total;
  }
  return result;
}

/** cpu in millicores, everything else in units: what describe prints and divides. */
function nanos(resource: string, q: string): bigint {
  return resource === 'cpu' ? quantityMilli(q) : quantityValue(q);
}

function formatAmount(resource: string, v: bigint): string {
  if (resource === 'cpu') return v % 1000n === 0n ? String(v / 1000n) : `${v}m`;
  if (v === 0n) return '0';
  let n = v;
  const suffixes = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
  let i = 0;
  while (n % 1024n === 0n && i < suffixes.length - 1) {
    n /= 1024n;
    i++;
  }
  return `${n}${suffixes[i] ?? ''}`;
}

function describeNodeResource(w: PrefixWriter, pods: KubeObject[], st: Json, now: Date): void {
  w.write(LEVEL_0, `Non-terminated Pods:\t(${pods.length} in total)\n`);
  w.write(
    LEVEL_1,
    'Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n',
  );
  w.write(
    LEVEL_1,
    '---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n',
  );
  const allocatable =
    Object.keys(strMap(st.allocatable)).length > 0 ? strMap(st.allocatable) : strMap(st.capacity);
  const alloc = (n: string): bigint => (allocatable[n] ? nanos(n, allocatable[n]) : 0n);
  const pct = (v: bigint, of: bigint): string => {
    if (of === 0n) return v === 0n ? 'NaN' : '+Inf';
    return String(Math.trunc((Number(v) / Number(of)) * 100));
  };
  const totals = { req: {} as Record<string, bigint>, lim: {} as Record<string, bigint> };
  for (const p of pods) {
    const { req, lim } = podTotals(p);
    for (const [n, v] of Object.entries(req)) totals.req[n] = (totals.req[n] ?? 0n) + v;
    for (const [n, v] of Object.entries(lim)) totals.lim[n] = (totals.lim[n] ?? 0n) + v;
    const cell = (r: Record<string, bigint>, n: string): string =>
      `${formatAmount(n, r[n] ?? 0n)} (${pct(r[n] ?? 0n, alloc(n))}%)`;
    w.write(
      LEVEL_1,
      `${p.metadata.namespace ?? ''}\t${p.metadata.name ?? ''}\t\t${cell(req, 'cpu')}\t${cell(lim, 'cpu')}\t${cell(req, 'memory')}\t${cell(lim, 'memory')}\t${translateTimestampSince(p.metadata.creationTimestamp, now)}\n`,
    );
  }
  w.write(
    LEVEL_0,
    'Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n',
  );
  w.write(LEVEL_1, 'Resource\tRequests\tLimits\n');
  w.write(LEVEL_1, '--------\t--------\t------\n');
  for (const n of ['cpu', 'memory', 'ephemeral-storage']) {
    const r = totals.req[n] ?? 0n;
    const l = totals.lim[n] ?? 0n;
    const of = alloc(n);
    const p = (v: bigint): string => (of === 0n ? '0' : pct(v, of));
    w.write(LEVEL_1, `${n}\t${formatAmount(n, r)} (${p(r)}%)\t${formatAmount(n, l)} (${p(l)}%)\n`);
  }
  const standard = new Set(['cpu', 'memory', 'ephemeral-storage', 'storage', 'pods']);
  const names = Object.keys(allocatable).sort();
  for (const n of names.filter((x) => x.startsWith('hugepages-'))) {
    const r = totals.req[n] ?? 0n;
    const l = totals.lim[n] ?? 0n;
    const of = alloc(n);
    const p = (v: bigint): string => (of === 0n ? '0' : pct(v, of));
    w.write(LEVEL_1, `${n}\t${formatAmount(n, r)} (${p(r)}%)\t${formatAmount(n, l)} (${p(l)}%)\n`);
  }
  for (const n of names.filter(
    (x) => !x.startsWith('hugepages-') && !standard.has(x) && !x.startsWith('requests.'),
  ))
    w.write(
      LEVEL_1,
      `${n}\t${formatAmount(n, totals.req[n] ?? 0n)}\t${formatAmount(n, totals.lim[n] ?? 0n)}\n`,
    );
}

const priorityClass: KindDescriber = async (ctx, o, kind) => {
  const evs = await events(ctx, o, kind);
  const w = new PrefixWriter();
  const pc = o as Json;
  w.write(LEVEL_0, `Name:\t${o.metadata.name ?? ''}\n`);
  w.write(LEVEL_0, `Value:\t${num(pc.value)}\n`);
  w.write(LEVEL_0, `GlobalDefault:\t${pc.globalDefault === true}\n`);
  w.write(LEVEL_0, `PreemptionPolicy:\t${str(pc.preemptionPolicy)}\n`);
  w.write(LEVEL_0, `Description:\t${str(pc.description)}\n`);
  w.write(LEVEL_0, `Annotations:\t${formatLabels(o.metadata.annotations)}\n`);
  describeEvents(w, evs, ctx.now);
  return w.done();
};

const storageClass: KindDescriber = async (ctx, o, kind) => {
  const evs = await events(ctx, o, kind);
  const w = new PrefixWriter();
  const sc = o as Json;
  const a = o.metadata.annotations ?? {};
  const isDefault =
    a['storageclass.kubernetes.io/is-default-class'] === 'true' ||
    a['storageclass.beta.kubernetes.io/is-default-class'] === 'true';
  w.write(LEVEL_0, `Name:\t${o.metadata.name ?? ''}\n`);
  w.write(LEVEL_0, `IsDefaultClass:\t${isDefault ? 'Yes' : 'No'}\n`);
  w.write(LEVEL_0, `Annotations:\t${formatLabels(o.metadata.annotations)}\n`);
  w.write(LEVEL_0, `Provisioner:\t${str(sc.provisioner)}\n`);
  w.write(LEVEL_0, `Parameters:\t${formatLabels(strMap(sc.parameters))}\n`);
  const expansion = sc.allowVolumeExpansion;
  w.write(
    LEVEL_0,
    `AllowVolumeExpansion:\t${expansion === undefined ? '<unset>' : expansion === true ? 'True' : 'False'}\n`,
  );
  const options = strs(sc.mountOptions);
  if (options.length === 0) w.write(LEVEL_0, 'MountOptions:\t<none>\n');
  else {
    w.write(LEVEL_0, 'MountOptions:\n');
    for (const m of options) w.write(LEVEL_1, `${m}\n`);
  }
  if (sc.reclaimPolicy !== undefined)
    w.write(LEVEL_0, `ReclaimPolicy:\t${str(sc.reclaimPolicy)}\n`);
  if (sc.volumeBindingMode !== undefined)
    w.write(LEVEL_0, `VolumeBindingMode:\t${str(sc.volumeBindingMode)}\n`);
  if (Array.isArray(sc.allowedTopologies)) {
    w.write(LEVEL_0, 'AllowedTopologies:\t');
    const terms = arr(sc.allowedTopologies);
    if (terms.length === 0) w.writeLine('<none>');
    else {
      w.writeLine('');
      printTerms(w, LEVEL_1, terms, 'matchLabelExpressions');
    }
  }
  describeEvents(w, evs, ctx.now);
  return w.done();
};

const endpointSlice: KindDescriber = async (ctx, o, kind) => {
  const evs = await events(ctx, o, kind);
  const w = new PrefixWriter();
  const eps = o as Json;
  header(w, o);
  printLabels(w, 'Labels', o.metadata.labels);
  printAnnotations(w, 'Annotations', o.metadata.annotations);
  w.write(LEVEL_0, `AddressType:\t${str(eps.addressType)}\n`);
  const ports = arr(eps.ports);
  if (ports.length === 0) w.write(LEVEL_0, 'Ports: <unset>\n');
  else {
    w.write(LEVEL_0, 'Ports:\n');
    w.write(LEVEL_1, 'Name\tPort\tProtocol\n');
    w.write(LEVEL_1, '----\t----\t--------\n');
    for (const p of ports)
      w.write(
        LEVEL_1,
        `${str(p.name) || '<unset>'}\t${p.port === undefined ? '<unset>' : num(p.port)}\t${str(p.protocol)}\n`,
      );
  }
  const endpoints = arr(eps.endpoints);
  if (endpoints.length === 0) w.write(LEVEL_0, 'Endpoints: <none>\n');
  else {
    w.write(LEVEL_0, 'Endpoints:\n');
    const unset = (v: unknown): string => (v === undefined || v === null ? '<unset>' : str(v));
    for (const e of endpoints) {
      w.write(LEVEL_1, `- Addresses:\t${strs(e.addresses).join(', ') || '<none>'}\n`);
      w.write(LEVEL_2, 'Conditions:\n');
      w.write(LEVEL_3, `Ready:\t${unset(obj(e.conditions).ready)}\n`);
      w.write(LEVEL_2, `Hostname:\t${unset(e.hostname)}\n`);
      if (e.targetRef)
        w.write(
          LEVEL_2,
          `TargetRef:\t${str(obj(e.targetRef).kind)}/${str(obj(e.targetRef).name)}\n`,
        );
      w.write(LEVEL_2, `NodeName:\t${unset(e.nodeName)}\n`);
      w.write(LEVEL_2, `Zone:\t${unset(e.zone)}\n`);
    }
  }
  describeEvents(w, evs, ctx.now);
  return w.done();
};

/**
 * print(Topology|Node)SelectorTermsMultilineWithIndent: `Term i:` and one `key op [values]` per
 * requirement (topology requirements have no operator: always `in`).
 */
function printTerms(
  w: PrefixWriter,
  level: number,
  terms: Json[],
  key: 'matchLabelExpressions' | 'matchExpressions',
): void {
  for (const [i, term] of terms.entries()) {
    w.write(level, `Term ${i}:\t`);
    const reqs = arr(term[key]);
    if (reqs.length === 0) w.writeLine('<none>');
    for (const [j, r] of reqs.entries()) {
      if (j !== 0) w.write(level, '\t');
      const values = strs(r.values);
      const op = r.operator === undefined ? 'in' : str(r.operator).toLowerCase();
      w.write(
        LEVEL_0,
        `${str(r.key)} ${op}${values.length > 0 ? ` [${values.join(', ')}]` : ''}\n`,
      );
    }
  }
}

const persistentVolume: KindDescriber = async (ctx, o, kind) => {
  const evs = await events(ctx, o, kind);
  const w = new PrefixWriter();
  const s = spec(o);
  w.write(LEVEL_0, `Name:\t${o.metadata.name ?? ''}\n`);
  printLabels(w, 'Labels', o.metadata.labels);
  printAnnotations(w, 'Annotations', o.metadata.annotations);
  w.write(LEVEL_0, `Finalizers:\t[${(o.metadata.finalizers ?? []).join(' ')}]\n`);
  w.write(LEVEL_0, `StorageClass:\t${storageClassOf(o.metadata as Json, s)}\n`);
  if (o.metadata.deletionTimestamp)
    w.write(
      LEVEL_0,
      `Status:\tTerminating (lasts ${translateTimestampSince(o.metadata.deletionTimestamp, ctx.now)})\n`,
    );
  else w.write(LEVEL_0, `Status:\t${str(status(o).phase)}\n`);
  const claim = s.claimRef ? obj(s.claimRef) : undefined;
  w.write(LEVEL_0, `Claim:\t${claim ? `${str(claim.namespace)}/${str(claim.name)}` : ''}\n`);
  w.write(LEVEL_0, `Reclaim Policy:\t${str(s.persistentVolumeReclaimPolicy)}\n`);
  w.write(LEVEL_0, `Access Modes:\t${accessModes(strs(s.accessModes))}\n`);
  if (s.volumeMode !== undefined) w.write(LEVEL_0, `VolumeMode:\t${str(s.volumeMode)}\n`);
  w.write(LEVEL_0, `Capacity:\t${str(obj(s.capacity).storage) || '0'}\n`);
  w.write(LEVEL_0, 'Node Affinity:\t');
  const required = obj(s.nodeAffinity).required;
  if (!required) w.writeLine('<none>');
  else {
    w.writeLine('');
    w.write(LEVEL_1, 'Required Terms:\t');
    const terms = arr(obj(required).nodeSelectorTerms);
    if (terms.length === 0) w.writeLine('<none>');
    else {
      w.writeLine('');
      printTerms(w, LEVEL_2, terms, 'matchExpressions');
    }
  }
  w.write(LEVEL_0, `Message:\t${str(status(o).message)}\n`);
  w.write(LEVEL_0, 'Source:\n');
  if (s.hostPath) printHostPath(w, obj(s.hostPath));
  else if (s.nfs) printNfs(w, obj(s.nfs));
  else if (s.local)
    w.write(
      LEVEL_2,
      `Type:\tLocalVolume (a persistent volume backed by local storage on a node)\n    Path:\t${str(obj(s.local).path)}\n`,
    );
  else w.write(LEVEL_1, '<unknown>\n');
  describeEvents(w, evs, ctx.now);
  return w.done();
};

/** Kinds with their own layout, keyed `group/Kind` as kubectl's describerMap. */
export const DESCRIBERS: Readonly<Record<string, KindDescriber>> = {
  '/Pod': pod,
  '/Service': service,
  '/Endpoints': endpoints,
  '/Node': node,
  '/Namespace': namespace,
  '/ConfigMap': configMap,
  '/Secret': secret,
  '/ServiceAccount': serviceAccount,
  '/PersistentVolumeClaim': persistentVolumeClaim,
  '/PersistentVolume': persistentVolume,
  'apps/ReplicaSet': replicaSet,
  'apps/Deployment': deployment,
  'apps/StatefulSet': statefulSet,
  'apps/DaemonSet': daemonSet,
  'batch/Job': job,
  'batch/CronJob': cronJob,
  'scheduling.k8s.io/PriorityClass': priorityClass,
  'storage.k8s.io/StorageClass': storageClass,
  'discovery.k8s.io/EndpointSlice': endpointSlice,
};
