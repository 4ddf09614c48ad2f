// `kbox describe pod` and the pod template every workload describer prints: containers with
// their state, probes, environment and mounts, volumes, conditions, QoS and tolerations, in the
// layout of kubectl 1.32's describePod / DescribePodTemplate.
import { translateTimestampSince } from '../api/duration.js';
import type { KubeObject } from '../api/types.js';
import {
  arr,
  controllerOf,
  describeEvents,
  LEVEL_0,
  LEVEL_1,
  LEVEL_2,
  LEVEL_3,
  num,
  obj,
  printAnnotations,
  printLabels,
  printTolerations,
  PrefixWriter,
  rfc1123z,
  str,
  strMap,
  strs,
  type Json,
} from './describe-writer.js';

/** Go's `%v` of a *bool: kubectl prints the pointer, which only reads well when unset. */
const optional = (v: unknown): boolean => v === true;

function describeResources(w: PrefixWriter, resources: Json | undefined, level: number): void {
  if (!resources) return;
  for (const [title, list] of [
    ['Limits', obj(resources.limits)],
    ['Requests', obj(resources.requests)],
  ] as const) {
    const names = Object.keys(list).sort();
    if (names.length > 0) w.write(level, `${title}:\n`);
    for (const n of names) w.write(level + 1, `${n}:\t${str(list[n])}\n`);
  }
}

function intOrString(v: unknown): string {
  return v === undefined || v === null ? '' : String(v);
}

/** DescribeProbe. */
export function describeProbe(p: Json): string {
  const attrs = `delay=${num(p.initialDelaySeconds)}s timeout=${num(p.timeoutSeconds)}s period=${num(p.periodSeconds)}s #success=${num(p.successThreshold)} #failure=${num(p.failureThreshold)}`;
  if (p.exec) return `exec [${strs(obj(p.exec).command).join(' ')}] ${attrs}`;
  if (p.httpGet) {
    const h = obj(p.httpGet);
    const port = intOrString(h.port);
    const host = str(h.host);
    const hostPort =
      port === '' ? host : host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    const scheme = str(h.scheme).toLowerCase();
    return `http-get ${scheme === '' ? '' : `${scheme}:`}//${hostPort}${str(h.path)} ${attrs}`;
  }
  if (p.tcpSocket) {
    const t = obj(p.tcpSocket);
    return `tcp-socket ${str(t.host)}:${intOrString(t.port)} ${attrs}`;
  }
  if (p.grpc) {
    const g = obj(p.grpc);
    return `grpc <pod>:${num(g.port)} ${str(g.service)} ${attrs}`;
  }
  return `unknown ${attrs}`;
}

function describeState(w: PrefixWriter, name: string, state: Json): void {
  if (state.running) {
    w.write(LEVEL_2, `${name}:\tRunning\n`);
    w.write(LEVEL_3, `Started:\t${rfc1123z(obj(state.running).startedAt)}\n`);
  } else if (state.waiting) {
    w.write(LEVEL_2, `${name}:\tWaiting\n`);
    const reason = str(obj(state.waiting).reason);
    if (reason !== '') w.write(LEVEL_3, `Reason:\t${reason}\n`);
  } else if (state.terminated) {
    const t = obj(state.terminated);
    w.write(LEVEL_2, `${name}:\tTerminated\n`);
    if (str(t.reason) !== '') w.write(LEVEL_3, `Reason:\t${str(t.reason)}\n`);
    if (str(t.message) !== '') w.write(LEVEL_3, `Message:\t${str(t.message)}\n`);
    w.write(LEVEL_3, `Exit Code:\t${num(t.exitCode)}\n`);
    if (num(t.signal) > 0) w.write(LEVEL_3, `Signal:\t${num(t.signal)}\n`);
    w.write(LEVEL_3, `Started:\t${rfc1123z(t.startedAt)}\n`);
    w.write(LEVEL_3, `Finished:\t${rfc1123z(t.finishedAt)}\n`);
  } else {
    w.write(LEVEL_2, `${name}:\tWaiting\n`);
  }
}

