// Container probes (after upstream's pkg/kubelet/prober and pkg/probe): one worker per running
// container and probe kind, on the probe's own timer. httpGet, tcpSocket and grpc dial the pod IP
// from the daemon, as the kubelet dials from the node; exec runs in the container. A worker keeps
// its latest result; the kubelet reads them when it writes the pod status and is told (onChange)
// when one flips. Liveness and startup failures past the threshold call onKill once per container.
import { request as httpRequest } from 'node:http';
import { connect as http2Connect } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import { connect as netConnect } from 'node:net';
import type { Runtime } from './runtime/interface.js';

type Json = Record<string, unknown>;

export type ProbeKind = 'startup' | 'liveness' | 'readiness';

export interface ProbeOutcome {
  ok: boolean;
  /** What the probe saw; becomes the Unhealthy event's message on failure. */
  output: string;
}

export interface ProbeTarget {
  podIP: string;
  containerId: string;
  /** The container's named ports, for httpGet/tcpSocket ports given by name. */
  namedPorts: ReadonlyMap<string, number>;
}

/** The probe's timing fields with upstream's defaults and minimums. */
export function probeTiming(probe: Json): {
  initialDelayMs: number;
  periodMs: number;
  timeoutMs: number;
  successThreshold: number;
  failureThreshold: number;
} {
  const n = (k: string, dflt: number, min: number): number => {
    const v = probe[k];
    return typeof v === 'number' && Number.isFinite(v) ? Math.max(min, v) : dflt;
  };
  return {
    initialDelayMs: n('initialDelaySeconds', 0, 0) * 1000,
    periodMs: n('periodSeconds', 10, 1) * 1000,
    timeoutMs: n('timeoutSeconds', 1, 1) * 1000,
    successThreshold: n('successThreshold', 1, 1),
    failureThreshold: n('failureThreshold', 3, 1),
  };
}

function resolvePort(port: unknown, target: ProbeTarget): number | string {
  if (typeof port === 'number') return port;
  const s = String(port);
  if (/^\d+$/.test(s)) return Number(s);
  return target.namedPorts.get(s) ?? s;
}

function connectError(err: NodeJS.ErrnoException, host: string, port: number): string {
  if (err.code === 'ECONNREFUSED') return `dial tcp ${host}:${port}: connect: connection refused`;
  if (err.code === 'EHOSTUNREACH') return `dial tcp ${host}:${port}: connect: no route to host`;
  return `dial tcp ${host}:${port}: ${err.message}`;
}

async function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeOutcome> {
  return await new Promise((resolve) => {
    const sock = netConnect({ host, port });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ ok: false, output: `dial tcp ${host}:${port}: i/o timeout` });
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ ok: true, output: '' });
    });
    sock.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ ok: false, output: connectError(err, host, port) });
    });
  });
}

async function httpProbe(
  get: Json,
  host: string,
  port: number,
  timeoutMs: number,
): Promise<ProbeOutcome> {
  const scheme = String(get.scheme ?? 'HTTP').toLowerCase();
  let path = String(get.path ?? '/');
  if (!path.startsWith('/')) path = `/${path}`;
  const url = `${scheme}://${host}:${port}${path}`;
  const headers: Record<string, string> = {
    'User-Agent': 'kube-probe/1.32',
    Accept: '*/*',
  };
  for (const h of (get.httpHeaders ?? []) as Array<{ name?: string; value?: string }>) {
    if (h.name) headers[h.name] = h.value ?? '';
  }
  const send = scheme === 'https' ? httpsRequest : httpRequest;
  return await new Promise((resolve) => {
    const req = send(
      url,
      { method: 'GET', headers, rejectUnauthorized: false, timeout: timeoutMs },
      (res) => {
        const code = res.statusCode ?? 0;
        // Read (and bound) the body so the connection closes cleanly.
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          if (body.length < 10_240) body += d;
        });
        res.on('end', () => {
          resolve(
            code >= 200 && code < 400
              ? { ok: true, output: body }
              : { ok: false, output: `HTTP probe failed with statuscode: ${code}` },
          );
        });
        res.on('error', () => resolve({ ok: false, output: `Get "${url}": connection reset` }));
      },
    );
    req.on('timeout', () => {
      req.destroy();
      resolve({
        ok: false,
        output: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
      });
    });
    req.on('error', (err: NodeJS.ErrnoException) =>
      resolve({ ok: false, output: `Get "${url}": ${connectError(err, host, port)}` }),
    );
    req.end();
  });
}

