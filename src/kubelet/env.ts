// Container environment from a pod spec: Service variables, value, fieldRef, resourceFieldRef,
// configMapKeyRef, secretKeyRef and envFrom, with $(VAR) expansion as upstream does it.

type Json = Record<string, unknown>;

export class ConfigError extends Error {}

export interface EnvSources {
  configMap(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  secret(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  /** The Services whose variables a container of this namespace sees (see serviceEnv). */
  services?(namespace: string, enableServiceLinks: boolean): Promise<readonly ServiceLike[]>;
}

export interface ServiceLike {
  metadata: { name?: string; namespace?: string };
  spec?: unknown;
}

const envName = (s: string): string => s.replace(/-/g, '_').toUpperCase();

/**
 * The Service variables of a container (upstream kubelet's getServiceEnvVarMap and
 * envvars.FromServices): for the `kubernetes` Service of `default` always, and for every Service
 * of the pod's namespace when enableServiceLinks is on, `<SVC>_SERVICE_HOST`, `_SERVICE_PORT`
 * (first port), `_SERVICE_PORT_<NAME>` (named ports) and Docker's link variables
 * (`<SVC>_PORT`, `<SVC>_PORT_<port>_<PROTO>[_PROTO|_PORT|_ADDR]`). Services without a ClusterIP
 * (headless, ExternalName) give none.
 */
export function serviceEnv(
  services: readonly ServiceLike[],
  namespace: string,
  enableServiceLinks: boolean,
): Map<string, string> {
  const chosen = new Map<string, ServiceLike>();
  for (const svc of services) {
    const spec = (svc.spec ?? {}) as { clusterIP?: string };
    if (!spec.clusterIP || spec.clusterIP === 'None') continue;
    const name = svc.metadata.name ?? '';
    if (svc.metadata.namespace === 'default' && name === 'kubernetes') {
      if (!chosen.has(name)) chosen.set(name, svc);
    } else if (svc.metadata.namespace === namespace && enableServiceLinks) {
      chosen.set(name, svc);
    }
  }
  const out = new Map<string, string>();
  for (const [name, svc] of chosen) {
    const spec = (svc.spec ?? {}) as {
      clusterIP: string;
      ports?: Array<{ name?: string; port?: number; protocol?: string }>;
    };
    const ports = spec.ports ?? [];
    const prefix = envName(name);
    out.set(`${prefix}_SERVICE_HOST`, spec.clusterIP);
    out.set(`${prefix}_SERVICE_PORT`, String(ports[0]?.port ?? ''));
    for (const p of ports) {
      if (p.name) out.set(`${prefix}_SERVICE_PORT_${envName(p.name)}`, String(p.port ?? ''));
    }
    ports.forEach((p, i) => {
      const proto = (p.protocol ?? 'TCP').toLowerCase();
      const url = `${proto}://${spec.clusterIP}:${p.port ?? ''}`;
      if (i === 0) out.set(`${prefix}_PORT`, url);
      const pp = `${prefix}_PORT_${p.port ?? ''}_${proto.toUpperCase()}`;
      out.set(pp, url);
      out.set(`${pp}_PROTO`, proto);
      out.set(`${pp}_PORT`, String(p.port ?? ''));
      out.set(`${pp}_ADDR`, spec.clusterIP);
    });
  }
  return out;
}

/** Expands $(NAME) from `vars`; $$ escapes; unknown references stay as written (upstream). */
export function expand(text: string, vars: Map<string, string>): string {
  return text.replace(/\$\$|\$\(([^)]*)\)/g, (m, name: string | undefined) => {
    if (m === '$$') return '$';
    return name !== undefined && vars.has(name) ? (vars.get(name) ?? '') : m;
  });
}

function fieldValue(pod: Json, path: string): string {
  const meta = (pod.metadata ?? {}) as Json;
  const spec = (pod.spec ?? {}) as Json;
  const status = (pod.status ?? {}) as Json;
  const label = /^metadata\.labels\['(.+)'\]$/.exec(path);
  if (label) return String(((meta.labels ?? {}) as Json)[label[1] ?? ''] ?? '');
  const annotation = /^metadata\.annotations\['(.+)'\]$/.exec(path);
  if (annotation) return String(((meta.annotations ?? {}) as Json)[annotation[1] ?? ''] ?? '');
  switch (path) {
    case 'metadata.name':
      return String(meta.name ?? '');
    case 'metadata.namespace':
      return String(meta.namespace ?? '');
    case 'metadata.uid':
      return String(meta.uid ?? '');
    case 'spec.nodeName':
      return String(spec.nodeName ?? '');
    case 'spec.serviceAccountName':
      return String(spec.serviceAccountName ?? '');
    case 'status.hostIP':
    case 'status.hostIPs':
      return '127.0.0.1';
    case 'status.podIP':
    case 'status.podIPs':
      return String(status.podIP ?? '');
    default:
      throw new ConfigError(`unsupported fieldRef fieldPath "${path}"`);
  }
}

export async function containerEnv(
  pod: Json,
  container: Json,
  sources: EnvSources,
  resource: (c: Json, name: string) => string,
): Promise<string[]> {
  const ns = String(((pod.metadata ?? {}) as Json).namespace ?? 'default');
  // Service variables come first: the container's own env overrides them and may refer to them.
  const links = ((pod.spec ?? {}) as Json).enableServiceLinks !== false;
  const vars = sources.services
    ? serviceEnv(await sources.services(ns, links), ns, links)
    : new Map<string, string>();
  for (const from of (container.envFrom ?? []) as Json[]) {
    const prefix = String(from.prefix ?? '');
    const cmRef = from.configMapRef as { name?: string; optional?: boolean } | undefined;
    const secRef = from.secretRef as { name?: string; optional?: boolean } | undefined;
    const ref = cmRef ?? secRef;
    if (!ref?.name) continue;
    const data = cmRef ? await sources.configMap(ns, ref.name) : await sources.secret(ns, ref.name);
    if (!data) {
      if (ref.optional) continue;
      throw new ConfigError(`${cmRef ? 'configmap' : 'secret'} "${ref.name}" not found`);
    }
    for (const [k, v] of Object.entries(data)) vars.set(`${prefix}${k}`, v);
  }
  for (const e of (container.env ?? []) as Json[]) {
    const name = String(e.name ?? '');
    if (e.value !== undefined) {
      vars.set(name, expand(String(e.value), vars));
      continue;
    }
    const from = (e.valueFrom ?? {}) as Json;
    if (from.fieldRef) {
      vars.set(name, fieldValue(pod, String((from.fieldRef as Json).fieldPath ?? '')));
    } else if (from.resourceFieldRef) {
      vars.set(name, resource(container, String((from.resourceFieldRef as Json).resource ?? '')));
    } else if (from.configMapKeyRef || from.secretKeyRef) {
      const isCm = from.configMapKeyRef !== undefined;
      const ref = (from.configMapKeyRef ?? from.secretKeyRef) as {
        name?: string;
        key?: string;
        optional?: boolean;
      };
      const data = isCm
        ? await sources.configMap(ns, ref.name ?? '')
        : await sources.secret(ns, ref.name ?? '');
      const kind = isCm ? 'configmap' : 'secret';
      if (!data) {
        if (ref.optional) continue;
        throw new ConfigError(`${kind} "${ref.name ?? ''}" not found`);
      }
      const value = data[ref.key ?? ''];
      if (value === undefined) {
        if (ref.optional) continue;
        throw new ConfigError(
          `couldn't find key ${ref.key ?? ''} in ${isCm ? 'ConfigMap' : 'Secret'} ${ns}/${ref.name ?? ''}`,
        );
      }
      vars.set(name, value);
    } else {
      vars.set(name, '');
    }
  }
  return [...vars].map(([k, v]) => `${k}=${v}`);
}
