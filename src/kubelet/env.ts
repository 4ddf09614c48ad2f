// Container environment from a pod spec: value, fieldRef, resourceFieldRef, configMapKeyRef,
// secretKeyRef and envFrom, with $(VAR) expansion as upstream does it.

type Json = Record<string, unknown>;

export class ConfigError extends Error {}

export interface EnvSources {
  configMap(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  secret(namespace: string, name: string): Promise<Record<string, string> | undefined>;
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
  const vars = new Map<string, string>();
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
