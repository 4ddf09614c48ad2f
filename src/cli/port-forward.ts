// `kbox port-forward`: kubectl 1.32's port-forward. TYPE/NAME resolves to a running pod like
// kubectl's attachable-pod lookup; a Service's ports (numbers or names) are translated to the
// pod's container ports; named container ports resolve on the pod. Each local listener prints
// `Forwarding from ADDR:P -> R`, each connection `Handling connection for P`; an error the server
// reports on a connection ends the whole forward, as it does for kubectl.
import { createServer, isIP, type Server, type Socket } from 'node:net';
import type { KubeObject } from '../api/types.js';
import { openPortForward, type PortForwardSession } from '../client/portforward.js';
import { CORE, type KubeClient } from '../client/rest.js';
import { CliError } from './cluster.js';
import { podFor } from './objects.js';
import { resolveResource, type ApiResource } from './resources.js';

type Json = Record<string, unknown>;

export interface PortPair {
  local: string;
  remote: string;
}

/** `LOCAL:REMOTE`, `:REMOTE` (a free local port) or `PORT` (the same on both sides). */
export function splitPort(spec: string): PortPair {
  const parts = spec.split(':');
  if (parts.length === 1) return { local: spec, remote: spec };
  if (parts.length !== 2) throw new CliError(`invalid port format '${spec}'`);
  return { local: parts[0] ?? '', remote: parts[1] ?? '' };
}

const isNumber = (s: string): boolean => /^\d+$/.test(s);

function containerPortByName(pod: KubeObject, name: string): number {
  const containers = ((pod.spec as Json | undefined)?.containers ?? []) as Json[];
  for (const c of containers)
    for (const p of (c.ports ?? []) as Json[]) if (p.name === name) return Number(p.containerPort);
  throw new CliError(`Pod '${pod.metadata.name ?? ''}' does not have a named port '${name}'`);
}

/** kubectl's translateServicePortToTargetPort. */
export function servicePorts(svc: KubeObject, pod: KubeObject, specs: string[]): PortPair[] {
  const spec = (svc.spec ?? {}) as Json;
  const ports = (spec.ports ?? []) as Json[];
  return specs.map((s) => {
    let { local, remote } = splitPort(s);
    let number = Number(remote);
    if (!isNumber(remote)) {
      const named = ports.find((p) => p.name === remote);
      if (!named)
        throw new CliError(
          `Service '${svc.metadata.name ?? ''}' does not have a named port '${remote}'`,
        );
      number = Number(named.port);
      if (local === remote) local = String(number);
    }
    const sp = ports.find((p) => Number(p.port) === number);
    if (!sp)
      throw new CliError(
        `Service ${svc.metadata.name ?? ''} does not have a service port ${number}`,
      );
    let target = number;
    if (spec.clusterIP !== 'None') {
      const tp = sp.targetPort;
      if (typeof tp === 'string' && !isNumber(tp)) target = containerPortByName(pod, tp);
      else if (tp !== undefined && Number(tp) !== 0) target = Number(tp);
      else target = Number(sp.port);
    }
    remote = String(target);
    return { local, remote };
  });
}

/** convertPodNamedPortToNumber. */
export function podPorts(pod: KubeObject, specs: string[]): PortPair[] {
  return specs.map((s) => {
    let { local, remote } = splitPort(s);
    if (!isNumber(remote)) {
      const n = String(containerPortByName(pod, remote));
      if (local === remote) local = n;
      remote = n;
    }
    return { local, remote };
  });
}

export interface ForwardOptions {
  namespace: string;
  target: string;
  ports: string[];
  addresses: string[];
  out: (text: string) => void;
  err: (text: string) => void;
  signal: AbortSignal;
}