/** EnvValueRetriever for the fieldRefs kubectl can resolve from the pod object. */
function fieldValue(pod: KubeObject | undefined, path: string): string {
  if (!pod) return '';
  const m = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(path);
  if (m) return strMap(pod.metadata[m[1] as 'labels' | 'annotations'])[m[2] ?? ''] ?? '';
  const status = obj(pod.status);
  const spec = obj(pod.spec);
  const values: Record<string, unknown> = {
    'metadata.name': pod.metadata.name,
    'metadata.namespace': pod.metadata.namespace,
    'metadata.uid': pod.metadata.uid,
    'spec.nodeName': spec.nodeName,
    'spec.serviceAccountName': spec.serviceAccountName,
    'status.hostIP': status.hostIP,
    'status.podIP': status.podIP,
    'status.hostIPs': arr(status.hostIPs)
      .map((i) => str(i.ip))
      .join(','),
    'status.podIPs': arr(status.podIPs)
      .map((i) => str(i.ip))
      .join(','),
  };
  return str(values[path]);
}

function describeEnv(w: PrefixWriter, c: Json, pod: KubeObject | undefined): void {
  const env = arr(c.env);
  w.write(LEVEL_2, `Environment:${env.length === 0 ? '\t<none>' : ''}\n`);
  for (const e of env) {
    const from = e.valueFrom === undefined ? undefined : obj(e.valueFrom);
    if (!from) {
      for (const [i, s] of str(e.value).split('\n').entries())
        w.write(LEVEL_3, i === 0 ? `${str(e.name)}:\t${s}\n` : `\t${s}\n`);
      continue;
    }
    if (from.fieldRef) {
      const f = obj(from.fieldRef);
      const v = pod ? fieldValue(pod, str(f.fieldPath)) : '';
      w.write(LEVEL_3, `${str(e.name)}:\t${v} (${str(f.apiVersion)}:${str(f.fieldPath)})\n`);
    } else if (from.resourceFieldRef) {
      const f = obj(from.resourceFieldRef);
      const resource = str(f.resource);
      const [kind, name] = resource.split('.');
      const raw = obj(obj(c.resources)[kind ?? ''])[name ?? ''];
      let value = raw === undefined ? '0' : str(raw);
      if (value === '0' && (resource === 'limits.cpu' || resource === 'limits.memory'))
        value = 'node allocatable';
      w.write(LEVEL_3, `${str(e.name)}:\t${value} (${resource})\n`);
    } else if (from.secretKeyRef) {
      const r = obj(from.secretKeyRef);
      w.write(
        LEVEL_3,
        `${str(e.name)}:\t<set to the key '${str(r.key)}' in secret '${str(r.name)}'>\tOptional: ${optional(r.optional)}\n`,
      );
    } else if (from.configMapKeyRef) {
      const r = obj(from.configMapKeyRef);
      w.write(
        LEVEL_3,
        `${str(e.name)}:\t<set to the key '${str(r.key)}' of config map '${str(r.name)}'>\tOptional: ${optional(r.optional)}\n`,
      );
    }
  }
}

function describeEnvFrom(w: PrefixWriter, c: Json): void {
  const envFrom = arr(c.envFrom);
  w.write(LEVEL_2, `Environment Variables from:${envFrom.length === 0 ? '\t<none>' : ''}\n`);
  for (const e of envFrom) {
    const ref = e.configMapRef ? obj(e.configMapRef) : obj(e.secretRef);
    const from = e.configMapRef ? 'ConfigMap' : e.secretRef ? 'Secret' : '';
    const prefix = str(e.prefix);
    const what = prefix === '' ? from : `${from} with prefix '${prefix}'`;
    w.write(LEVEL_3, `${str(ref.name)}\t${what}\tOptional: ${optional(ref.optional)}\n`);
  }
}

