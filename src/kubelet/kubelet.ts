// The pod half of a kubelet: watches the pods bound to its node and makes Docker match them.
// One level-triggered sync per pod key: read the pod from the informer, read its containers from
// the runtime's labels, act (sandbox, init containers in order, app containers, restarts with
// CrashLoopBackOff), then write the pod's status only when it changed. Deletion: stop the
// containers within the grace period, remove them, confirm with a zero-grace delete.
import { createHash } from 'node:crypto';
import { rfc3339 } from '../api/duration.js';
import { isStatusError } from '../api/status.js';
import type { KubeObject } from '../api/types.js';
import { EventRecorder } from '../client/events.js';
import { Informer, objectKey } from '../client/informer.js';
import { CORE, resourcePath, type KubeClient, type ResourceRef } from '../client/rest.js';
import { runWorkers, WorkQueue } from '../client/workqueue.js';
import { cpuCores, memoryBytes } from '../api/quantity.js';
import { ConfigError, containerEnv, expand } from './env.js';
import { ProbeManager, runHook, type ProbeTarget } from './prober.js';
import { PodVolumes, VolumeError, type PreparedVolume } from './volumes.js';
import { ImagePuller, type PullPolicy } from './images.js';
import { ResourceStatsCollector, type ProcessUsage } from './stats.js';
import { SANDBOX_CHANGED_MESSAGE, sandboxAction } from './sandbox-action.js';
import type { Summary } from '../api/stats-summary.js';
import {
  ImageError,
  type ContainerInfo,
  type ContainerKind,
  type ContainerSpec,
  type Runtime,
} from './runtime/interface.js';

type Json = Record<string, unknown>;

const PODS: ResourceRef = { group: '', version: 'v1', resource: 'pods', namespaced: true };
const CONFIGMAPS: ResourceRef = {
  group: '',
  version: 'v1',
  resource: 'configmaps',
  namespaced: true,
};
const SECRETS: ResourceRef = { group: '', version: 'v1', resource: 'secrets', namespaced: true };
const PVCS: ResourceRef = {
  group: '',
  version: 'v1',
  resource: 'persistentvolumeclaims',
  namespaced: true,
};
const PVS: ResourceRef = {
  group: '',
  version: 'v1',
  resource: 'persistentvolumes',
  namespaced: false,
};

const BACKOFF_START_MS = 10_000;
const BACKOFF_MAX_MS = 300_000;
/** A container that ran this long without failing resets its backoff (upstream: 10 min). */
const BACKOFF_RESET_MS = 600_000;

export interface KubeletOptions {
  client: KubeClient;
  runtime: Runtime;
  nodeName: string;
  network: string;
  /**
   * The cluster DNS Service's address (the real kubelet's --cluster-dns), given to pods with
   * dnsPolicy ClusterFirst (the default); unset: pods use the host's resolvers.
   */
  clusterDns?: string;
  /** Where pod volumes live: <podsDir>/<pod uid>/volumes/<name>. */
  podsDir: string;
  log: (msg: string, fields?: Record<string, unknown>) => void;
  clock?: () => Date;
  resyncMs?: number;
  /**
   * Whether to run the pods' probes (default true). Fake nodes do not: their pod IPs lead
   * nowhere, so their containers count as started and ready, as kwok's do.
   */
  runProbes?: boolean;
  /** The daemon's own usage, counted in this node's resource figures (the control-plane node). */
  daemonUsage?: () => ProcessUsage;
  /** Pods synced at once (default 4: the engine starts containers faster side by side). */
  podWorkers?: number;
}

/** After ErrImagePull, look again soon so the status moves on to ImagePullBackOff. */
const IMAGE_PULL_RETRY_MS = 2_000;

const ZERO = '0001-01-01T00:00:00Z';

/** The app containers, then the sidecars: every container that runs alongside others. */
function podContainerSpecs(spec: Json): Json[] {
  return [
    ...((spec.containers ?? []) as Json[]),
    ...((spec.initContainers ?? []) as Json[]).filter(isSidecar),
  ];
}

/** The event field path of a container: spec.initContainers{x} for a sidecar. */
function fieldPathOf(spec: Json, name: string): string {
  const init = ((spec.initContainers ?? []) as Json[]).some((c) => c.name === name);
  return init ? `spec.initContainers{${name}}` : `spec.containers{${name}}`;
}

const SPEC_LISTS: Record<ContainerKind, string> = {
  init: 'initContainers',
  regular: 'containers',
  ephemeral: 'ephemeralContainers',
};
const STATUS_LISTS: Record<ContainerKind, string> = {
  init: 'initContainerStatuses',
  regular: 'containerStatuses',
  ephemeral: 'ephemeralContainerStatuses',
};

/** An init container with restartPolicy Always: a sidecar, running beside the app. */
function isSidecar(c: Json): boolean {
  return c.restartPolicy === 'Always';
}

function containerHash(c: Json): string {
  return createHash('sha256').update(JSON.stringify(c)).digest('hex').slice(0, 16);
}

/** The container's entry in the pod's last written status, if any. */
function previousStatus(
  pod: object,
  kind: ContainerKind,
  name: string,
): { restartCount?: number; containerID?: string } | undefined {
  const status = ((pod as { status?: unknown }).status ?? {}) as Record<
    string,
    Array<{ name: string; restartCount?: number; containerID?: string }> | undefined
  >;
  return status[STATUS_LISTS[kind]]?.find((s) => s.name === name);
}

/** The attempt number of a container that has no predecessor left in the runtime. */
function recordedRestarts(pod: object, kind: ContainerKind, name: string): number {
  const s = previousStatus(pod, kind, name);
  return s?.containerID ? (s.restartCount ?? 0) + 1 : 0;
}

interface Backoff {
  delayMs: number;
  until: number;
}

