// The objects `kbox run` and `kbox expose` generate, field for field as kubectl 1.32's
// generators make them (Go struct order, so JSON output matches too).
import type { KubeObject } from '../api/types.js';
import { CliError } from './cluster.js';
import { meta } from './create.js';

type Json = Record<string, unknown>;

/** `k=v,k2=v2` (kubectl's --labels), refusing malformed pairs. */
export function parseLabels(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of s.split(',')) {
    const i = pair.indexOf('=');
    if (i <= 0) throw new CliError(`invalid label spec: ${s}`);
    out[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return out;
}

export interface RunInput {
  name: string;
  namespace: string | undefined;
  image: string;
  port?: number;
  env: string[];
  labels?: string;
  restart: string;
  /** The words after `--`: the container's args, or with `command` its command. */
  rest: string[];
  command: boolean;
  /** -i: the container keeps stdin open; closed after the first attach unless leaveStdinOpen. */
  stdin?: boolean;
  leaveStdinOpen?: boolean;
  /** -t: the container gets a TTY. */
  tty?: boolean;
}

export function podObject(o: RunInput): KubeObject {
  const env = o.env.map((e) => {
    const i = e.indexOf('=');
    if (i <= 0) throw new CliError(`invalid env: ${e}`);
    return { name: e.slice(0, i), value: e.slice(i + 1) };
  });
  const container: Json = {
    name: o.name,
    image: o.image,
    ...(o.rest.length > 0 ? { [o.command ? 'command' : 'args']: o.rest } : {}),
    ...(o.port !== undefined && o.port >= 0 ? { ports: [{ containerPort: o.port }] } : {}),
    ...(env.length > 0 ? { env } : {}),
    resources: {},
    ...(o.stdin === true ? { stdin: true } : {}),
    ...(o.stdin === true && o.leaveStdinOpen !== true ? { stdinOnce: true } : {}),
    ...(o.tty === true ? { tty: true } : {}),
  };
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: {
      ...meta(o.name, o.namespace),
      labels: o.labels ? parseLabels(o.labels) : { run: o.name },
    },
    spec: { containers: [container], restartPolicy: o.restart, dnsPolicy: 'ClusterFirst' },
    status: {},
  };
}

export interface ExposeInput {
  /** The object exposed: a pod, service, deployment, replica set or replication controller. */
  target: KubeObject;
  name?: string;
  namespace: string | undefined;
  port?: number;
  targetPort?: string;
  protocol?: string;
  type?: string;
  labels?: string;
  selector?: string;
  sessionAffinity?: string;
}

/** The selector kubectl derives from the exposed object. */
function selectorOf(target: KubeObject): Record<string, string> {
  const kind = target.kind ?? '';
  const spec = (target.spec ?? {}) as Json;
  if (kind === 'Pod') return target.metadata.labels ?? {};
  if (kind === 'Service' || kind === 'ReplicationController') {
    return (spec.selector ?? {}) as Record<string, string>;
  }
  const sel = (spec.selector ?? {}) as {
    matchLabels?: Record<string, string>;
    matchExpressions?: unknown[];
  };
  if (sel.matchExpressions && sel.matchExpressions.length > 0) {
    throw new CliError(
      `couldn't convert expressions - "${JSON.stringify(sel.matchExpressions)}" to map: the selector uses match expressions; pass --selector`,
    );
  }
  return sel.matchLabels ?? {};
}

/** Ports from the object's pods (container ports, or a service's ports), for introspection. */
function portsOf(target: KubeObject): Array<{ port: number; protocol: string }> {
  const spec = (target.spec ?? {}) as Json;
  if (target.kind === 'Service') {
    return ((spec.ports ?? []) as Json[]).map((p) => ({
      port: Number(p.port),
      protocol: String(p.protocol ?? 'TCP'),
    }));
  }
  const podSpec = (target.kind === 'Pod' ? spec : (((spec.template ?? {}) as Json).spec ?? {})) as {
    containers?: Array<{ ports?: Array<{ containerPort: number; protocol?: string }> }>;
  };
  return (podSpec.containers ?? []).flatMap((c) =>
    (c.ports ?? []).map((p) => ({ port: p.containerPort, protocol: p.protocol ?? 'TCP' })),
  );
}

export function serviceObject(o: ExposeInput): KubeObject {
  const selector = o.selector ? parseLabels(o.selector) : selectorOf(o.target);
  if (Object.keys(selector).length === 0) {
    throw new CliError(
      `couldn't retrieve selectors via --selector flag or introspection: the ${(o.target.kind ?? '').toLowerCase()} has no labels to select its pods`,
    );
  }
  let ports: Json[];
  if (o.port !== undefined) {
    const target = o.targetPort ?? String(o.port);
    ports = [
      {
        protocol: o.protocol ?? 'TCP',
        port: o.port,
        targetPort: /^\d+$/.test(target) ? Number(target) : target,
      },
    ];
  } else {
    const found = portsOf(o.target);
    if (found.length === 0)
      throw new CliError("couldn't find port via --port flag or introspection");
    ports = found.map((p, i) => ({
      ...(found.length > 1 ? { name: `port-${i + 1}` } : {}),
      protocol: o.protocol ?? p.protocol,
      port: p.port,
      targetPort: o.targetPort
        ? /^\d+$/.test(o.targetPort)
          ? Number(o.targetPort)
          : o.targetPort
        : p.port,
    }));
  }
  const name = o.name ?? o.target.metadata.name ?? '';
  const labels = o.labels ? parseLabels(o.labels) : o.target.metadata.labels;
  return {
    kind: 'Service',
    apiVersion: 'v1',
    metadata: {
      ...meta(name, o.namespace),
      ...(labels && Object.keys(labels).length > 0 ? { labels } : {}),
    },
    spec: {
      ports,
      selector,
      ...(o.type ? { type: o.type } : {}),
      ...(o.sessionAffinity ? { sessionAffinity: o.sessionAffinity } : {}),
    },
    status: { loadBalancer: {} },
  };
}