function describeMounts(w: PrefixWriter, c: Json): void {
  const mounts = arr(c.volumeMounts);
  const none = mounts.length === 0 ? '\t<none>' : '';
  w.write(LEVEL_2, `Mounts:${none}\n`);
  const sorted = [...mounts].sort((a, b) =>
    str(a.mountPath) < str(b.mountPath) ? -1 : str(a.mountPath) > str(b.mountPath) ? 1 : 0,
  );
  for (const m of sorted) {
    const flags = [m.readOnly === true ? 'ro' : 'rw'];
    if (str(m.subPath) !== '') flags.push(`path=${JSON.stringify(str(m.subPath))}`);
    w.write(LEVEL_3, `${str(m.mountPath)} from ${str(m.name)} (${flags.join(',')})\n`);
  }
  const devices = arr(c.volumeDevices);
  if (devices.length > 0) {
    w.write(LEVEL_2, `Devices:${none}\n`);
    const byPath = [...devices].sort((a, b) =>
      str(a.devicePath) < str(b.devicePath) ? -1 : str(a.devicePath) > str(b.devicePath) ? 1 : 0,
    );
    for (const d of byPath) w.write(LEVEL_3, `${str(d.devicePath)} from ${str(d.name)}\n`);
  }
}

/** describeContainers: `statuses` undefined for templates (no state lines). */
function describeContainers(
  w: PrefixWriter,
  label: string,
  containers: Json[],
  statuses: Json[] | undefined,
  pod: KubeObject | undefined,
  space: string,
): void {
  w.write(LEVEL_0, `${space}${label}:${containers.length === 0 ? ' <none>' : ''}\n`);
  const byName = new Map((statuses ?? []).map((s) => [str(s.name), s]));
  const nameIndent = space === '' ? '' : ' ';
  for (const c of containers) {
    const status = byName.get(str(c.name));
    w.write(LEVEL_1, `${nameIndent}${str(c.name)}:\n`);
    if (status) w.write(LEVEL_2, `Container ID:\t${str(status.containerID)}\n`);
    w.write(LEVEL_2, `Image:\t${str(c.image)}\n`);
    if (status) w.write(LEVEL_2, `Image ID:\t${str(status.imageID)}\n`);
    const ports = arr(c.ports);
    const portText = ports.map((p) => `${num(p.containerPort)}/${str(p.protocol)}`).join(', ');
    const hostText = ports.map((p) => `${num(p.hostPort)}/${str(p.protocol)}`).join(', ');
    if (portText.includes(',')) w.write(LEVEL_2, `Ports:\t${portText}\n`);
    else w.write(LEVEL_2, `Port:\t${portText || '<none>'}\n`);
    if (hostText.includes(',')) w.write(LEVEL_2, `Host Ports:\t${hostText}\n`);
    else w.write(LEVEL_2, `Host Port:\t${hostText || '<none>'}\n`);
    const seccomp = obj(obj(c.securityContext).seccompProfile);
    if (c.securityContext && obj(c.securityContext).seccompProfile) {
      w.write(LEVEL_2, `SeccompProfile:\t${str(seccomp.type)}\n`);
      if (seccomp.type === 'Localhost')
        w.write(LEVEL_3, `LocalhostProfile:\t${str(seccomp.localhostProfile)}\n`);
    }
    for (const [title, list] of [
      ['Command', strs(c.command)],
      ['Args', strs(c.args)],
    ] as const) {
      if (list.length === 0) continue;
      w.write(LEVEL_2, `${title}:\n`);
      for (const item of list) for (const s of item.split('\n')) w.write(LEVEL_3, `${s}\n`);
    }
    if (status) {
      describeState(w, 'State', obj(status.state));
      const last = obj(status.lastState);
      if (last.terminated) describeState(w, 'Last State', last);
      w.write(LEVEL_2, `Ready:\t${status.ready === true ? 'True' : 'False'}\n`);
      w.write(LEVEL_2, `Restart Count:\t${num(status.restartCount)}\n`);
    }
    describeResources(w, obj(c.resources), LEVEL_2);
    for (const [title, key] of [
      ['Liveness', 'livenessProbe'],
      ['Readiness', 'readinessProbe'],
      ['Startup', 'startupProbe'],
    ] as const) {
      if (c[key]) w.write(LEVEL_2, `${title}:\t${describeProbe(obj(c[key]))}\n`);
    }
    if (arr(c.envFrom).length > 0) describeEnvFrom(w, c);
    describeEnv(w, c, pod);
    describeMounts(w, c);
  }
}

