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
  notFound,
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

/**
 * Always when the image's tag is `latest` (an untagged image is `latest`, unless it names a
 * digest), else IfNotPresent: upstream's rule through parsers.ParseImageName.
 */
export function defaultPullPolicy(image: string): string {
  const at = image.indexOf('@');
  const named = at === -1 ? image : image.slice(0, at);
  const nameAndTag = named.slice(named.lastIndexOf('/') + 1);
  const colon = nameAndTag.indexOf(':');
  if (colon === -1) return at === -1 ? 'Always' : 'IfNotPresent';
  return nameAndTag.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

/** Sets a string field Go leaves empty ("" or absent) to its default. */
export function defaultString(o: Json, key: string, value: string): void {
  if (o[key] === undefined || o[key] === null || o[key] === '') o[key] = value;
}

/** Sets an int field Go leaves zero (0 or absent) to its default. */
function defaultNonZero(o: Json, key: string, value: number): void {
  if (o[key] === undefined || o[key] === null || o[key] === 0) o[key] = value;
}

const MILLI = 1_000_000n;

/**
 * Upstream's SetDefaults_ResourceList: every quantity of a resource list is rounded up to milli
 * scale (kbox's decoder has already put it in canonical form).
 */
export function roundResourceList(list: unknown): void {
  if (!isRecord(list)) return;
  for (const [name, value] of Object.entries(list)) {
    if (typeof value !== 'string') continue;
    let nanos: bigint;
    try {
      nanos = quantityNanos(value);
    } catch {
      continue;
    }
    if (nanos % MILLI === 0n) continue;
    const milli = nanos > 0n ? nanos / MILLI + 1n : nanos / MILLI;
    list[name] = canonicalQuantity(`${milli}m`) ?? value;
  }
}

export function defaultResources(r: unknown): void {
  if (!isRecord(r)) return;
  roundResourceList(r.limits);
  roundResourceList(r.requests);
}

/** SetDefaults_ObjectFieldSelector. */
function defaultFieldRef(holder: unknown): void {
  if (isRecord(holder) && isRecord(holder.fieldRef))
    defaultString(holder.fieldRef, 'apiVersion', 'v1');
}

function defaultHttpGet(action: unknown): void {
  if (!isRecord(action)) return;
  defaultString(action, 'path', '/');
  defaultString(action, 'scheme', 'HTTP');
}

function defaultContainer(c: Json): void {
  if (typeof c.image === 'string') defaultString(c, 'imagePullPolicy', defaultPullPolicy(c.image));
  defaultString(c, 'terminationMessagePath', '/dev/termination-log');
  defaultString(c, 'terminationMessagePolicy', 'File');
  // A Go struct, never omitted: every container shows `resources: {}` at least.
  if (!isRecord(c.resources)) c.resources = {};
  defaultResources(c.resources);
  if (Array.isArray(c.ports)) {
    for (const p of c.ports) if (isRecord(p)) defaultString(p, 'protocol', 'TCP');
  }
  if (Array.isArray(c.env)) for (const e of c.env) if (isRecord(e)) defaultFieldRef(e.valueFrom);
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    const pr = c[probe];
    if (!isRecord(pr)) continue;
    defaultNonZero(pr, 'timeoutSeconds', 1);
    defaultNonZero(pr, 'periodSeconds', 10);
    defaultNonZero(pr, 'successThreshold', 1);
    defaultNonZero(pr, 'failureThreshold', 3);
    defaultHttpGet(pr.httpGet);
    // GRPCAction.Service: +default=""
    if (isRecord(pr.grpc)) pr.grpc.service ??= '';
  }
  if (isRecord(c.lifecycle)) {
    for (const hook of ['postStart', 'preStop']) {
      const h = c.lifecycle[hook];
      if (isRecord(h)) defaultHttpGet(h.httpGet);
    }
  }
}

/** SetDefaults_PersistentVolumeClaimSpec and its resource lists. */
export function defaultClaimSpec(spec: unknown): void {
  if (!isRecord(spec)) return;
  spec.volumeMode ??= 'Filesystem';
  defaultResources(spec.resources);
}

/** A volume's source defaults, shared by pod volumes and PersistentVolume sources. */
export function defaultVolumeSource(v: Json): void {
  if (isRecord(v.hostPath)) v.hostPath.type ??= '';
  for (const src of ['configMap', 'secret', 'downwardAPI', 'projected']) {
    const s = v[src];
    if (isRecord(s)) s.defaultMode ??= 0o644;
  }
  if (isRecord(v.downwardAPI) && Array.isArray(v.downwardAPI.items)) {
    for (const item of v.downwardAPI.items) defaultFieldRef(item);
  }
  if (isRecord(v.projected) && Array.isArray(v.projected.sources)) {
    for (const s of v.projected.sources) {
      if (!isRecord(s)) continue;
      if (isRecord(s.downwardAPI) && Array.isArray(s.downwardAPI.items)) {
        for (const item of s.downwardAPI.items) defaultFieldRef(item);
      }
      if (isRecord(s.serviceAccountToken)) s.serviceAccountToken.expirationSeconds ??= 3600;
    }
  }
  // The in-tree sources' declarative defaults (+default= tags in core/v1 types.go).
  if (isRecord(v.iscsi)) v.iscsi.iscsiInterface ??= 'default';
  if (isRecord(v.rbd)) {
    v.rbd.pool ??= 'rbd';
    v.rbd.user ??= 'admin';
    v.rbd.keyring ??= '/etc/ceph/keyring';
  }
  if (isRecord(v.azureDisk)) {
    v.azureDisk.cachingMode ??= 'ReadWrite';
    v.azureDisk.fsType ??= 'ext4';
    v.azureDisk.readOnly ??= false;
    v.azureDisk.kind ??= 'Shared';
  }
  if (isRecord(v.scaleIO)) {
    v.scaleIO.storageMode ??= 'ThinProvisioned';
    v.scaleIO.fsType ??= 'xfs';
  }
}