export class Kubelet {
  readonly #o: KubeletOptions;
  readonly #clock: () => Date;
  readonly #pods: Informer;
  /**
   * A failed sync is retried after 1 s, doubling to 10 s (upstream's pod workers wait 10 s): an
   * engine that is down costs a few attempts per pod, not a spin.
   */
  readonly #queue = new WorkQueue({ baseDelayMs: 1_000, maxDelayMs: 10_000 });
  readonly #abort = new AbortController();
  readonly #backoff = new Map<string, Backoff>();
  readonly #uidToKey = new Map<string, string>();
  readonly #events: EventRecorder;
  readonly #probes: ProbeManager;
  readonly #volumes: PodVolumes;
  readonly #images: ImagePuller;
  readonly #stats: ResourceStatsCollector;
  #workers: Promise<void> | undefined;
  #engineEvents: Promise<void> | undefined;
  #resync: NodeJS.Timeout | undefined;

  constructor(o: KubeletOptions) {
    this.#o = o;
    this.#clock = o.clock ?? (() => new Date());
    this.#pods = new Informer(o.client, PODS, {
      fieldSelector: `spec.nodeName=${o.nodeName}`,
      onError: (err) => o.log('pod watch failed; retrying', { error: String(err) }),
    });
    const enqueue = (obj: Readonly<KubeObject>): void => {
      this.#uidToKey.set(obj.metadata.uid ?? '', objectKey(obj));
      this.#queue.add(objectKey(obj));
    };
    this.#pods.addHandlers({ add: enqueue, update: (_, o2) => enqueue(o2), delete: enqueue });
    this.#events = new EventRecorder(o.client, 'kubelet', o.nodeName);
    this.#volumes = new PodVolumes(o.podsDir);
    this.#images = new ImagePuller(o.runtime, () => this.#clock().getTime(), o.log);
    this.#stats = new ResourceStatsCollector({
      nodeName: o.nodeName,
      read: () => o.runtime.containerStats(),
      ...(o.daemonUsage ? { process: o.daemonUsage } : {}),
      log: o.log,
    });
    const field = (pod: Readonly<KubeObject>, name: string): string =>
      fieldPathOf((pod.spec ?? {}) as Json, name);
    const title = { startup: 'Startup', liveness: 'Liveness', readiness: 'Readiness' };
    this.#probes = new ProbeManager(o.runtime, {
      onChange: (key) => this.#queue.add(key),
      onFailure: (key, name, kind, output) => {
        const pod = this.#pods.get(key);
        if (!pod) return;
        void this.#events.record(
          pod,
          'Warning',
          'Unhealthy',
          `${title[kind]} probe failed: ${output}`,
          field(pod, name),
        );
      },
      onKill: (key, id, name, kind) => {
        const pod = this.#pods.get(key);
        if (!pod) return;
        void this.#events.record(
          pod,
          'Normal',
          'Killing',
          `Container ${name} failed ${kind} probe, will be restarted`,
          field(pod, name),
        );
        const spec = (pod.spec ?? {}) as Json;
        const c = podContainerSpecs(spec).find((x) => x.name === name);
        const probe = (kind === 'liveness' ? c?.livenessProbe : c?.startupProbe) as
          Json | undefined;
        const grace = Number(
          probe?.terminationGracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30,
        );
        this.#killContainer(pod as Json, name, id, grace)
          .catch((err: unknown) =>
            o.log('stopping an unhealthy container failed', { error: String(err) }),
          )
          .finally(() => this.#queue.add(key));
      },
    });
  }

  async start(): Promise<void> {
    await this.#pods.start();
    this.#workers = runWorkers(
      this.#queue,
      this.#o.podWorkers ?? 4,
      (key) => this.#sync(key),
      (key, err) =>
        this.#o.log('pod sync failed', {
          pod: key,
          error: err instanceof Error ? err.message : String(err),
        }),
    );
    const rt = this.#o.runtime as Runtime & {
      watchEvents?(cb: (uid: string) => void, s: AbortSignal): Promise<void>;
    };
    if (rt.watchEvents) {
      this.#engineEvents = (async () => {
        while (!this.#abort.signal.aborted) {
          await rt
            .watchEvents?.((uid) => {
              const key = this.#uidToKey.get(uid);
              if (key) this.#queue.add(key);
            }, this.#abort.signal)
            .catch(() => undefined);
          if (!this.#abort.signal.aborted) await new Promise((r) => setTimeout(r, 1000).unref());
        }
      })();
    }
    this.#resync = setInterval(() => {
      this.#resyncAll().catch((err: unknown) =>
        this.#o.log('resync failed', { error: String(err) }),
      );
    }, this.#o.resyncMs ?? 10_000);
    this.#resync.unref();
    await this.#resyncAll().catch((err: unknown) =>
      this.#o.log('initial resync failed; retrying in the background', { error: String(err) }),
    );
  }

  /**
   * Stops the kubelet. With stopContainers (a cluster stop), every container of this node is
   * stopped within its pod's grace period and removed; the next start recreates what should run.
   */
  async stop(opts: { stopContainers?: boolean } = {}): Promise<void> {
    this.#abort.abort();
    this.#stats.stop();
    this.#probes.stopAll();
    if (this.#resync) clearInterval(this.#resync);
    this.#queue.shutDown();
    await this.#workers;
    await this.#engineEvents;
    if (opts.stopContainers) {
      const grace = new Map(
        this.#pods
          .list()
          .map((p) => [
            p.metadata.uid ?? '',
            Number((p.spec as Json | undefined)?.terminationGracePeriodSeconds ?? 30),
          ]),
      );
      const all = await this.#o.runtime.listContainers().catch(() => [] as ContainerInfo[]);
      await Promise.all(
        all
          .filter((c) => c.kind !== 'sandbox')
          .map((c) => this.#o.runtime.stopContainer(c.id, grace.get(c.podUid) ?? 30)),
      );
      for (const c of all) await this.#o.runtime.removeContainer(c.id);
      for (const uid of new Set(all.map((c) => c.podUid))) {
        await this.#o.runtime.removePodVolumes(uid).catch(() => undefined);
      }
    }
    await this.#pods.stop();
  }

  get runtime(): Runtime {
    return this.#o.runtime;
  }

  /** For the kubelet's HTTP endpoint (/stats/summary): this node's and its pods' usage. */
  summary(): Promise<Summary> {
    return this.#stats.summary();
  }

  /** For the kubelet's HTTP endpoint: a pod on this node by namespace and name. */
  findPod(
    namespace: string,
    name: string,
  ): { uid: string; tty(container: string): boolean } | undefined {
    const pod = this.#pods.get(`${namespace}/${name}`);
    if (!pod) return undefined;
    const containers = Object.values(SPEC_LISTS).flatMap(
      (list) => ((pod.spec as Json | undefined)?.[list] ?? []) as Json[],
    );
    return {
      uid: pod.metadata.uid ?? '',
      tty: (c) => containers.find((x) => x.name === c)?.tty === true,
    };
  }

  /** Requeues every pod and removes containers of pods that no longer exist here. */
  async #resyncAll(): Promise<void> {
    for (const pod of this.#pods.list()) this.#queue.add(objectKey(pod));
    const containers = await this.#o.runtime.listContainers();
    // The pods known once the listing is back: a pod that arrived meanwhile may already have
    // containers and volumes, which are not to be removed.
    const known = this.#knownUids();
    const gone = new Set<string>();
    for (const c of containers) {
      if (!known.has(c.podUid)) {
        await this.#o.runtime.stopContainer(c.id, 0);
        await this.#o.runtime.removeContainer(c.id);
        gone.add(c.podUid);
      }
    }
    for (const uid of gone) await this.#o.runtime.removePodVolumes(uid);
    // Asked again after those awaits, for the same reason.
    this.#volumes.tearDownOthers(this.#knownUids());
  }

  #knownUids(): Set<string> {
    return new Set(this.#pods.list().map((pod) => pod.metadata.uid ?? ''));
  }

  async #lookup(ref: ResourceRef, ns: string, name: string): Promise<Json | undefined> {
    try {
      return (await this.#o.client.get(ref, ns, name)) as Json;
    } catch (err) {
      if (isStatusError(err, 'NotFound')) return undefined;
      throw err;
    }
  }

  async #sync(key: string): Promise<number | void> {
    const pod = this.#pods.get(key) as Json | undefined;
    if (!pod) return; // gone from the API: the resync removes its containers
    const meta = pod.metadata as KubeObject['metadata'];
    const uid = meta.uid ?? '';
    const spec = (pod.spec ?? {}) as Json;
    const rt = this.#o.runtime;
    let containers = await rt.podContainers(uid);

    if (meta.deletionTimestamp) {
      this.#probes.forgetPod(key);
      this.#images.forgetPod(uid);
      const grace = meta.deletionGracePeriodSeconds ?? 30;
      const sidecarNames = new Set(
        ((spec.initContainers ?? []) as Json[]).filter(isSidecar).map((c) => String(c.name)),
      );
      const isSidecarContainer = (c: ContainerInfo): boolean =>
        c.kind === 'init' && sidecarNames.has(c.name);
      const started = Date.now();
      // App containers first; sidecars after them, last one first, in what is left of the grace.
      await Promise.all(
        containers
          .filter((c) => c.kind !== 'sandbox' && !isSidecarContainer(c))
          .map((c) => this.#killContainer(pod, c.name, c.id, grace)),
      );
      const left = Math.max(0, grace - Math.floor((Date.now() - started) / 1000));
      await this.#stopSidecars(pod, containers, left);
      for (const c of containers) await rt.removeContainer(c.id);
      await rt.removePodVolumes(uid);
      this.#volumes.tearDown(uid);
      try {
        // For this pod only (upstream's status manager sends the UID as a precondition): a pod
        // created since under the same name must not be deleted by this confirmation.
        await this.#o.client.delete(PODS, meta.namespace, meta.name ?? '', {
          gracePeriodSeconds: 0,
          preconditions: { uid },
        });
      } catch (err) {
        if (!isStatusError(err, 'NotFound') && !isStatusError(err, 'Conflict')) throw err;
      }
      this.#o.log('pod deleted', { pod: key });
      return;
    }

    const phase = ((pod.status ?? {}) as Json).phase;
    if (phase === 'Succeeded' || phase === 'Failed') {
      this.#probes.forgetPod(key);
      return; // terminal: containers stay for logs until the pod is deleted
    }

    const waiting = new Map<string, { reason: string; message: string }>();
    const action = sandboxAction(spec, containers);
    if (action === 'recreate' || action === 'none') {
      // As upstream's KillPod: the pod's sandbox is gone, so whatever still runs in its
      // namespaces stops; then either everything starts over in a new sandbox, or the pod ends.
      this.#probes.forgetPod(key);
      const grace = Number(spec.terminationGracePeriodSeconds ?? 30);
      await Promise.all(
        containers
          .filter((c) => c.kind !== 'sandbox' && c.state === 'running')
          .map((c) => this.#killContainer(pod, c.name, c.id, grace)),
      );
      containers = await rt.podContainers(uid);
      if (action === 'none') {
        const appsExisted = containers.some((c) => c.kind === 'regular');
        await this.#writeStatus(pod, containers, new Map(), appsExisted);
        return;
      }
      await this.#events.record(
        pod as KubeObject,
        'Normal',
        'SandboxChanged',
        SANDBOX_CHANGED_MESSAGE,
      );
    }
    let sandbox = containers.find((c) => c.kind === 'sandbox' && c.state === 'running');
    if (!sandbox) {
      // A dead sandbox that cannot be removed does not hold the pod back: upstream removes dead
      // sandboxes in its garbage collection, apart from SyncPod. (Docker 20.10 may refuse, its
      // root filesystem "busy", one it was starting as it shut down; the next attempt or the
      // pod's deletion removes it.)
      const dead = containers.filter((c) => c.kind === 'sandbox');
      for (const c of dead) {
        await rt
          .removeContainer(c.id)
          .catch((err: unknown) =>
            this.#o.log('dead sandbox not removed', { pod: key, id: c.id, error: String(err) }),
          );
      }
      const ports = ((spec.containers ?? []) as Json[]).flatMap((c) =>
        ((c.ports ?? []) as Json[])
          .filter((p) => typeof p.hostPort === 'number' && p.hostPort > 0)
          .map((p) => ({
            hostPort: p.hostPort as number,
            containerPort: p.containerPort as number,
            protocol: String(p.protocol ?? 'TCP'),
            ...(typeof p.hostIP === 'string' ? { hostIP: p.hostIP } : {}),
          })),
      );
      const ns = meta.namespace ?? 'default';
      sandbox = await rt.createSandbox({
        podUid: uid,
        podName: meta.name ?? '',
        namespace: ns,
        hostname: String(spec.hostname ?? meta.name ?? ''),
        network: this.#o.network,
        // dnsPolicy Default: the node's resolv.conf as it is, no cluster names.
        ...(spec.dnsPolicy === 'Default'
          ? { dnsSearch: [], dnsOptions: [] }
          : {
              ...(this.#o.clusterDns ? { dns: [this.#o.clusterDns] } : {}),
              dnsSearch: [`${ns}.svc.cluster.local`, 'svc.cluster.local', 'cluster.local'],
              dnsOptions: ['ndots:5'],
            }),
        hostPorts: ports,
        labels: {},
        attempt: dead.length === 0 ? 0 : Math.max(...dead.map((c) => c.attempt)) + 1,
      });
    }

    let volumes: Map<string, PreparedVolume>;
    try {
      volumes = await this.#volumes.setUp(pod, {
        configMap: async (ns, n) => (await this.#lookup(CONFIGMAPS, ns, n)) ?? undefined,
        secret: async (ns, n) => {
          const secret = await this.#lookup(SECRETS, ns, n);
          return secret ? ((secret.data ?? {}) as Record<string, string>) : undefined;
        },
        claimVolume: async (ns, claim) => {
          const pvc = await this.#lookup(PVCS, ns, claim);
          if (!pvc) return { found: false };
          const volumeName = (pvc.spec as { volumeName?: string } | undefined)?.volumeName;
          const phase = (pvc.status as { phase?: string } | undefined)?.phase;
          if (!volumeName || phase !== 'Bound') return { found: true, bound: false };
          const pv = await this.#lookup(PVS, '', volumeName);
          const hostPath = (pv?.spec as { hostPath?: { path?: string } } | undefined)?.hostPath
            ?.path;
          return { found: true, bound: true, volume: volumeName, hostPath };
        },
        tmpfsVolume: (podUid, name, size) => rt.ensureTmpfsVolume(podUid, name, size),
        serviceAccountToken: async (r) => {
          const path = `${resourcePath(CORE.serviceaccounts, r.namespace, r.serviceAccount)}/token`;
          const out = await this.#o.client.call<{
            status?: { token?: string; expirationTimestamp?: string };
          }>('POST', path, {
            apiVersion: 'authentication.k8s.io/v1',
            kind: 'TokenRequest',
            spec: {
              ...(r.audiences.length > 0 ? { audiences: r.audiences } : {}),
              expirationSeconds: r.expirationSeconds,
              boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: r.pod.name, uid: r.pod.uid },
            },
          });
          return {
            token: out.status?.token ?? '',
            expiresAt: Date.parse(out.status?.expirationTimestamp ?? ''),
          };
        },
      });
    } catch (err) {
      if (!(err instanceof VolumeError)) throw err;
      // As upstream: the pod waits in ContainerCreating and says why in a FailedMount event.
      await this.#events.record(pod as KubeObject, 'Warning', 'FailedMount', err.message);
      const noInit = ((spec.initContainers ?? []) as Json[]).length === 0;
      await this.#writeStatus(pod, await rt.podContainers(uid), new Map(), noInit);
      return 5_000;
    }

    let requeueMs: number | undefined;
    const restartPolicy = String(spec.restartPolicy ?? 'Always');
    const sandboxId = sandbox.id;
    /** Whether a container ran in the current sandbox (not in one that died before it). */
    const inSandbox = (c: ContainerInfo): boolean =>
      c.sandboxId === undefined || c.sandboxId === sandboxId;
    const byName = (name: string): ContainerInfo[] =>
      containers
        .filter((c) => c.name === name && c.kind !== 'sandbox')
        .sort((a, b) => b.attempt - a.attempt);

    const runOne = async (
      c: Json,
      kind: ContainerKind,
      previous: ContainerInfo | undefined,
    ): Promise<void> => {
      const name = String(c.name);
      // With no container left in the runtime (removed behind kbox's back, or all of them gone
      // with a node restart), the count goes on from the pod's status as upstream's kubelet
      // does: a container that has run before starts as a restart.
      const attempt = previous ? previous.attempt + 1 : recordedRestarts(pod, kind, name);
      const policy = (c.imagePullPolicy as PullPolicy | undefined) ?? 'IfNotPresent';
      const fieldPath = `spec.${SPEC_LISTS[kind]}{${name}}`;
      const event = (type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> =>
        this.#events.record(pod as KubeObject, type, reason, message, fieldPath);
      let step: 'image' | 'config' | 'create' | 'start' = 'image';
      try {
        await this.#images.ensure(uid, String(c.image), policy, event);
        step = 'config';
        const env = await containerEnv(
          pod,
          c,
          {
            configMap: async (ns, n) =>
              ((await this.#lookup(CONFIGMAPS, ns, n))?.data as
                Record<string, string> | undefined) ?? undefined,
            secret: async (ns, n) => {
              const s = await this.#lookup(SECRETS, ns, n);
              if (!s) return undefined;
              const data = (s.data ?? {}) as Record<string, string>;
              return Object.fromEntries(
                Object.entries(data).map(([k, v]) => [
                  k,
                  Buffer.from(v, 'base64').toString('utf8'),
                ]),
              );
            },
            services: async (ns, links) => {
              const master = await this.#lookup(CORE.services, 'default', 'kubernetes');
              const local = links ? (await this.#o.client.list(CORE.services, ns)).items : [];
              return [...(master ? [master as KubeObject] : []), ...local];
            },
          },
          (ctr, res) => {
            const r = (ctr.resources ?? {}) as {
              limits?: Record<string, string>;
              requests?: Record<string, string>;
            };
            const [kindName, resName] = res.split('.') as [string, string];
            const v = (kindName === 'limits' ? r.limits : r.requests)?.[resName];
            if (v === undefined) return resName === 'cpu' ? '1' : '0';
            return resName === 'cpu' ? String(Math.ceil(cpuCores(v))) : String(memoryBytes(v));
          },
        );
        const vars = new Map(
          env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
        );
        const limits = ((c.resources ?? {}) as { limits?: Record<string, string> }).limits ?? {};
        const sc = (c.securityContext ?? {}) as Json;
        const podSc = (spec.securityContext ?? {}) as Json;
        const runAsUser = sc.runAsUser ?? podSc.runAsUser;
        const runAsGroup = sc.runAsGroup ?? podSc.runAsGroup;
        const caps = (sc.capabilities ?? {}) as { add?: string[]; drop?: string[] };
        const cs: ContainerSpec = {
          podUid: uid,
          podName: meta.name ?? '',
          namespace: meta.namespace ?? 'default',
          name,
          kind,
          attempt,
          image: String(c.image),
          env,
          tty: c.tty === true,
          stdin: c.stdin === true,
          ...(c.stdin === true && c.stdinOnce === true ? { stdinOnce: true } : {}),
          specHash: containerHash(c),
          labels: {},
          ...(kind === 'init' && isSidecar(c) ? { sidecar: true } : {}),
          ...(Array.isArray(c.command)
            ? { command: (c.command as string[]).map((s) => expand(s, vars)) }
            : {}),
          ...(Array.isArray(c.args)
            ? { args: (c.args as string[]).map((s) => expand(s, vars)) }
            : {}),
          ...(typeof c.workingDir === 'string' ? { workingDir: c.workingDir } : {}),
          ...(limits.memory
            ? { memoryBytes: Math.max(6 * 1024 * 1024, memoryBytes(limits.memory)) }
            : {}),
          ...(limits.cpu ? { nanoCpus: Math.max(0.01, cpuCores(limits.cpu)) * 1e9 } : {}),
          ...(runAsUser !== undefined
            ? {
                user: `${String(runAsUser)}${runAsGroup !== undefined ? `:${String(runAsGroup)}` : ''}`,
              }
            : {}),
          ...(sc.readOnlyRootFilesystem === true ? { readOnlyRootfs: true } : {}),
          ...(sc.privileged === true ? { privileged: true } : {}),
          ...(caps.add ? { capAdd: caps.add } : {}),
          ...(caps.drop ? { capDrop: caps.drop } : {}),
        };
        if (kind === 'ephemeral' && typeof c.targetContainerName === 'string') {
          // As upstream's kubelet: the target's process namespace, which must be running.
          const target = byName(c.targetContainerName).find(
            (x) => x.kind !== 'ephemeral' && x.state === 'running',
          );
          if (!target) throw new Error(`container ${c.targetContainerName} is not running`);
          cs.pidTarget = target.id;
        }
        if (cs.nanoCpus !== undefined) cs.nanoCpus = Math.round(cs.nanoCpus);
        cs.mounts = this.#volumes.mounts(c, volumes);
        step = 'create';
        const id = await rt.createContainer(sandbox.id, cs);
        await event('Normal', 'Created', `Created container ${name}`);
        step = 'start';
        await rt.startContainer(id);
        await event('Normal', 'Started', `Started container ${name}`);
        const postStart = ((c.lifecycle ?? {}) as Json).postStart as Json | undefined;
        if (postStart && (kind === 'regular' || isSidecar(c))) {
          const failure = await runHook(
            postStart,
            this.#hookTarget(sandbox.ip, c, id),
            rt,
            Number(spec.terminationGracePeriodSeconds ?? 30) * 1000,
            { container: name, pod: `${meta.name ?? ''}_${meta.namespace ?? ''}(${uid})` },
          );
          if (failure) {
            // As upstream: the container is killed and restarted per the pod's restart policy.
            await event('Warning', 'FailedPostStartHook', failure);
            await this.#killContainer(pod, name, id, 0);
          }
        }
        // Keep only the previous attempt, for lastState and logs --previous.
        for (const old of byName(name).slice(1)) await rt.removeContainer(old.id);
      } catch (err) {
        const soonest = (ms: number): void => {
          requeueMs = Math.min(requeueMs ?? Infinity, ms);
        };
        if (err instanceof ImageError) {
          waiting.set(name, { reason: err.reason, message: err.message });
          // As upstream's container start: the error's name, on top of the image manager's event.
          await event('Warning', 'Failed', `Error: ${err.reason}`);
          if (err.reason === 'ErrImagePull') soonest(IMAGE_PULL_RETRY_MS);
          else if (err.reason === 'ImagePullBackOff')
            soonest(Math.max(100, this.#images.backoffRemaining(uid, String(c.image))));
          else soonest(10_000);
        } else if (err instanceof ConfigError || err instanceof VolumeError) {
          waiting.set(name, { reason: 'CreateContainerConfigError', message: err.message });
          await event('Warning', 'Failed', `Error: ${err.message}`);
          soonest(5_000);
        } else {
          const message = (err as Error).message;
          waiting.set(name, { reason: 'RunContainerError', message });
          if (step === 'create' || step === 'start')
            await event('Warning', 'Failed', `Error: ${message}`);
          soonest(5_000);
        }
      }
    };

    /** Restart a dead container now, or report CrashLoopBackOff until its backoff expires. */
    const maybeRestart = async (
      c: Json,
      kind: ContainerKind,
      last: ContainerInfo,
    ): Promise<void> => {
      const bkey = `${uid}/${String(c.name)}`;
      const now = this.#clock().getTime();
      const ranFor = new Date(last.finishedAt).getTime() - new Date(last.startedAt).getTime();
      let b = this.#backoff.get(bkey);
      if (ranFor > BACKOFF_RESET_MS) b = undefined;
      if (b && now < b.until) {
        waiting.set(String(c.name), {
          reason: 'CrashLoopBackOff',
          message: `back-off ${Math.round(b.delayMs / 1000)}s restarting failed container=${String(c.name)} pod=${meta.name ?? ''}_${meta.namespace ?? ''}(${uid})`,
        });
        requeueMs = Math.min(requeueMs ?? Infinity, b.until - now);
        return;
      }
      const delay = b ? Math.min(b.delayMs * 2, BACKOFF_MAX_MS) : BACKOFF_START_MS;
      this.#backoff.set(bkey, { delayMs: delay, until: now + delay });
      await runOne(c, kind, last);
    };

    // Init containers, in order; each must succeed before the next. A sidecar (restartPolicy
    // Always) only has to start (its startup probe passed, if it has one); it then runs beside the
    // app and is restarted whenever it exits, whatever the pod's restart policy. Once an app
    // container exists the pod is initialized for good: only sidecars are looked after.
    const regulars = (spec.containers ?? []) as Json[];
    // In a new sandbox (the old one died) the init containers run again, as upstream does.
    const initialized = regulars.some((c) => byName(String(c.name)).some(inSandbox));
    const appsFinished = initialized && this.#appsFinished(regulars, byName, restartPolicy);
    const runningNow = new Map(
      containers
        .filter((c) => c.kind !== 'sandbox' && c.state === 'running')
        .map((c) => [c.name, c.id] as const),
    );
    // Probe workers first, so a sidecar's startup probe is known before it gates the next one.
    if (this.#o.runProbes !== false) this.#probes.syncPod(key, sandbox.ip, spec, runningNow);
    let initDone = true;
    for (const c of (spec.initContainers ?? []) as Json[]) {
      const prior = byName(String(c.name))[0];
      // One that ran in a dead sandbox counts for the attempt number only.
      const last = prior && inSandbox(prior) ? prior : undefined;
      if (isSidecar(c)) {
        if (appsFinished) continue; // being stopped below: the pod's work is done
        if (!last) {
          await runOne(c, 'init', prior);
          if (initialized) continue;
          initDone = false;
          break;
        }
        if (last.state === 'exited') {
          await maybeRestart(c, 'init', last);
          if (initialized) continue;
          initDone = false;
          break;
        }
        if (!initialized && (last.state !== 'running' || !this.#probes.started(last.id))) {
          initDone = false;
          break;
        }
        continue;
      }
      if (initialized) continue;
      if (!last) {
        await runOne(c, 'init', prior);
        initDone = false;
        break;
      }
      if (last.state !== 'exited') {
        initDone = false;
        break;
      }
      if (last.exitCode === 0) continue;
      initDone = false;
      if (restartPolicy !== 'Never') await maybeRestart(c, 'init', last);
      break;
    }

    if (initDone) {
      for (const c of regulars) {
        const last = byName(String(c.name))[0];
        if (!last) {
          await runOne(c, 'regular', undefined);
          continue;
        }
        if (last.specHash !== containerHash(c) && last.state === 'running') {
          // The spec changed (e.g. a new image): replace the container.
          await this.#killContainer(
            pod,
            String(c.name),
            last.id,
            Number(spec.terminationGracePeriodSeconds ?? 30),
          );
          await runOne(c, 'regular', last);
          continue;
        }
        if (last.state !== 'exited') {
          // Created in a sandbox that died before it started: it starts in the new one.
          if (!inSandbox(last)) await runOne(c, 'regular', last);
          continue;
        }
        const failed = last.exitCode !== 0 || last.oomKilled;
        if (restartPolicy === 'Always' || (restartPolicy === 'OnFailure' && failed)) {
          await maybeRestart(c, 'regular', last);
        }
      }
    }

    // Ephemeral containers (kubectl debug) start once the sandbox is up, even before the pod is
    // initialized, as upstream's computePodActions starts them; they are never restarted.
    // One that ran before and is gone from the runtime (a cluster stop removes containers) is
    // not run again either: its last status stands.
    for (const c of (spec.ephemeralContainers ?? []) as Json[]) {
      const name = String(c.name);
      if (byName(name).length > 0 || previousStatus(pod, 'ephemeral', name)?.containerID) continue;
      await runOne(c, 'ephemeral', undefined);
    }

    // The phase below is computed from the containers as they are now: an app container that
    // ended during this sync (after `containers` was read) must stop the sidecars too, or the pod
    // would turn terminal with its sidecars still running.
    let now = await rt.podContainers(uid);
    const finishedNow =
      appsFinished ||
      (initialized &&
        this.#appsFinished(
          regulars,
          (name) =>
            now
              .filter((c) => c.name === name && c.kind !== 'sandbox')
              .sort((a, b) => b.attempt - a.attempt),
          restartPolicy,
        ));
    if (finishedNow) {
      // Every app container is done for good (a Job's pod): sidecars stop, last started first,
      // and the pod's phase follows its app containers alone.
      await this.#stopSidecars(pod, now, Number(spec.terminationGracePeriodSeconds ?? 30));
      now = await rt.podContainers(uid);
    }

    const running = new Map(
      now
        .filter((c) => c.kind !== 'sandbox' && c.state === 'running')
        .map((c) => [c.name, c.id] as const),
    );
    if (this.#o.runProbes !== false) this.#probes.syncPod(key, sandbox.ip, spec, running);
    await this.#writeStatus(pod, now, waiting, initDone);
    return requeueMs;
  }

  /** Whether no app container will run again: all exited and the policy restarts none. */
  #appsFinished(
    regulars: Json[],
    byName: (name: string) => ContainerInfo[],
    restartPolicy: string,
  ): boolean {
    if (restartPolicy === 'Always' || regulars.length === 0) return false;
    return regulars.every((c) => {
      const last = byName(String(c.name))[0];
      if (last?.state !== 'exited') return false;
      return restartPolicy === 'Never' || (last.exitCode === 0 && !last.oomKilled);
    });
  }

  /**
   * Stops the pod's running sidecars in reverse order of the spec, as upstream terminates them
   * after the app containers, within what is left of the grace period.
   */
  async #stopSidecars(pod: Json, containers: ContainerInfo[], graceSeconds: number): Promise<void> {
    const started = Date.now();
    const sidecars = (((pod.spec as Json | undefined)?.initContainers ?? []) as Json[])
      .filter(isSidecar)
      .reverse();
    for (const c of sidecars) {
      const running = containers.filter(
        (x) => x.name === c.name && x.kind === 'init' && x.state === 'running',
      );
      const left = Math.max(0, graceSeconds - Math.floor((Date.now() - started) / 1000));
      for (const x of running) await this.#killContainer(pod, String(c.name), x.id, left);
    }
  }

  /** What a hook or probe dials: the pod IP and the container's named ports. */
  #hookTarget(podIP: string, c: Json, containerId: string): ProbeTarget {
    const namedPorts = new Map<string, number>();
    for (const p of (c.ports ?? []) as Json[]) {
      if (typeof p.name === 'string') namedPorts.set(p.name, Number(p.containerPort));
    }
    return { podIP, containerId, namedPorts };
  }

  /**
   * Stops a container as upstream's killContainer does: its preStop hook first (within the
   * grace period), then SIGTERM with what is left of it (at least 2 s), then SIGKILL.
   */
  async #killContainer(pod: Json, name: string, id: string, graceSeconds: number): Promise<void> {
    const spec = (pod.spec ?? {}) as Json;
    const c = podContainerSpecs(spec).find((x) => x.name === name);
    const preStop = ((c?.lifecycle ?? {}) as Json).preStop as Json | undefined;
    let grace = graceSeconds;
    if (c && preStop && graceSeconds > 0) {
      const started = Date.now();
      const info = await this.#o.runtime.inspect(id);
      if (info?.state === 'running') {
        const sandbox = (await this.#o.runtime.podContainers(info.podUid)).find(
          (x) => x.kind === 'sandbox',
        );
        const meta = pod.metadata as KubeObject['metadata'];
        const failure = await runHook(
          preStop,
          this.#hookTarget(sandbox?.ip ?? '', c, id),
          this.#o.runtime,
          graceSeconds * 1000,
          { container: name, pod: `${meta.name ?? ''}_${meta.namespace ?? ''}(${meta.uid ?? ''})` },
        );
        if (failure) {
          await this.#events.record(
            pod as KubeObject,
            'Warning',
            'FailedPreStopHook',
            failure,
            fieldPathOf(spec, name),
          );
        }
        grace = Math.max(2, graceSeconds - Math.floor((Date.now() - started) / 1000));
      }
    }
    await this.#o.runtime.stopContainer(id, grace);
  }

  async #writeStatus(
    pod: Json,
    containers: ContainerInfo[],
    waiting: Map<string, { reason: string; message: string }>,
    initDone: boolean,
  ): Promise<void> {
    const spec = (pod.spec ?? {}) as Json;
    const old = (pod.status ?? {}) as Json;
    const now = rfc3339(this.#clock());
    const sandbox = containers.find((c) => c.kind === 'sandbox' && c.state === 'running');
    const restartPolicy = String(spec.restartPolicy ?? 'Always');
    const scheme = this.#o.runtime.scheme;

    const statusOf = (c: Json, kind: ContainerKind): Json => {
      const name = String(c.name);
      const mine = containers
        .filter((x) => x.name === name && x.kind === kind)
        .sort((a, b) => b.attempt - a.attempt);
      const cur = mine[0];
      const prev = mine[1];
      const terminated = (x: ContainerInfo): Json => ({
        exitCode: x.exitCode,
        reason: x.oomKilled
          ? 'OOMKilled'
          : x.exitCode === 0
            ? 'Completed'
            : x.finishedAt === ZERO
              ? 'ContainerCannotRun'
              : 'Error',
        ...(x.error ? { message: x.error } : {}),
        startedAt:
          x.startedAt === ZERO
            ? rfc3339(x.finishedAt === ZERO ? now : x.finishedAt)
            : rfc3339(x.startedAt),
        finishedAt: x.finishedAt === ZERO ? now : rfc3339(x.finishedAt),
        containerID: `${scheme}://${x.id}`,
      });
      const w = waiting.get(name);
      let state: Json;
      let lastState: Json = {};
      if (w) {
        state = { waiting: w };
        if (cur && cur.state === 'exited') lastState = { terminated: terminated(cur) };
      } else if (cur?.state === 'running') {
        state = { running: { startedAt: rfc3339(cur.startedAt) } };
        if (prev) lastState = { terminated: terminated(prev) };
      } else if (cur?.state === 'exited') {
        state = { terminated: terminated(cur) };
        if (prev) lastState = { terminated: terminated(prev) };
      } else {
        state = {
          waiting: {
            reason: kind === 'init' || initDone ? 'ContainerCreating' : 'PodInitializing',
          },
        };
      }
      const imageRef = String(c.image);
      const before = previousStatus(pod, kind, name) as Json | undefined;
      if (kind === 'ephemeral' && !cur && !w && before?.containerID) {
        const last = before.state as Json | undefined;
        if (last?.terminated) return before;
        // Gone while it ran: upstream's words for a container that could not be located.
        return {
          ...before,
          state: {
            terminated: {
              exitCode: 137,
              reason: 'ContainerStatusUnknown',
              message:
                'The container could not be located when the pod was deleted.  The container used to be Running',
              startedAt: ((last?.running as Json | undefined)?.startedAt as string) ?? now,
              finishedAt: now,
            },
          },
        };
      }
      if (kind === 'ephemeral') {
        // As upstream: never ready, never restarted, no startup probe to report.
        return {
          name,
          state,
          lastState,
          ready: false,
          restartCount: 0,
          image: imageRef,
          imageID: cur ? `${scheme}://${cur.imageId}` : '',
          ...(cur ? { containerID: `${scheme}://${cur.id}` } : {}),
        };
      }
      return {
        name,
        state,
        lastState,
        // As upstream's prober manager: an init container that completed is ready; a sidecar
        // (like an app container) is ready while running and its readiness probe passes.
        ready:
          kind === 'init' && !isSidecar(c)
            ? cur?.state === 'exited' && cur.exitCode === 0 && !w
            : cur?.state === 'running' && !w && this.#probes.ready(cur.id),
        restartCount: cur ? cur.attempt : (previousStatus(pod, kind, name)?.restartCount ?? 0),
        image: imageRef,
        imageID: cur ? `${scheme}://${cur.imageId}` : '',
        ...(cur ? { containerID: `${scheme}://${cur.id}` } : {}),
        started: cur?.state === 'running' && this.#probes.started(cur.id),
      };
    };

    const initSpecs = (spec.initContainers ?? []) as Json[];
    const initStatuses = initSpecs.map((c) => statusOf(c, 'init'));
    const sidecarStatuses = initStatuses.filter((_, i) => isSidecar(initSpecs[i] ?? {}));
    const statuses = ((spec.containers ?? []) as Json[]).map((c) => statusOf(c, 'regular'));
    const ephemeralStatuses = ((spec.ephemeralContainers ?? []) as Json[]).map((c) =>
      statusOf(c, 'ephemeral'),
    );
    // As upstream since sidecars: a pod is ready when its app containers and sidecars are.
    const allReady =
      statuses.length > 0 &&
      statuses.every((s) => s.ready === true) &&
      sidecarStatuses.every((s) => s.ready === true);
    const term = statuses.map((s) => (s.state as Json).terminated as Json | undefined);
    const allTerminated = term.every((t) => t !== undefined);
    // A sidecar's exit (even the SIGTERM that ends it after a Job's work) fails nothing.
    const initFailed = initStatuses.some((s, i) => {
      if (isSidecar(initSpecs[i] ?? {})) return false;
      const t = (s.state as Json).terminated as { exitCode?: number } | undefined;
      return t !== undefined && t.exitCode !== 0;
    });
    let phase = 'Pending';
    if (restartPolicy === 'Never' && initFailed) phase = 'Failed';
    else if (initDone && statuses.some((s) => s.containerID !== undefined)) {
      if (allTerminated && restartPolicy !== 'Always') {
        const anyFailed = term.some((t) => (t?.exitCode ?? 0) !== 0);
        phase =
          anyFailed && restartPolicy === 'Never' ? 'Failed' : anyFailed ? 'Running' : 'Succeeded';
      } else phase = 'Running';
    }

    const oldConditions = (old.conditions ?? []) as Json[];
    const cond = (type: string, ok: boolean, reason?: string): Json => {
      const prev = oldConditions.find((c) => c.type === type);
      const status = ok ? 'True' : 'False';
      return {
        type,
        status,
        lastProbeTime: null,
        lastTransitionTime: prev && prev.status === status ? prev.lastTransitionTime : now,
        ...(reason && !ok ? { reason } : {}),
      };
    };
    const notReadyReason =
      phase === 'Succeeded' || phase === 'Failed' ? 'PodCompleted' : 'ContainersNotReady';
    const conditions = [
      cond('PodReadyToStartContainers', sandbox !== undefined),
      cond('Initialized', initDone, 'ContainersNotInitialized'),
      cond('Ready', allReady, notReadyReason),
      cond('ContainersReady', allReady, notReadyReason),
      cond('PodScheduled', true),
    ];
    const status: Json = {
      ...old,
      phase,
      conditions,
      hostIP: '127.0.0.1',
      hostIPs: [{ ip: '127.0.0.1' }],
      ...(sandbox?.ip ? { podIP: sandbox.ip, podIPs: [{ ip: sandbox.ip }] } : {}),
      startTime: old.startTime ?? now,
      containerStatuses: statuses,
      ...(initStatuses.length > 0 ? { initContainerStatuses: initStatuses } : {}),
      ...(ephemeralStatuses.length > 0 ? { ephemeralContainerStatuses: ephemeralStatuses } : {}),
    };
    const comparable = (s: Json): string => JSON.stringify(s);
    if (comparable(status) === comparable(old)) return;
    try {
      await this.#o.client.update(PODS, { ...(pod as KubeObject), status }, 'status');
    } catch (err) {
      // A newer version exists or the pod is gone: the next event brings us back here.
      if (!isStatusError(err, 'Conflict') && !isStatusError(err, 'NotFound')) throw err;
      this.#queue.addAfter(objectKey(pod as KubeObject), 100);
    }
  }
}
