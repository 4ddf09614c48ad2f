// Pod template defaulting and validation shared by pods and every workload's template
// (upstream SetDefaults_PodSpec / SetDefaults_Container and ValidatePodSpec, the parts kbox needs).
import type { FieldError } from '../../../../api/status.js';
import { canonicalQuantity, quantityNanos } from '../../../../api/quantity.js';
import {
  dns1123Label,
  duplicate,
  envVarName,
  forbidden,
  invalidValue,
  notFoundValue,
  notSupported,
  portName,
  portNumber,
  required,
} from '../../../../api/validation.js';

type Json = Record<string, unknown>;

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Always for `:latest` or untagged images, else IfNotPresent (upstream's rule). */
export function defaultPullPolicy(image: string): string {
  const lastSlash = image.lastIndexOf('/');
  const nameAndTag = image.slice(lastSlash + 1);
  if (image.includes('@')) return 'IfNotPresent';
  const colon = nameAndTag.indexOf(':');
  if (colon === -1) return 'Always';
  return nameAndTag.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultContainer(c: Json): void {
  if (typeof c.image === 'string' && c.imagePullPolicy === undefined) {
    c.imagePullPolicy = defaultPullPolicy(c.image);
  }
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  c.resources ??= {};
  if (Array.isArray(c.ports)) {
    for (const p of c.ports) if (isRecord(p)) p.protocol ??= 'TCP';
  }
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    const pr = c[probe];
    if (!isRecord(pr)) continue;
    pr.timeoutSeconds ??= 1;
    pr.periodSeconds ??= 10;
    pr.successThreshold ??= 1;
    pr.failureThreshold ??= 3;
    if (isRecord(pr.httpGet)) {
      pr.httpGet.path ??= '/';
      pr.httpGet.scheme ??= 'HTTP';
    }
  }
}

export function defaultPodSpec(spec: Json): void {
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.securityContext ??= {};
  spec.schedulerName ??= 'default-scheduler';
  spec.enableServiceLinks ??= true;
  for (const field of ['containers', 'initContainers']) {
    const list = spec[field];
    if (Array.isArray(list)) for (const c of list) if (isRecord(c)) defaultContainer(c);
  }
  if (Array.isArray(spec.volumes)) {
    for (const v of spec.volumes) {
      if (!isRecord(v)) continue;
      const hasSource = Object.keys(v).some((k) => k !== 'name');
      if (!hasSource) v.emptyDir = {};
      for (const src of ['configMap', 'secret']) {
        const s = v[src];
        if (isRecord(s)) s.defaultMode ??= 0o644;
      }
    }
  }
}

/**
 * Upstream's SetDefaults_Pod (Pods only, not templates): a container's resources with limits but
 * no request for a resource request what they limit.
 */
export function defaultRequestsFromLimits(spec: Json): void {
  for (const field of ['containers', 'initContainers']) {
    const list = spec[field];
    if (!Array.isArray(list)) continue;
    for (const c of list) {
      if (!isRecord(c) || !isRecord(c.resources) || !isRecord(c.resources.limits)) continue;
      const requests = isRecord(c.resources.requests) ? c.resources.requests : {};
      for (const [name, value] of Object.entries(c.resources.limits)) {
        if (!Object.hasOwn(requests, name)) requests[name] = value;
      }
      if (Object.keys(requests).length > 0) c.resources.requests = requests;
    }
  }
}

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
/** sets.List(supportedPortProtocols): sorted. */
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
/** Upstream's IsOvercommitAllowed: native resources other than hugepages. */
function overcommitAllowed(name: string): boolean {
  const native = !name.includes('/') || name.includes('kubernetes.io/');
  return native && !name.startsWith('hugepages-');
}

function validateContainerPorts(ports: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!Array.isArray(ports)) return errs;
  const names = new Set<string>();
  ports.forEach((p: unknown, j) => {
    if (!isRecord(p)) return;
    const at = `${path}[${j}]`;
    if (typeof p.name === 'string' && p.name !== '') {
      const msgs = portName(p.name);
      if (msgs.length > 0) for (const m of msgs) errs.push(invalidValue(`${at}.name`, p.name, m));
      else if (names.has(p.name)) errs.push(duplicate(`${at}.name`, p.name));
      else names.add(p.name);
    }
    const port = p.containerPort;
    if (port === undefined || port === null || port === 0) {
      errs.push(required(`${at}.containerPort`));
    } else {
      for (const m of portNumber(port)) errs.push(invalidValue(`${at}.containerPort`, port, m));
    }
    if (p.hostPort !== undefined && p.hostPort !== null && p.hostPort !== 0) {
      for (const m of portNumber(p.hostPort)) {
        errs.push(invalidValue(`${at}.hostPort`, p.hostPort, m));
      }
    }
    if (p.protocol === '') errs.push(required(`${at}.protocol`));
    else if (p.protocol !== undefined && !PROTOCOLS.includes(String(p.protocol))) {
      errs.push(notSupported(`${at}.protocol`, p.protocol, PROTOCOLS));
    }
  });
  return errs;
}