export function printHostPath(w: PrefixWriter, h: Json): void {
  const type = h.type === undefined || h.type === null ? '<none>' : str(h.type);
  w.write(
    LEVEL_2,
    `Type:\tHostPath (bare host directory volume)\n    Path:\t${str(h.path)}\n    HostPathType:\t${type}\n`,
  );
}

export function printNfs(w: PrefixWriter, n: Json): void {
  w.write(
    LEVEL_2,
    `Type:\tNFS (an NFS mount that lasts the lifetime of a pod)\n    Server:\t${str(n.server)}\n    Path:\t${str(n.path)}\n    ReadOnly:\t${n.readOnly === true}\n`,
  );
}

function describeVolumes(w: PrefixWriter, volumes: Json[], space: string): void {
  if (volumes.length === 0) {
    w.write(LEVEL_0, `${space}Volumes:\t<none>\n`);
    return;
  }
  w.write(LEVEL_0, `${space}Volumes:\n`);
  for (const v of volumes) {
    w.write(LEVEL_1, `${space === '' ? '' : ' '}${str(v.name)}:\n`);
    if (v.hostPath) {
      printHostPath(w, obj(v.hostPath));
    } else if (v.emptyDir) {
      const e = obj(v.emptyDir);
      const size = str(e.sizeLimit);
      w.write(
        LEVEL_2,
        `Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n    Medium:\t${str(e.medium)}\n    SizeLimit:\t${size === '' || /^0+(\.0*)?[a-zA-Z]*$/.test(size) ? '<unset>' : size}\n`,
      );
    } else if (v.secret) {
      const s = obj(v.secret);
      w.write(
        LEVEL_2,
        `Type:\tSecret (a volume populated by a Secret)\n    SecretName:\t${str(s.secretName)}\n    Optional:\t${optional(s.optional)}\n`,
      );
    } else if (v.configMap) {
      const c = obj(v.configMap);
      w.write(
        LEVEL_2,
        `Type:\tConfigMap (a volume populated by a ConfigMap)\n    Name:\t${str(c.name)}\n    Optional:\t${optional(c.optional)}\n`,
      );
    } else if (v.persistentVolumeClaim) {
      const c = obj(v.persistentVolumeClaim);
      w.write(
        LEVEL_2,
        `Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)\n    ClaimName:\t${str(c.claimName)}\n    ReadOnly:\t${c.readOnly === true}\n`,
      );
    } else if (v.nfs) {
      printNfs(w, obj(v.nfs));
    } else if (v.downwardAPI) {
      w.write(
        LEVEL_2,
        'Type:\tDownwardAPI (a volume populated by information about the pod)\n    Items:\n',
      );
      for (const item of arr(obj(v.downwardAPI).items)) {
        if (item.fieldRef)
          w.write(LEVEL_3, `${str(obj(item.fieldRef).fieldPath)} -> ${str(item.path)}\n`);
        if (item.resourceFieldRef)
          w.write(LEVEL_3, `${str(obj(item.resourceFieldRef).resource)} -> ${str(item.path)}\n`);
      }
    } else if (v.projected) {
      w.write(
        LEVEL_2,
        'Type:\tProjected (a volume that contains injected data from multiple sources)\n',
      );
      for (const source of arr(obj(v.projected).sources)) {
        if (source.secret) {
          const s = obj(source.secret);
          w.write(
            LEVEL_2,
            `SecretName:\t${str(s.name)}\n    SecretOptionalName:\t${s.optional === undefined ? '<nil>' : str(s.optional)}\n`,
          );
        } else if (source.downwardAPI) {
          w.write(LEVEL_2, 'DownwardAPI:\ttrue\n');
        } else if (source.configMap) {
          const c = obj(source.configMap);
          w.write(
            LEVEL_2,
            `ConfigMapName:\t${str(c.name)}\n    ConfigMapOptional:\t${c.optional === undefined ? '<nil>' : str(c.optional)}\n`,
          );
        } else if (source.serviceAccountToken) {
          w.write(
            LEVEL_2,
            `TokenExpirationSeconds:\t${num(obj(source.serviceAccountToken).expirationSeconds)}\n`,
          );
        }
      }
    } else {
      w.write(LEVEL_1, '<unknown>\n');
    }
  }
}