const GRPC_STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

/** grpc.health.v1.Health/Check over HTTP/2 (the message is one optional string field). */
async function grpcProbe(
  grpc: Json,
  host: string,
  port: number,
  timeoutMs: number,
): Promise<ProbeOutcome> {
  const service = Buffer.from(String(grpc.service ?? ''), 'utf8');
  const message =
    service.length > 0
      ? Buffer.concat([Buffer.from([0x0a, service.length]), service])
      : Buffer.alloc(0);
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  message.copy(frame, 5);
  return await new Promise((resolve) => {
    const session = http2Connect(`http://${host}:${port}`);
    let done = false;
    const finish = (o: ProbeOutcome): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      session.destroy();
      resolve(o);
    };
    const timer = setTimeout(
      () =>
        finish({
          ok: false,
          output: `timeout: health rpc did not complete within ${timeoutMs / 1000}s`,
        }),
      timeoutMs,
    );
    session.on('error', (err: NodeJS.ErrnoException) =>
      finish({
        ok: false,
        output: `timeout: failed to connect service "${host}:${port}" within ${timeoutMs / 1000}s: ${connectError(err, host, port)}`,
      }),
    );
    const req = session.request({
      ':method': 'POST',
      ':path': '/grpc.health.v1.Health/Check',
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    const chunks: Buffer[] = [];
    let grpcStatus: string | undefined;
    let grpcMessage = '';
    const onHeaders = (h: Record<string, unknown>): void => {
      if (h['grpc-status'] !== undefined) grpcStatus = String(h['grpc-status']);
      if (h['grpc-message'] !== undefined)
        grpcMessage = decodeURIComponent(String(h['grpc-message']));
    };
    req.on('response', onHeaders);
    req.on('trailers', onHeaders);
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('error', (err: Error) => finish({ ok: false, output: `rpc error: ${err.message}` }));
    req.on('end', () => {
      if (grpcStatus !== undefined && grpcStatus !== '0') {
        finish({
          ok: false,
          output: `rpc error: code = ${grpcStatus} desc = ${grpcMessage}`,
        });
        return;
      }
      // The reply: 5-byte frame header, then field 1 (varint) = the serving status.
      const body = Buffer.concat(chunks);
      const status = body.length >= 7 && body[5] === 0x08 ? (body[6] ?? 0) : 0;
      const name = GRPC_STATUS[status] ?? String(status);
      finish(
        status === 1
          ? { ok: true, output: '' }
          : { ok: false, output: `service unhealthy (responded with "${name}")` },
      );
    });
    req.end(frame);
  });
}

/** Runs one probe attempt. Never throws: an error is a failed attempt with its message. */
export async function runProbe(
  probe: Json,
  target: ProbeTarget,
  runtime: Pick<Runtime, 'exec'>,
): Promise<ProbeOutcome> {
  const { timeoutMs } = probeTiming(probe);
  try {
    if (probe.exec) {
      const command = ((probe.exec as Json).command ?? []) as string[];
      const r = await runtime.exec(target.containerId, command, timeoutMs);
      if (r.timedOut) return { ok: false, output: `command "${command.join(' ')}" timed out` };
      return { ok: r.exitCode === 0, output: r.output };
    }
    const host = (p: Json): string =>
      typeof p.host === 'string' && p.host ? p.host : target.podIP;
    if (probe.httpGet) {
      const get = probe.httpGet as Json;
      const port = resolvePort(get.port, target);
      if (typeof port !== 'number') return { ok: false, output: `unknown port "${port}"` };
      return await httpProbe(get, host(get), port, timeoutMs);
    }
    if (probe.tcpSocket) {
      const sock = probe.tcpSocket as Json;
      const port = resolvePort(sock.port, target);
      if (typeof port !== 'number') return { ok: false, output: `unknown port "${port}"` };
      return await tcpProbe(host(sock), port, timeoutMs);
    }
    if (probe.grpc) {
      const grpc = probe.grpc as Json;
      return await grpcProbe(grpc, target.podIP, Number(grpc.port), timeoutMs);
    }
    return { ok: false, output: 'the probe has no handler (exec, httpGet, tcpSocket or grpc)' };
  } catch (err) {
    return { ok: false, output: (err as Error).message };
  }
}

/**
 * A probe's debounced result (upstream's worker): the result changes only after
 * successThreshold successes or failureThreshold failures in a row.
 */
export class ProbeResult {
  #last: boolean | undefined;
  #run = 0;
  /** undefined until the threshold is first reached. */
  result: boolean | undefined;

  constructor(
    readonly successThreshold: number,
    readonly failureThreshold: number,
    initial?: boolean,
  ) {
    this.result = initial;
  }

  /** Records one attempt; returns true when the result changed. */
  observe(ok: boolean): boolean {
    this.#run = this.#last === ok ? this.#run + 1 : 1;
    this.#last = ok;
    const needed = ok ? this.successThreshold : this.failureThreshold;
    if (this.#run < needed || this.result === ok) return false;
    this.result = ok;
    return true;
  }
}

export interface ProbeHooks {
  /** A result flipped: the pod's status needs writing. */
  onChange(podKey: string): void;
  /** One failed attempt (upstream records an Unhealthy event for each). */
  onFailure(podKey: string, container: string, kind: ProbeKind, output: string): void;
  /** Liveness or startup failed past its threshold: the container must be restarted. */
  onKill(podKey: string, containerId: string, container: string, kind: ProbeKind): void;
}

interface Worker {
  timer: NodeJS.Timeout | undefined;
  stopped: boolean;
}

interface ContainerProbes {
  podKey: string;
  name: string;
  results: Partial<Record<ProbeKind, ProbeResult>>;
  workers: Worker[];
}

/** Probe workers for the running containers of one kubelet, keyed by container id. */
export class ProbeManager {
  readonly #runtime: Pick<Runtime, 'exec'>;
  readonly #hooks: ProbeHooks;
  readonly #containers = new Map<string, ContainerProbes>();

  constructor(runtime: Pick<Runtime, 'exec'>, hooks: ProbeHooks) {
    this.#runtime = runtime;
    this.#hooks = hooks;
  }

  /**
   * Makes the workers match the pod's running containers: starts probes for new containers and
   * stops those of containers that are gone. `running` maps container name → id.
   */
  syncPod(podKey: string, podIP: string, spec: Json, running: ReadonlyMap<string, string>): void {
    const wanted = new Set<string>();
    // App containers and sidecars (restartable init containers) are probed alike.
    const probed = [
      ...((spec.containers ?? []) as Json[]),
      ...((spec.initContainers ?? []) as Json[]).filter((c) => c.restartPolicy === 'Always'),
    ];
    for (const c of probed) {
      const id = running.get(String(c.name));
      if (!id || !podIP) continue;
      wanted.add(id);
      if (this.#containers.has(id)) continue;
      this.#start(podKey, podIP, c, id);
    }
    for (const [id, cp] of this.#containers) {
      if (cp.podKey === podKey && !wanted.has(id)) this.#stop(id);
    }
  }

  /** Stops every worker of a pod (deleted or terminal). */
  forgetPod(podKey: string): void {
    for (const [id, cp] of this.#containers) if (cp.podKey === podKey) this.#stop(id);
  }

  stopAll(): void {
    for (const id of [...this.#containers.keys()]) this.#stop(id);
  }

  /** Readiness as the status shows it: false until a readiness probe succeeds, if it has one. */
  ready(containerId: string): boolean {
    const cp = this.#containers.get(containerId);
    if (!cp) return true;
    if (cp.results.startup && cp.results.startup.result !== true) return false;
    const r = cp.results.readiness;
    return r ? r.result === true : true;
  }

  /** Whether the startup probe (if any) has succeeded. */
  started(containerId: string): boolean {
    const s = this.#containers.get(containerId)?.results.startup;
    return s ? s.result === true : true;
  }

  #start(podKey: string, podIP: string, c: Json, id: string): void {
    const namedPorts = new Map<string, number>();
    for (const p of (c.ports ?? []) as Json[]) {
      if (typeof p.name === 'string') namedPorts.set(p.name, Number(p.containerPort));
    }
    const target: ProbeTarget = { podIP, containerId: id, namedPorts };
    const cp: ContainerProbes = { podKey, name: String(c.name), results: {}, workers: [] };
    this.#containers.set(id, cp);
    const kinds: Array<[ProbeKind, unknown]> = [
      ['startup', c.startupProbe],
      ['liveness', c.livenessProbe],
      ['readiness', c.readinessProbe],
    ];
    for (const [kind, raw] of kinds) {
      if (!raw || typeof raw !== 'object') continue;
      const probe = raw as Json;
      const t = probeTiming(probe);
      // Liveness starts out healthy; readiness and startup start out unknown (not ready).
      const result = new ProbeResult(
        t.successThreshold,
        t.failureThreshold,
        kind === 'liveness' ? true : undefined,
      );
      cp.results[kind] = result;
      const worker: Worker = { timer: undefined, stopped: false };
      cp.workers.push(worker);
      const tick = async (): Promise<void> => {
        if (worker.stopped) return;
        // Liveness and readiness wait for the startup probe; startup stops once it succeeded.
        const gated = kind !== 'startup' && !this.started(id);
        const done = kind === 'startup' && result.result === true;
        if (!gated && !done) {
          const outcome = await runProbe(probe, target, this.#runtime);
          if (worker.stopped) return;
          if (!outcome.ok) this.#hooks.onFailure(podKey, cp.name, kind, outcome.output.trim());
          const changed = result.observe(outcome.ok);
          if (changed) this.#hooks.onChange(podKey);
          if (result.result === false && (kind === 'liveness' || kind === 'startup')) {
            this.#hooks.onKill(podKey, id, cp.name, kind);
            this.#stop(id);
            return;
          }
        }
        worker.timer = setTimeout(() => void tick(), t.periodMs);
        worker.timer.unref();
      };
      worker.timer = setTimeout(() => void tick(), t.initialDelayMs);
      worker.timer.unref();
    }
  }

  #stop(id: string): void {
    const cp = this.#containers.get(id);
    if (!cp) return;
    for (const w of cp.workers) {
      w.stopped = true;
      if (w.timer) clearTimeout(w.timer);
    }
    this.#containers.delete(id);
  }
}

/**
 * Runs a lifecycle hook handler (postStart/preStop: exec, httpGet or sleep) within `timeoutMs`.
 * Resolves with undefined on success, else with upstream's failure message for the event.
 */
export async function runHook(
  handler: Json,
  target: ProbeTarget,
  runtime: Pick<Runtime, 'exec'>,
  timeoutMs: number,
  where: { container: string; pod: string },
): Promise<string | undefined> {
  const seconds = Math.max(1, Math.ceil(timeoutMs / 1000));
  const inPod = `for Container "${where.container}" in Pod "${where.pod}"`;
  if (handler.sleep) {
    const secs = Number((handler.sleep as Json).seconds ?? 0);
    await new Promise((r) => setTimeout(r, Math.min(secs * 1000, timeoutMs)).unref());
    return undefined;
  }
  if (handler.exec) {
    const command = ((handler.exec as Json).command ?? []) as string[];
    const r = await runProbe({ exec: handler.exec, timeoutSeconds: seconds }, target, runtime);
    if (r.ok) return undefined;
    return `Exec lifecycle hook (${JSON.stringify(command)}) ${inPod} failed - error: command '${command.join(' ')}' exited with a non-zero code, message: ${JSON.stringify(r.output)}`;
  }
  if (handler.httpGet) {
    const path = String((handler.httpGet as Json).path ?? '/');
    const r = await runProbe(
      { httpGet: handler.httpGet, timeoutSeconds: seconds },
      target,
      runtime,
    );
    if (r.ok) return undefined;
    return `HTTP lifecycle hook (${path}) ${inPod} failed - error: ${r.output}`;
  }
  return `lifecycle hook ${inPod} has no supported handler (exec, httpGet or sleep)`;
}