function validateEnv(env: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!Array.isArray(env)) return errs;
  env.forEach((e: unknown, i) => {
    if (!isRecord(e)) return;
    const name = typeof e.name === 'string' ? e.name : '';
    if (name === '') errs.push(required(`${path}[${i}].name`));
    for (const m of envVarName(name)) errs.push(invalidValue(`${path}[${i}].name`, name, m));
  });
  return errs;
}

function validateVolumeMounts(
  mounts: unknown,
  volumes: Set<string> | undefined,
  path: string,
): FieldError[] {
  const errs: FieldError[] = [];
  if (!Array.isArray(mounts)) return errs;
  const paths = new Set<string>();
  mounts.forEach((m: unknown, i) => {
    if (!isRecord(m)) return;
    const at = `${path}[${i}]`;
    const name = typeof m.name === 'string' ? m.name : '';
    if (name === '') errs.push(required(`${at}.name`));
    if (volumes !== undefined && !volumes.has(name)) errs.push(notFoundValue(`${at}.name`, name));
    const mountPath = typeof m.mountPath === 'string' ? m.mountPath : '';
    if (mountPath === '') errs.push(required(`${at}.mountPath`));
    if (paths.has(mountPath))
      errs.push(invalidValue(`${at}.mountPath`, mountPath, 'must be unique'));
    paths.add(mountPath);
  });
  return errs;
}

function validateResources(resources: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!isRecord(resources)) return errs;
  const limits = isRecord(resources.limits) ? resources.limits : {};
  const requests = isRecord(resources.requests) ? resources.requests : {};
  const parse = (v: unknown): bigint | undefined => {
    try {
      return quantityNanos(String(v));
    } catch {
      return undefined;
    }
  };
  const shown = (v: unknown): string => canonicalQuantity(String(v)) ?? String(v);
  for (const [name, v] of Object.entries(limits)) {
    const n = parse(v);
    if (n !== undefined && n < 0n) {
      errs.push(
        invalidValue(`${path}.limits[${name}]`, shown(v), 'must be greater than or equal to 0'),
      );
    }
  }
  for (const [name, v] of Object.entries(requests)) {
    const n = parse(v);
    if (n !== undefined && n < 0n) {
      errs.push(
        invalidValue(`${path}.requests[${name}]`, shown(v), 'must be greater than or equal to 0'),
      );
    }
    if (!Object.hasOwn(limits, name) || n === undefined) continue;
    const limit = parse(limits[name]);
    if (limit === undefined) continue;
    if (n !== limit && !overcommitAllowed(name)) {
      errs.push(
        invalidValue(
          `${path}.requests`,
          shown(v),
          `must be equal to ${name} limit of ${shown(limits[name])}`,
        ),
      );
    } else if (n > limit) {
      errs.push(
        invalidValue(
          `${path}.requests`,
          shown(v),
          `must be less than or equal to ${name} limit of ${shown(limits[name])}`,
        ),
      );
    }
  }
  return errs;
}

function validateProbe(probe: unknown, path: string, successMustBeOne: boolean): FieldError[] {
  if (!isRecord(probe)) return [];
  const errs: FieldError[] = [];
  const handlers = ['exec', 'httpGet', 'tcpSocket', 'grpc'].filter((h) => isRecord(probe[h]));
  if (handlers.length === 0) errs.push(required(path, 'must specify a handler type'));
  else if (handlers.length > 1) {
    errs.push(forbidden(`${path}.${handlers[1]}`, 'may not specify more than 1 handler type'));
  }
  for (const f of [
    'initialDelaySeconds',
    'timeoutSeconds',
    'periodSeconds',
    'successThreshold',
    'failureThreshold',
  ]) {
    const v = probe[f];
    if (typeof v === 'number' && v < 0) {
      errs.push(invalidValue(`${path}.${f}`, v, 'must be greater than or equal to 0'));
    }
  }
  if (successMustBeOne && probe.successThreshold !== undefined && probe.successThreshold !== 1) {
    errs.push(invalidValue(`${path}.successThreshold`, probe.successThreshold, 'must be 1'));
  }
  return errs;
}