function describeTopologySpread(w: PrefixWriter, tscs: Json[], space: string): void {
  if (tscs.length === 0) return;
  const sorted = [...tscs].sort((a, b) =>
    str(a.topologyKey) < str(b.topologyKey) ? -1 : str(a.topologyKey) > str(b.topologyKey) ? 1 : 0,
  );
  w.write(LEVEL_0, `${space}Topology Spread Constraints:\t`);
  for (const [i, t] of sorted.entries()) {
    if (i !== 0) w.write(LEVEL_0, `${space}\t`);
    let line = `${str(t.topologyKey)}:${str(t.whenUnsatisfiable)} when max skew ${num(t.maxSkew)} is exceeded`;
    if (t.labelSelector) line += ` for selector ${formatLabelSelector(obj(t.labelSelector))}`;
    w.write(LEVEL_0, `${line}\n`);
  }
}

/** metav1.FormatLabelSelector. */
export function formatLabelSelector(sel: Json | undefined): string {
  if (sel === undefined) return '<none>';
  const parts: string[] = [];
  const labels = strMap(sel.matchLabels);
  for (const k of Object.keys(labels).sort()) parts.push(`${k}=${labels[k] ?? ''}`);
  for (const e of arr(sel.matchExpressions)) {
    const values = strs(e.values).sort();
    const key = str(e.key);
    switch (e.operator) {
      case 'In':
        parts.push(`${key} in (${values.join(',')})`);
        break;
      case 'NotIn':
        parts.push(`${key} notin (${values.join(',')})`);
        break;
      case 'Exists':
        parts.push(key);
        break;
      case 'DoesNotExist':
        parts.push(`!${key}`);
        break;
    }
  }
  const text = parts.join(',');
  return text === '' ? '<none>' : text;
}

export function describePodTemplate(w: PrefixWriter, template: Json | undefined): void {
  w.write(LEVEL_0, 'Pod Template:\n');
  if (template === undefined) {
    w.write(LEVEL_1, '<unset>');
    return;
  }
  const meta = obj(template.metadata);
  const spec = obj(template.spec);
  printLabels(w, '  Labels', strMap(meta.labels));
  if (Object.keys(strMap(meta.annotations)).length > 0)
    printAnnotations(w, '  Annotations', strMap(meta.annotations));
  if (str(spec.serviceAccountName) !== '')
    w.write(LEVEL_1, `Service Account:\t${str(spec.serviceAccountName)}\n`);
  if (arr(spec.initContainers).length > 0)
    describeContainers(w, 'Init Containers', arr(spec.initContainers), undefined, undefined, '  ');
  describeContainers(w, 'Containers', arr(spec.containers), undefined, undefined, '  ');
  describeVolumes(w, arr(spec.volumes), '  ');
  describeTopologySpread(w, arr(spec.topologySpreadConstraints), '  ');
  if (str(spec.priorityClassName) !== '')
    w.write(LEVEL_1, `Priority Class Name:\t${str(spec.priorityClassName)}\n`);
  printLabels(w, '  Node-Selectors', strMap(spec.nodeSelector));
  printTolerations(w, '  Tolerations', arr(spec.tolerations));
}

