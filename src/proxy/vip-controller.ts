// The Service data plane's control loop: one VIP container per Service with a ClusterIP, holding
// that IP on the cluster network, named `<svc>.<ns>.svc.cluster.local` in Docker's DNS, running
// kbox-agent with its stdin attached, fed full snapshots built from the Service's EndpointSlices.
// Level-triggered: informer events only queue `namespace/name`; sync(key) compares the wanted
// container (by labels) with the one that exists, creates, replaces, removes or re-attaches it,
// and sends the snapshot when it changed or the stream is new. After a daemon restart running
// VIP containers are adopted through their labels, not recreated, so connections survive.
import type Docker from 'dockerode';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { PassThrough, type Duplex } from 'node:stream';
import { cidrContains, intToIp, parseCidr, type ClusterNetwork } from '../api/cluster-network.js';
import { LABEL_CLUSTER, LABEL_MANAGED } from '../api/docker-labels.js';
import { isStatusError } from '../api/status.js';
import type { KubeObject } from '../api/types.js';
import { EventRecorder } from '../client/events.js';
import { Informer, objectKey } from '../client/informer.js';
import type { KubeClient, ResourceRef } from '../client/rest.js';
import { runWorkers, WorkQueue } from '../client/workqueue.js';
import { ensureAgentImage } from './agent-image.js';
import type { ClusterView } from './dns-records.js';
import { buildSnapshot, hostAddress, publishedPorts, vipHash, wantsVip } from './snapshot.js';

export const SERVICES: ResourceRef = {
  group: '',
  version: 'v1',
  resource: 'services',
  namespaced: true,
};
export const ENDPOINTSLICES: ResourceRef = {
  group: 'discovery.k8s.io',
  version: 'v1',
  resource: 'endpointslices',
  namespaced: true,
};
const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export const LABEL_TYPE = 'io.kbox.type';
export const VIP_TYPE = 'service-vip';
export const LABEL_SERVICE_UID = 'io.kbox.service-uid';
export const LABEL_SERVICE = 'io.kbox.service';
export const LABEL_VIP_HASH = 'io.kbox.ports-hash';
export const LABEL_LB_IP = 'io.kbox.lb-ip';
/** Published ports left out because their host address was taken: `ip:port/proto,...`. */
export const LABEL_UNPUBLISHED = 'io.kbox.unpublished';
/** How often a Service with host ports left out looks again whether they are free. */
const UNPUBLISHED_RETRY_MS = 15_000;

type Log = (msg: string, fields?: Record<string, unknown>) => void;

export interface VipControllerOptions {
  client: KubeClient;
  docker: Docker;
  cluster: string;
  /** The Docker network the VIPs join (the pods' network). */
  network: string;
  plan: ClusterNetwork;
  /**
   * Give every LoadBalancer Service a loopback address of its own from plan.loadBalancerCidr
   * (Linux); otherwise all share 127.0.0.1 (Docker Desktop forwards only that one).
   */
  perServiceLbIp: boolean;
  log: Log;
}

interface Vip {
  id: string;
  uid: string;
  hash: string;
  unpublished: string[];
  stream?: Duplex;
  /** The last snapshot written to the current stream. */
  sent?: string;
}

function statusCode(err: unknown): number | undefined {
  return (err as { statusCode?: number }).statusCode;
}

export class VipController {
  readonly #o: VipControllerOptions;
  readonly #services: Informer;
  readonly #slices: Informer;
  readonly #queue = new WorkQueue({ baseDelayMs: 200, maxDelayMs: 30_000 });
  readonly #vips = new Map<string, Vip>();
  /** Service key → its LoadBalancer address. */
  readonly #lbIps = new Map<string, string>();
  readonly #events: EventRecorder;
  #image: string | undefined;
  #workers: Promise<void> | undefined;
  #stopping = false;