/**
 * Upstream's validateContainers/validateContainerCommon, in their order: name, image, pull
 * policy, ports, env, volume mounts, resources, then the duplicate-name check and the probes.
 */
function validateContainers(
  list: unknown,
  path: string,
  requireOne: boolean,
  volumes: Set<string> | undefined,
): FieldError[] {
  const errs: FieldError[] = [];
  if (list === undefined || list === null || (Array.isArray(list) && list.length === 0)) {
    return requireOne ? [required(path)] : [];
  }
  if (!Array.isArray(list)) return [invalidValue(path, list, 'must be a list of containers')];
  const names = new Set<string>();
  list.forEach((c: unknown, i) => {
    const at = `${path}[${i}]`;
    if (!isRecord(c)) {
      errs.push(invalidValue(at, c, 'must be an object'));
      return;
    }
    const name = typeof c.name === 'string' ? c.name : '';
    if (name === '') errs.push(required(`${at}.name`));
    else for (const e of dns1123Label(name)) errs.push(invalidValue(`${at}.name`, name, e));
    if (typeof c.image !== 'string' || c.image.trim() === '') errs.push(required(`${at}.image`));
    else if (c.image !== c.image.trim()) {
      errs.push(
        invalidValue(`${at}.image`, c.image, 'must not have leading or trailing whitespace'),
      );
    }
    if (c.imagePullPolicy !== undefined && !PULL_POLICIES.includes(String(c.imagePullPolicy))) {
      errs.push(notSupported(`${at}.imagePullPolicy`, c.imagePullPolicy, PULL_POLICIES));
    }
    errs.push(...validateContainerPorts(c.ports, `${at}.ports`));
    errs.push(...validateEnv(c.env, `${at}.env`));
    errs.push(...validateVolumeMounts(c.volumeMounts, volumes, `${at}.volumeMounts`));
    errs.push(...validateResources(c.resources, `${at}.resources`));
    if (names.has(name)) errs.push(duplicate(`${at}.name`, name));
    else names.add(name);
    errs.push(...validateProbe(c.livenessProbe, `${at}.livenessProbe`, true));
    errs.push(...validateProbe(c.readinessProbe, `${at}.readinessProbe`, false));
    errs.push(...validateProbe(c.startupProbe, `${at}.startupProbe`, true));
  });
  return errs;
}

/** Upstream's ValidateVolumes (names only): returns the valid volume names for the mount check. */
function validateVolumes(volumes: unknown, path: string): [Set<string>, FieldError[]] {
  const names = new Set<string>();
  const errs: FieldError[] = [];
  if (!Array.isArray(volumes)) return [names, errs];
  volumes.forEach((v: unknown, i) => {
    if (!isRecord(v)) return;
    const at = `${path}[${i}].name`;
    const name = typeof v.name === 'string' ? v.name : '';
    const el: FieldError[] = [];
    if (name === '') el.push(required(at));
    else for (const e of dns1123Label(name)) el.push(invalidValue(at, name, e));
    if (names.has(name)) el.push(duplicate(at, name));
    if (el.length === 0) names.add(name);
    errs.push(...el);
  });
  return [names, errs];
}

/**
 * @param checkMounts false for StatefulSet templates, whose mounts may name volumeClaimTemplates
 * (upstream does not check those mounts either).
 */
export function validatePodSpec(spec: unknown, path: string, checkMounts = true): FieldError[] {
  if (!isRecord(spec)) return [required(path)];
  const [volumes, volumeErrs] = validateVolumes(spec.volumes, `${path}.volumes`);
  const mountable = checkMounts ? volumes : undefined;
  const errs = [
    ...volumeErrs,
    ...validateContainers(spec.containers, `${path}.containers`, true, mountable),
    ...validateContainers(spec.initContainers, `${path}.initContainers`, false, mountable),
  ];
  if (spec.restartPolicy !== undefined && !RESTART_POLICIES.includes(String(spec.restartPolicy))) {
    errs.push(notSupported(`${path}.restartPolicy`, spec.restartPolicy, RESTART_POLICIES));
  }
  if (spec.dnsPolicy === '') errs.push(required(`${path}.dnsPolicy`));
  else if (spec.dnsPolicy !== undefined && !DNS_POLICIES.includes(String(spec.dnsPolicy))) {
    errs.push(notSupported(`${path}.dnsPolicy`, spec.dnsPolicy, DNS_POLICIES));
  }
  return errs;
}
