// Pod template defaulting and validation shared by pods and every workload's template
// (upstream SetDefaults_PodSpec / SetDefaults_Container and ValidatePodSpec, the parts kbox needs).
import type { FieldError } from '../../../../api/status.js';
import {
  dns1123Label,
  duplicate,
  forbidden,
  invalidValue,
  notFound,
  notSupported,
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
  // Ephemeral containers too (upstream's SetDefaults_EphemeralContainer is the container's).
  for (const field of ['containers', 'initContainers', 'ephemeralContainers']) {
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
const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];

/** Upstream's validateContainerCommon, the parts kbox checks (names are checked by the lists). */
function validateContainer(c: Json, at: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = c.name;
  if (typeof name !== 'string' || name === '') errs.push(required(`${at}.name`));
  else for (const e of dns1123Label(name)) errs.push(invalidValue(`${at}.name`, name, e));
  if (typeof c.image !== 'string' || c.image.trim() === '') errs.push(required(`${at}.image`));
  if (c.imagePullPolicy !== undefined && !PULL_POLICIES.includes(String(c.imagePullPolicy))) {
    errs.push(notSupported(`${at}.imagePullPolicy`, c.imagePullPolicy, PULL_POLICIES));
  }
  if (Array.isArray(c.ports)) {
    c.ports.forEach((p: unknown, j) => {
      if (!isRecord(p)) return;
      const port = p.containerPort;
      const pat = `${at}.ports[${j}]`;
      if (port === undefined) errs.push(required(`${pat}.containerPort`));
      else if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
        errs.push(
          invalidValue(`${pat}.containerPort`, port, 'must be between 1 and 65535, inclusive'),
        );
      }
      if (p.protocol !== undefined && !PROTOCOLS.includes(String(p.protocol))) {
        errs.push(notSupported(`${pat}.protocol`, p.protocol, PROTOCOLS));
      }
    });
  }
  return errs;
}

function validateContainers(list: unknown, path: string, requireOne: boolean): FieldError[] {
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
    const containerErrs = validateContainer(c, at);
    const name = c.name;
    if (typeof name === 'string' && name !== '') {
      // The duplicate comes right after the name's own errors, as upstream orders them.
      const nameErrs = containerErrs.filter((e) => e.field === `${at}.name`).length;
      if (names.has(name)) containerErrs.splice(nameErrs, 0, duplicate(`${at}.name`, name));
      names.add(name);
    }
    errs.push(...containerErrs);
  });
  return errs;
}

/**
 * The Container fields an ephemeral container may not set (every field outside upstream's
 * allowedEphemeralContainerFields), in the struct's order, as validateFieldAllowList reports them.
 */
const EPHEMERAL_FORBIDDEN = [
  'ports',
  'resources',
  'resizePolicy',
  'restartPolicy',
  'livenessProbe',
  'readinessProbe',
  'startupProbe',
  'lifecycle',
];

/** Whether a field holds something other than Go's zero value. */
function isSet(v: unknown): boolean {
  if (v === undefined || v === null || v === '' || v === false) return false;
  if (Array.isArray(v)) return v.length > 0;
  return true; // an object here is a pointer (a probe, lifecycle): set even when empty
}

/** A struct (resources) is zero when all its members are. */
function resourcesSet(v: unknown): boolean {
  if (!isRecord(v)) return isSet(v);
  return Object.values(v).some((m) => (isRecord(m) ? Object.keys(m).length > 0 : isSet(m)));
}

/** Upstream's validateEphemeralContainers: unique names across the pod, a target that exists. */
function validateEphemeralContainers(list: unknown, spec: Json, path: string): FieldError[] {
  if (list === undefined || list === null || (Array.isArray(list) && list.length === 0)) return [];
  if (!Array.isArray(list)) return [invalidValue(path, list, 'must be a list of containers')];
  const others = new Set(
    [...asList(spec.containers), ...asList(spec.initContainers)].map((c) => String(c.name)),
  );
  const all = new Set(others);
  const errs: FieldError[] = [];
  list.forEach((c: unknown, i) => {
    const at = `${path}[${i}]`;
    if (!isRecord(c)) {
      errs.push(invalidValue(at, c, 'must be an object'));
      return;
    }
    errs.push(...validateContainer(c, at));
    const name = typeof c.name === 'string' ? c.name : '';
    if (all.has(name)) errs.push(duplicate(`${at}.name`, name));
    else all.add(name);
    const target = c.targetContainerName;
    if (typeof target === 'string' && target !== '' && !others.has(target)) {
      errs.push(notFound(`${at}.targetContainerName`, target));
    }
    for (const field of EPHEMERAL_FORBIDDEN) {
      const set = field === 'resources' ? resourcesSet(c[field]) : isSet(c[field]);
      if (set) errs.push(forbidden(`${at}.${field}`, 'cannot be set for an Ephemeral Container'));
    }
    asList(c.volumeMounts).forEach((m, j) => {
      for (const sub of ['subPath', 'subPathExpr']) {
        if (isSet(m[sub])) {
          errs.push(
            forbidden(
              `${at}.volumeMounts[${j}].${sub}`,
              'cannot be set for an Ephemeral Container',
            ),
          );
        }
      }
    });
  });
  return errs;
}

function asList(v: unknown): Json[] {
  return Array.isArray(v) ? v.filter(isRecord) : [];
}

export function validatePodSpec(spec: unknown, path: string): FieldError[] {
  if (!isRecord(spec)) return [required(path)];
  const errs = [
    ...validateContainers(spec.containers, `${path}.containers`, true),
    ...validateContainers(spec.initContainers, `${path}.initContainers`, false),
    ...validateEphemeralContainers(spec.ephemeralContainers, spec, `${path}.ephemeralContainers`),
  ];
  if (spec.restartPolicy !== undefined && !RESTART_POLICIES.includes(String(spec.restartPolicy))) {
    errs.push(notSupported(`${path}.restartPolicy`, spec.restartPolicy, RESTART_POLICIES));
  }
  return errs;
}