  constructor(o: VipControllerOptions) {
    this.#o = o;
    const onError = (err: unknown): void => o.log('watch failed; retrying', { error: String(err) });
    this.#services = new Informer(o.client, SERVICES, { onError, resyncMs: 60_000 });
    this.#slices = new Informer(o.client, ENDPOINTSLICES, { onError });
    this.#events = new EventRecorder(o.client, 'kbox-proxy');
    const enqueue = (s: Readonly<KubeObject>): void => this.#queue.add(objectKey(s));
    this.#services.addHandlers({ add: enqueue, update: (_, s) => enqueue(s), delete: enqueue });
    const onSlice = (s: Readonly<KubeObject>): void => {
      const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
      if (svc) this.#queue.add(`${s.metadata.namespace ?? ''}/${svc}`);
    };
    this.#slices.addHandlers({
      add: onSlice,
      update: (old, cur) => {
        onSlice(old);
        onSlice(cur);
      },
      delete: onSlice,
    });
  }

  /** Services and their EndpointSlices as the caches hold them (for the cluster DNS). */
  view(): ClusterView {
    return {
      service: (ns, name) => this.#services.get(`${ns}/${name}`),
      slices: (ns, name) =>
        this.#slices.list(ns).filter((s) => s.metadata.labels?.[SERVICE_NAME_LABEL] === name),
    };
  }

  /** Adopts existing VIP containers, fills the caches, then syncs every Service. */
  async start(): Promise<void> {
    this.#image = await ensureAgentImage(this.#o.docker);
    for (const c of await this.#listVips()) {
      const l = c.Labels;
      const key = l[LABEL_SERVICE] ?? '';
      if (this.#vips.has(key)) {
        await this.#remove(c.Id);
        continue;
      }
      this.#vips.set(key, {
        id: c.Id,
        uid: l[LABEL_SERVICE_UID] ?? '',
        hash: l[LABEL_VIP_HASH] ?? '',
        unpublished: (l[LABEL_UNPUBLISHED] ?? '').split(',').filter((x) => x !== ''),
      });
      const lb = l[LABEL_LB_IP];
      if (lb) this.#lbIps.set(key, lb);
    }
    await Promise.all([this.#services.start(), this.#slices.start()]);
    for (const key of this.#vips.keys()) this.#queue.add(key);
    this.#workers = runWorkers(
      this.#queue,
      2,
      (key) => this.sync(key),
      (key, err) =>
        this.#o.log('service proxy sync failed', { service: key, error: (err as Error).message }),
    );
  }

  /** Stops the loop; with stopContainers (cluster stop) the VIP containers stop too. */
  async stop(opts: { stopContainers?: boolean } = {}): Promise<void> {
    this.#stopping = true;
    this.#queue.shutDown();
    await this.#workers;
    await Promise.all([this.#services.stop(), this.#slices.stop()]);
    for (const vip of this.#vips.values()) {
      vip.stream?.destroy();
      vip.stream = undefined;
    }
    if (opts.stopContainers) {
      await Promise.all(
        [...this.#vips.values()].map(async (v) => {
          try {
            await this.#o.docker.getContainer(v.id).stop({ t: 1 });
          } catch (err) {
            const code = statusCode(err);
            if (code !== 304 && code !== 404) throw err;
          }
        }),
      );
    }
  }

  async #listVips(): Promise<Docker.ContainerInfo[]> {
    return this.#o.docker.listContainers({
      all: true,
      filters: JSON.stringify({
        label: [`${LABEL_CLUSTER}=${this.#o.cluster}`, `${LABEL_TYPE}=${VIP_TYPE}`],
      }),
    });
  }

  async sync(key: string): Promise<number | void> {
    const svc = this.#services.get(key);
    const current = this.#vips.get(key);
    const usable = svc !== undefined && wantsVip(svc) && this.#inRange(svc);
    if (!usable) {
      if (current) {
        current.stream?.destroy();
        await this.#remove(current.id);
        this.#vips.delete(key);
        this.#o.log('service VIP removed', { service: key });
      }
      this.#lbIps.delete(key);
      if (svc && wantsVip(svc) && !this.#inRange(svc)) {
        await this.#events.record(
          { apiVersion: 'v1', kind: 'Service', ...svc },
          'Warning',
          'ClusterIPNotServed',
          `ClusterIP ${String((svc.spec as { clusterIP?: string }).clusterIP)} is outside the cluster's Service range ${this.#o.plan.serviceCidr}; recreate the Service to get a working address`,
        );
      }
      return;
    }
    const lbIp = this.#lbIpFor(key, svc);
    const uid = svc.metadata.uid ?? '';
    let vip = current;
    let retryMs: number | undefined;
    if (vip && vip.uid === uid && vip.unpublished.length > 0) {
      // Host addresses that were taken: keep the container while they still are.
      const taken = await this.#takenHostAddresses(svc, lbIp, vip.unpublished);
      if (taken.length === vip.unpublished.length && vip.hash === vipHash(svc, lbIp, taken)) {
        retryMs = UNPUBLISHED_RETRY_MS;
      }
    }
    if (vip && retryMs === undefined && (vip.uid !== uid || vip.hash !== vipHash(svc, lbIp))) {
      vip.stream?.destroy();
      await this.#remove(vip.id);
      this.#vips.delete(key);
      this.#o.log('service VIP replaced (address or published ports changed)', { service: key });
      vip = undefined;
    }
    if (!vip) {
      // Published ports are checked first: a host address another program (or another
      // cluster's NodePort) holds is left out, so the ClusterIP works anyway, and tried again.
      const unpublished = await this.#takenHostAddresses(svc, lbIp);
      if (unpublished.length > 0) {
        retryMs = UNPUBLISHED_RETRY_MS;
        await this.#events.record(
          { apiVersion: 'v1', kind: 'Service', ...svc },
          'Warning',
          'PortUnavailable',
          `Host address ${unpublished.join(', ')} is in use; Service ${key} is not published there until it is free (the ClusterIP works)`,
        );
      }
      const hash = vipHash(svc, lbIp, unpublished);
      const id = await this.#create(key, svc, hash, lbIp, unpublished);
      vip = { id, uid, hash, unpublished };
      this.#vips.set(key, vip);
    }
    if (!vip.stream) {
      let info: Docker.ContainerInspectInfo;
      try {
        info = await this.#o.docker.getContainer(vip.id).inspect();
      } catch (err) {
        if (statusCode(err) !== 404) throw err;
        this.#vips.delete(key);
        return 0; // gone behind our back: create it again at once
      }
      await this.#attach(key, vip);
      if (!info.State.Running) {
        try {
          await this.#o.docker.getContainer(vip.id).start();
        } catch (err) {
          // #attach set the stream (TypeScript cannot see that through the call).
          (vip.stream as Duplex | undefined)?.destroy();
          vip.stream = undefined;
          // Created again on the retry, with a fresh look at which host ports are free.
          await this.#remove(vip.id);
          this.#vips.delete(key);
          await this.#events.record(
            { apiVersion: 'v1', kind: 'Service', ...svc },
            'Warning',
            'FailedToStartServiceProxy',
            `Error starting the proxy for Service ${key}: ${dockerMessage(err)}`,
          );
          throw err;
        }
      }
    }
    const slices = this.#slices
      .list(svc.metadata.namespace)
      .filter((s) => s.metadata.labels?.[SERVICE_NAME_LABEL] === svc.metadata.name);
    const snapshot = buildSnapshot(svc, slices);
    if (vip.stream && vip.sent !== snapshot) {
      vip.stream.write(snapshot);
      vip.sent = snapshot;
    }
    await this.#writeLbStatus(svc, lbIp);
    return retryMs;
  }

  /**
   * The published host addresses of the Service that something else holds now (checked by
   * binding them; an address the daemon may not bind, a port below 1024 for a normal user,
   * counts as free: Docker's root proxy binds it). With `only`, just those are checked.
   */
  async #takenHostAddresses(
    svc: Readonly<KubeObject>,
    lbIp: string | undefined,
    only?: readonly string[],
  ): Promise<string[]> {
    const taken: string[] = [];
    for (const p of publishedPorts(svc, lbIp)) {
      const addr = hostAddress(p);
      if (only && !only.includes(addr)) continue;
      if (!(await hostPortFree(p.hostIp, p.hostPort, p.protocol))) taken.push(addr);
    }
    return taken;
  }

  #inRange(svc: Readonly<KubeObject>): boolean {
    const ip = (svc.spec as { clusterIP?: string } | undefined)?.clusterIP ?? '';
    return cidrContains(this.#o.plan.serviceCidr, ip);
  }

  /** The Service's LoadBalancer address: kept once given, reused from status when still free. */
  #lbIpFor(key: string, svc: Readonly<KubeObject>): string | undefined {
    if ((svc.spec as { type?: string }).type !== 'LoadBalancer') {
      this.#lbIps.delete(key);
      return undefined;
    }
    if (!this.#o.perServiceLbIp) return '127.0.0.1';
    const mine = this.#lbIps.get(key);
    if (mine) return mine;
    const used = new Set([...this.#lbIps.entries()].filter(([k]) => k !== key).map(([, ip]) => ip));
    const pool = parseCidr(this.#o.plan.loadBalancerCidr);
    if (!pool) return '127.0.0.1';
    const previous = (
      svc.status as { loadBalancer?: { ingress?: Array<{ ip?: string }> } } | undefined
    )?.loadBalancer?.ingress?.[0]?.ip;
    let chosen: string | undefined;
    if (previous && cidrContains(this.#o.plan.loadBalancerCidr, previous) && !used.has(previous))
      chosen = previous;
    for (let i = 1; !chosen && i < pool.size - 1; i++) {
      const ip = intToIp(pool.base + i);
      if (!used.has(ip)) chosen = ip;
    }
    if (!chosen) return undefined; // pool exhausted: the Service stays <pending>
    this.#lbIps.set(key, chosen);
    return chosen;
  }

  async #writeLbStatus(svc: Readonly<KubeObject>, lbIp: string | undefined): Promise<void> {
    const want = lbIp ? [{ ip: lbIp, ipMode: 'Proxy' }] : undefined;
    const status = (svc.status ?? {}) as { loadBalancer?: { ingress?: unknown[] } };
    const have = status.loadBalancer?.ingress;
    if (JSON.stringify(have ?? null) === JSON.stringify(want ?? null)) return;
    if (!want && (have === undefined || have.length === 0)) return;
    const updated = structuredClone(svc) as KubeObject;
    updated.status = { ...status, loadBalancer: want ? { ingress: want } : {} };
    try {
      await this.#o.client.update(SERVICES, updated, 'status');
    } catch (err) {
      // A newer version is on its way through the informer; it queues the key again.
      if (!isStatusError(err, 'Conflict') && !isStatusError(err, 'NotFound')) throw err;
    }
  }

  async #create(
    key: string,
    svc: Readonly<KubeObject>,
    hash: string,
    lbIp: string | undefined,
    unpublished: readonly string[],
  ): Promise<string> {
    const ns = svc.metadata.namespace ?? '';
    const name = svc.metadata.name ?? '';
    const ip = (svc.spec as { clusterIP: string }).clusterIP;
    const exposed: Record<string, object> = {};
    const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
    for (const p of publishedPorts(svc, lbIp)) {
      if (unpublished.includes(hostAddress(p))) continue;
      const k = `${p.port}/${p.protocol}`;
      exposed[k] = {};
      (bindings[k] ??= []).push({ HostIp: p.hostIp, HostPort: String(p.hostPort) });
    }
    const containerName = `kbox-${this.#o.cluster}-svc-${ns}-${name}`;
    // A leftover of an earlier Service with this name (deleted while the daemon was down).
    await this.#remove(containerName);
    this.#image ??= await ensureAgentImage(this.#o.docker);
    const c = await this.#o.docker.createContainer({
      name: containerName,
      Image: this.#image,
      OpenStdin: true,
      StdinOnce: false,
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      ExposedPorts: exposed,
      Labels: {
        [LABEL_MANAGED]: 'true',
        [LABEL_CLUSTER]: this.#o.cluster,
        [LABEL_TYPE]: VIP_TYPE,
        [LABEL_SERVICE]: key,
        [LABEL_SERVICE_UID]: svc.metadata.uid ?? '',
        [LABEL_VIP_HASH]: hash,
        ...(lbIp ? { [LABEL_LB_IP]: lbIp } : {}),
        ...(unpublished.length > 0 ? { [LABEL_UNPUBLISHED]: unpublished.join(',') } : {}),
      },
      HostConfig: {
        NetworkMode: this.#o.network,
        PortBindings: bindings,
        RestartPolicy: { Name: 'no' },
        LogConfig: { Type: 'json-file', Config: { 'max-size': '1m' } },
      },
      NetworkingConfig: {
        EndpointsConfig: {
          [this.#o.network]: {
            IPAMConfig: { IPv4Address: ip },
            Aliases: [`${name}.${ns}.svc.cluster.local`],
          },
        },
      },
    });
    this.#o.log('service VIP created', { service: key, ip, ...(lbIp ? { lbIp } : {}) });
    return c.id;
  }

  /** Attaches stdin/stdout/stderr; when the stream ends the key is synced again (re-attach). */
  async #attach(key: string, vip: Vip): Promise<void> {
    const stream = (await this.#o.docker.getContainer(vip.id).attach({
      stream: true,
      stdin: true,
      stdout: true,
      stderr: true,
      hijack: true,
    })) as unknown as Duplex;
    const out = new PassThrough();
    const err = new PassThrough();
    let errText = '';
    err.on('data', (b: Buffer) => {
      errText += b.toString();
      let nl: number;
      while ((nl = errText.indexOf('\n')) >= 0) {
        this.#o.log('service proxy agent', { service: key, stderr: errText.slice(0, nl) });
        errText = errText.slice(nl + 1);
      }
    });
    out.resume();
    this.#o.docker.modem.demuxStream(stream, out, err);
    const ended = (): void => {
      if (vip.stream !== stream) return;
      vip.stream = undefined;
      vip.sent = undefined;
      if (!this.#stopping) this.#queue.addAfter(key, 500);
    };
    stream.on('end', ended);
    stream.on('close', ended);
    stream.on('error', ended);
    vip.stream = stream;
    vip.sent = undefined;
  }

  async #remove(idOrName: string): Promise<void> {
    try {
      await this.#o.docker.getContainer(idOrName).remove({ force: true });
    } catch (err) {
      if (statusCode(err) !== 404) throw err;
    }
  }
}

function dockerMessage(err: unknown): string {
  return (
    (err as { json?: { message?: string } | null }).json?.message ??
    (err as Error).message.replace(/^\(HTTP code \d+\) [^-]*- /, '').trim()
  );
}

/** Whether ip:port can be bound now (EACCES, a privileged port, counts as free). */
export function hostPortFree(ip: string, port: number, protocol: 'tcp' | 'udp'): Promise<boolean> {
  return new Promise((resolve) => {
    const verdict = (err: NodeJS.ErrnoException | undefined): void =>
      resolve(err === undefined || err.code === 'EACCES');
    if (protocol === 'udp') {
      const sock = createSocket('udp4');
      sock.once('error', (err) => {
        sock.close();
        verdict(err);
      });
      sock.bind(port, ip, () => sock.close(() => verdict(undefined)));
      return;
    }
    const srv = createServer();
    srv.once('error', (err) => verdict(err));
    srv.listen(port, ip, () => srv.close(() => verdict(undefined)));
  });
}