/** Listen addresses for --address values: `localhost` is 127.0.0.1 and ::1. */
function listenAddresses(addresses: string[]): Array<{ host: string; required: boolean }> {
  const out: Array<{ host: string; required: boolean }> = [];
  for (const a of addresses.flatMap((x) => x.split(',')).filter((x) => x !== '')) {
    if (a === 'localhost') {
      out.push({ host: '127.0.0.1', required: false }, { host: '::1', required: false });
    } else {
      if (isIP(a) === 0) throw new CliError(`${a} is not a valid IP`);
      out.push({ host: a, required: true });
    }
  }
  return out;
}

function listen(host: string, port: number, onConn: (s: Socket) => void): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(onConn);
    server.once('error', reject);
    server.listen({ host, port, ipv6Only: host.includes(':') }, () => resolve(server));
  });
}

/** Runs until the signal aborts (resolves) or a forwarded connection fails (rejects). */
export async function runPortForward(
  client: KubeClient,
  all: ApiResource[],
  o: ForwardOptions,
): Promise<void> {
  if (o.ports.length === 0) throw new CliError('at least 1 PORT is required for port-forward');
  const podName = await podFor(client, all, o.namespace, o.target);
  const pod = await client.get(CORE.pods, o.namespace, podName);
  const slash = o.target.indexOf('/');
  const r = slash >= 0 ? resolveResource(all, o.target.slice(0, slash)) : undefined;
  const pairs =
    r?.kind === 'Service'
      ? servicePorts(await client.get(r, o.namespace, o.target.slice(slash + 1)), pod, o.ports)
      : podPorts(pod, o.ports);
  const phase = String(((pod.status ?? {}) as Json).phase ?? '');
  if (phase !== 'Running')
    throw new CliError(
      `unable to forward port because pod is not running. Current status=${phase}`,
    );
  const session: PortForwardSession = await openPortForward(client, o.namespace, podName);
  const servers: Server[] = [];
  let failed: ((e: Error) => void) | undefined;
  const failure = new Promise<never>((_, reject) => (failed = reject));
  failure.catch(() => undefined);
  const hosts = listenAddresses(o.addresses);
  try {
    for (const pair of pairs) {
      const remote = Number(pair.remote);
      let local = pair.local === '' ? 0 : Number(pair.local);
      if (!Number.isInteger(local) || local < 0 || local > 65535 || !(remote > 0 && remote < 65536))
        throw new CliError(`invalid port format '${pair.local}:${pair.remote}'`);
      let bound = 0;
      for (const { host, required } of hosts) {
        const onConn = (sock: Socket): void => {
          o.out(`Handling connection for ${local}\n`);
          session.forward(remote, sock).then(
            (message) => {
              if (message !== '')
                failed?.(
                  new Error(`an error occurred forwarding ${local} -> ${remote}: ${message}`),
                );
            },
            (err: Error) => failed?.(err),
          );
        };
        try {
          const server = await listen(host, local, onConn);
          servers.push(server);
          const addr = server.address();
          if (local === 0 && addr && typeof addr === 'object') local = addr.port;
          bound++;
          const shown = host.includes(':') ? `[${host}]` : host;
          o.out(`Forwarding from ${shown}:${local} -> ${remote}\n`);
        } catch (e) {
          if (required)
            throw new CliError(`unable to listen on port ${local}: ${(e as Error).message}`);
        }
      }
      if (bound === 0)
        throw new CliError(
          `unable to listen on any of the requested ports: [{${local} ${remote}}]`,
        );
    }
    const stopped = new Promise<void>((resolve) => {
      if (o.signal.aborted) resolve();
      o.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    const lost = session.closed.then(() => {
      throw new CliError('lost connection to pod');
    });
    lost.catch(() => undefined);
    try {
      await Promise.race([stopped, failure, lost]);
    } catch (e) {
      if ((e as Error).message.startsWith('an error occurred forwarding')) {
        o.err(`${(e as Error).message}\n`);
        throw new CliError('lost connection to pod');
      }
      throw e;
    }
  } finally {
    for (const s of servers) s.close();
    session.close();
  }
}