/**
 * Upstream's SetDefaults_PodSpec and the defaults of everything a pod spec holds: what every
 * PodTemplateSpec gets too.
 */
export function defaultPodSpec(spec: Json): void {
  defaultString(spec, 'restartPolicy', 'Always');
  spec.terminationGracePeriodSeconds ??= 30;
  defaultString(spec, 'dnsPolicy', 'ClusterFirst');
  if (!isRecord(spec.securityContext)) spec.securityContext = {};
  defaultString(spec, 'schedulerName', 'default-scheduler');
  for (const field of ['containers', 'initContainers', 'ephemeralContainers']) {
    const list = spec[field];
    if (Array.isArray(list)) for (const c of list) if (isRecord(c)) defaultContainer(c);
  }
  roundResourceList(spec.overhead);
  defaultResources(spec.resources);
  if (Array.isArray(spec.volumes)) {
    for (const v of spec.volumes) {
      if (!isRecord(v)) continue;
      const hasSource = Object.keys(v).some((k) => k !== 'name' && v[k] !== null);
      if (!hasSource) v.emptyDir = {};
      defaultVolumeSource(v);
      if (isRecord(v.ephemeral) && isRecord(v.ephemeral.volumeClaimTemplate)) {
        defaultClaimSpec(v.ephemeral.volumeClaimTemplate.spec);
      }
    }
  }
}

/**
 * Upstream's SetDefaults_Pod (Pods only, not templates): a container's resources with limits but
 * no request for a resource request what they limit; enableServiceLinks is true; with the host's
 * network, a container port's hostPort is its containerPort.
 */
export function defaultPodOnly(spec: Json): void {
  defaultRequestsFromLimits(spec);
  spec.enableServiceLinks ??= true;
  if (spec.hostNetwork === true) {
    for (const field of ['containers', 'initContainers']) {
      const list = spec[field];
      if (!Array.isArray(list)) continue;
      for (const c of list) {
        if (!isRecord(c) || !Array.isArray(c.ports)) continue;
        for (const p of c.ports) {
          if (isRecord(p) && (p.hostPort === undefined || p.hostPort === null || p.hostPort === 0))
            p.hostPort = p.containerPort;
        }
      }
    }
  }
}

/**
 * The requests half of SetDefaults_Pod: a container's resources with limits but no request for
 * a resource request what they limit.
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
 * Upstream's validateContainerCommon, in its order: name, image, pull policy, ports, env, volume
 * mounts, resources (ordinary, init and ephemeral containers alike).
 */
function validateContainerCommon(
  c: Json,
  at: string,
  volumes: Set<string> | undefined,
): FieldError[] {
  const errs: FieldError[] = [];
  const name = typeof c.name === 'string' ? c.name : '';
  if (name === '') errs.push(required(`${at}.name`));
  else for (const e of dns1123Label(name)) errs.push(invalidValue(`${at}.name`, name, e));
  if (typeof c.image !== 'string' || c.image.trim() === '') errs.push(required(`${at}.image`));
  else if (c.image !== c.image.trim()) {
    errs.push(invalidValue(`${at}.image`, c.image, 'must not have leading or trailing whitespace'));
  }
  if (c.imagePullPolicy !== undefined && !PULL_POLICIES.includes(String(c.imagePullPolicy))) {
    errs.push(notSupported(`${at}.imagePullPolicy`, c.imagePullPolicy, PULL_POLICIES));
  }
  errs.push(...validateContainerPorts(c.ports, `${at}.ports`));
  errs.push(...validateEnv(c.env, `${at}.env`));
  errs.push(...validateVolumeMounts(c.volumeMounts, volumes, `${at}.volumeMounts`));
  errs.push(...validateResources(c.resources, `${at}.resources`));
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
    errs.push(...validateContainerCommon(c, at, volumes));
    const name = typeof c.name === 'string' ? c.name : '';
    if (names.has(name)) errs.push(duplicate(`${at}.name`, name));
    else names.add(name);
    errs.push(...validateProbe(c.livenessProbe, `${at}.livenessProbe`, true));
    errs.push(...validateProbe(c.readinessProbe, `${at}.readinessProbe`, false));
    errs.push(...validateProbe(c.startupProbe, `${at}.startupProbe`, true));
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
function validateEphemeralContainers(
  list: unknown,
  spec: Json,
  path: string,
  volumes: Set<string> | undefined,
): FieldError[] {
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
    errs.push(...validateContainerCommon(c, at, volumes));
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
    ...validateEphemeralContainers(
      spec.ephemeralContainers,
      spec,
      `${path}.ephemeralContainers`,
      mountable,
    ),
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