export function describePod(pod: KubeObject, events: Json[] | undefined, now: Date): string {
  const w = new PrefixWriter();
  const spec = obj(pod.spec);
  const status = obj(pod.status);
  w.write(LEVEL_0, `Name:\t${pod.metadata.name ?? ''}\n`);
  w.write(LEVEL_0, `Namespace:\t${pod.metadata.namespace ?? ''}\n`);
  if (spec.priority !== undefined) w.write(LEVEL_0, `Priority:\t${num(spec.priority)}\n`);
  if (str(spec.priorityClassName) !== '')
    w.write(LEVEL_0, `Priority Class Name:\t${str(spec.priorityClassName)}\n`);
  if (str(spec.runtimeClassName) !== '')
    w.write(LEVEL_0, `Runtime Class Name:\t${str(spec.runtimeClassName)}\n`);
  if (str(spec.serviceAccountName) !== '')
    w.write(LEVEL_0, `Service Account:\t${str(spec.serviceAccountName)}\n`);
  if (str(spec.nodeName) === '') w.write(LEVEL_0, 'Node:\t<none>\n');
  else w.write(LEVEL_0, `Node:\t${str(spec.nodeName)}/${str(status.hostIP)}\n`);
  if (status.startTime) w.write(LEVEL_0, `Start Time:\t${rfc1123z(status.startTime)}\n`);
  printLabels(w, 'Labels', pod.metadata.labels);
  printAnnotations(w, 'Annotations', pod.metadata.annotations);
  const phase = str(status.phase);
  if (pod.metadata.deletionTimestamp && phase !== 'Failed' && phase !== 'Succeeded') {
    w.write(
      LEVEL_0,
      `Status:\tTerminating (lasts ${translateTimestampSince(pod.metadata.deletionTimestamp, now)})\n`,
    );
    w.write(
      LEVEL_0,
      `Termination Grace Period:\t${num(pod.metadata.deletionGracePeriodSeconds)}s\n`,
    );
  } else {
    w.write(LEVEL_0, `Status:\t${phase}\n`);
  }
  if (str(status.reason) !== '') w.write(LEVEL_0, `Reason:\t${str(status.reason)}\n`);
  if (str(status.message) !== '') w.write(LEVEL_0, `Message:\t${str(status.message)}\n`);
  const seccomp = obj(spec.securityContext).seccompProfile;
  if (seccomp) {
    w.write(LEVEL_0, `SeccompProfile:\t${str(obj(seccomp).type)}\n`);
    if (obj(seccomp).type === 'Localhost')
      w.write(LEVEL_0, `LocalhostProfile:\t${str(obj(seccomp).localhostProfile)}\n`);
  }
  w.write(LEVEL_0, `IP:\t${str(status.podIP)}\n`);
  const ips = arr(status.podIPs);
  if (ips.length === 0) w.write(LEVEL_0, 'IPs:\t<none>\n');
  else {
    w.write(LEVEL_0, 'IPs:\n');
    for (const ip of ips) w.write(LEVEL_1, `IP:\t${str(ip.ip)}\n`);
  }
  const controlledBy = controllerOf(pod);
  if (controlledBy !== '') w.write(LEVEL_0, `Controlled By:\t${controlledBy}\n`);
  if (str(status.nominatedNodeName) !== '')
    w.write(LEVEL_0, `NominatedNodeName:\t${str(status.nominatedNodeName)}\n`);
  if (spec.resources) {
    w.write(LEVEL_0, 'Resources:\n');
    describeResources(w, obj(spec.resources), LEVEL_1);
  }
  if (arr(spec.initContainers).length > 0)
    describeContainers(
      w,
      'Init Containers',
      arr(spec.initContainers),
      arr(status.initContainerStatuses),
      pod,
      '',
    );
  describeContainers(w, 'Containers', arr(spec.containers), arr(status.containerStatuses), pod, '');
  if (arr(spec.ephemeralContainers).length > 0)
    describeContainers(
      w,
      'Ephemeral Containers',
      arr(spec.ephemeralContainers),
      arr(status.ephemeralContainerStatuses),
      pod,
      '',
    );
  const conditions = arr(status.conditions);
  const gates = arr(spec.readinessGates);
  if (gates.length > 0) {
    w.write(LEVEL_0, 'Readiness Gates:\n  Type\tStatus\n');
    for (const g of gates) {
      const c = conditions.find((x) => x.type === g.conditionType);
      w.write(LEVEL_1, `${str(g.conditionType)} \t${c ? str(c.status) : '<none>'} \n`);
    }
  }
  if (conditions.length > 0) {
    w.write(LEVEL_0, 'Conditions:\n  Type\tStatus\n');
    for (const c of conditions) w.write(LEVEL_1, `${str(c.type)} \t${str(c.status)} \n`);
  }
  describeVolumes(w, arr(spec.volumes), '');
  w.write(LEVEL_0, `QoS Class:\t${str(status.qosClass)}\n`);
  printLabels(w, 'Node-Selectors', strMap(spec.nodeSelector));
  printTolerations(w, 'Tolerations', arr(spec.tolerations));
  describeTopologySpread(w, arr(spec.topologySpreadConstraints), '');
  describeEvents(w, events, now);
  return w.done();
}
