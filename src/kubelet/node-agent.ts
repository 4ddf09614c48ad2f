// The node half of a kubelet: registers the Node, reports its conditions when they change, and
// renews its Lease in kube-node-lease every 10 s. It talks to the cluster only through the client.
import { arch, cpus, hostname, release, totalmem } from 'node:os';
import { readFileSync, statfsSync } from 'node:fs';
import { rfc3339 } from '../api/duration.js';
import { isStatusError } from '../api/status.js';
import type { KubeObject } from '../api/types.js';
import { KBOX_VERSION, KUBERNETES_MAJOR, KUBERNETES_MINOR } from '../api/version.js';
import { CORE, type KubeClient } from '../client/rest.js';
import type { NodeImage } from './runtime/interface.js';

export interface RuntimeProbe {
  /** e.g. `docker://20.10.24`; throws when the runtime cannot be reached. */
  version(): Promise<string>;
  /** Where the runtime was looked for, for messages (e.g. unix:///var/run/docker.sock). */
  endpoint: string;
  /** The images on the node, for status.images (the scheduler's ImageLocality reads them). */
  images?(): Promise<NodeImage[]>;
}

/** Upstream's nodeStatusMaxImages and maxNamesPerImageInNodeStatus. */
const MAX_IMAGES = 50;
const MAX_NAMES_PER_IMAGE = 5;

/** status.images as upstream's kubelet fills it: the largest 50 images, at most 5 names each. */
export function nodeImages(images: NodeImage[]): NodeImage[] {
  return images
    .filter((i) => i.names.length > 0)
    .sort((a, b) => b.sizeBytes - a.sizeBytes || (a.names[0] ?? '').localeCompare(b.names[0] ?? ''))
    .slice(0, MAX_IMAGES)
    .map((i) => ({ names: i.names.slice(0, MAX_NAMES_PER_IMAGE), sizeBytes: i.sizeBytes }));
}

export interface NodeAgentOptions {
  client: KubeClient;
  nodeName: string;
  clusterName: string;
  role: 'control-plane' | 'worker';
  /** Control-plane nodes of multi-node clusters carry kind's NoSchedule taint. */
  taintControlPlane: boolean;
  /** Extra labels, kept on every update. */
  labels?: Record<string, string>;
  /** Extra taints, set when the node is registered (an admin may remove them later). */
  taints?: Array<{ key: string; value?: string; effect: string }>;
  /** spec.podCIDR, set at registration (fake nodes, whose pod IPs come from this range). */
  podCIDR?: string;
  runtime: RuntimeProbe;
  /** A path on the disk that holds the node's data, for ephemeral-storage capacity. */
  dataDir: string;
  clock?: () => Date;
  leaseSeconds?: number;
  /** The port of the kubelet's HTTP endpoint (pod logs), published in the Node's status. */
  kubeletPort?: number;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

const KUBELET_VERSION = `v${KUBERNETES_MAJOR}.${KUBERNETES_MINOR}.0+kbox.${KBOX_VERSION}`;

function osImage(): string {
  try {
    const line = readFileSync('/etc/os-release', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('PRETTY_NAME='));
    return line ? line.slice('PRETTY_NAME='.length).replace(/^"|"$/g, '') : 'Linux';
  } catch {
    return 'Linux';
  }
}

function goArch(): string {
  const a = arch();
  return a === 'x64' ? 'amd64' : a;
}

interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}

export class NodeAgent {
  readonly #o: NodeAgentOptions;
  readonly #clock: () => Date;
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> | undefined;
  #runtimeVersion = '';
  #runtimeError: string | undefined;
  #images: NodeImage[] | undefined;

  constructor(o: NodeAgentOptions) {
    this.#o = o;
    this.#clock = o.clock ?? (() => new Date());
  }

  /** Registers the node and posts its first status; then keeps them fresh until stop(). */
  async start(): Promise<void> {
    await this.#tick();
    const period = (this.#o.leaseSeconds ?? 40) / 4;
    this.#timer = setInterval(() => {
      this.#ticking ??= this.#tick()
        .catch((err: unknown) => this.#o.log?.('node status update failed', { error: String(err) }))
        .finally(() => {
          this.#ticking = undefined;
        });
    }, period * 1000);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#ticking;
  }

  async #probeRuntime(): Promise<void> {
    try {
      this.#runtimeVersion = await this.#o.runtime.version();
      this.#runtimeError = undefined;
      // The previous list stays when only the image listing fails.
      const images = await this.#o.runtime.images?.().catch(() => undefined);
      if (images) this.#images = nodeImages(images);
    } catch (err) {
      this.#runtimeError = `container runtime is down: cannot reach the Docker engine at ${this.#o.runtime.endpoint}: ${(err as Error).message}`;
    }
  }

  #conditions(previous: Condition[], now: string): Condition[] {
    const want: Condition[] = [
      {
        type: 'MemoryPressure',
        status: 'False',
        reason: 'KubeletHasSufficientMemory',
        message: 'kubelet has sufficient memory available',
      },
      {
        type: 'DiskPressure',
        status: 'False',
        reason: 'KubeletHasNoDiskPressure',
        message: 'kubelet has no disk pressure',
      },
      {
        type: 'PIDPressure',
        status: 'False',
        reason: 'KubeletHasSufficientPID',
        message: 'kubelet has sufficient PID available',
      },
      this.#runtimeError === undefined
        ? {
            type: 'Ready',
            status: 'True',
            reason: 'KubeletReady',
            message: 'kubelet is posting ready status',
          }
        : {
            type: 'Ready',
            status: 'False',
            reason: 'KubeletNotReady',
            message: this.#runtimeError,
          },
    ];
    return want.map((c) => {
      const old = previous.find((p) => p.type === c.type);
      const same =
        old && old.status === c.status && old.reason === c.reason && old.message === c.message;
      return {
        ...c,
        lastHeartbeatTime: same ? (old.lastHeartbeatTime ?? now) : now,
        lastTransitionTime: old && old.status === c.status ? (old.lastTransitionTime ?? now) : now,
      };
    });
  }

  #desiredNode(existing: KubeObject | undefined, now: string): KubeObject {
    const o = this.#o;
    const labels: Record<string, string> = {
      'beta.kubernetes.io/arch': goArch(),
      'beta.kubernetes.io/os': 'linux',
      'kubernetes.io/arch': goArch(),
      'kubernetes.io/hostname': o.nodeName,
      'kubernetes.io/os': 'linux',
      'kbox.dev/cluster': o.clusterName,
      ...o.labels,
    };
    if (o.role === 'control-plane') labels['node-role.kubernetes.io/control-plane'] = '';
    let storageKi = 0;
    try {
      const fs = statfsSync(o.dataDir);
      storageKi = Math.floor((fs.blocks * fs.bsize) / 1024);
    } catch {
      storageKi = 0;
    }
    const capacity = {
      cpu: String(cpus().length),
      memory: `${Math.floor(totalmem() / 1024)}Ki`,
      'ephemeral-storage': `${storageKi}Ki`,
      pods: '110',
    };
    const prevStatus = (existing?.status ?? {}) as { conditions?: Condition[] };
    const spec: Record<string, unknown> = { ...((existing?.spec as object) ?? {}) };
    if (existing === undefined) {
      const taints = [
        ...(o.taintControlPlane
          ? [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }]
          : []),
        ...(o.taints ?? []),
      ];
      if (taints.length > 0) spec.taints = taints;
      if (o.podCIDR) {
        spec.podCIDR = o.podCIDR;
        spec.podCIDRs = [o.podCIDR];
      }
    }
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        ...(existing?.metadata ?? {}),
        name: o.nodeName,
        labels: { ...(existing?.metadata.labels ?? {}), ...labels },
        annotations: {
          ...(existing?.metadata.annotations ?? {}),
          'node.alpha.kubernetes.io/ttl': '0',
          'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
        },
      },
      spec,
      status: {
        capacity,
        allocatable: capacity,
        conditions: this.#conditions(prevStatus.conditions ?? [], now),
        addresses: [
          { type: 'InternalIP', address: '127.0.0.1' },
          { type: 'Hostname', address: o.nodeName },
        ],
        daemonEndpoints: { kubeletEndpoint: { Port: o.kubeletPort ?? 0 } },
        ...(this.#images ? { images: this.#images } : {}),
        nodeInfo: {
          machineID: '',
          systemUUID: '',
          bootID: '',
          kernelVersion: release(),
          osImage: osImage(),
          containerRuntimeVersion: this.#runtimeVersion || 'docker://unknown',
          kubeletVersion: KUBELET_VERSION,
          kubeProxyVersion: KUBELET_VERSION,
          operatingSystem: 'linux',
          architecture: goArch(),
        },
      },
    };
  }

  async #tick(): Promise<void> {
    const { client, nodeName } = this.#o;
    // The engine probe, the read of the Node and the Lease renewal are independent: doing them
    // at once keeps a start's path to a Ready node short.
    const lease = this.#renewLease();
    // Awaited below; marked handled now so a failure elsewhere first cannot leave it unhandled.
    lease.catch(() => undefined);
    const [, existing] = await Promise.all([
      this.#probeRuntime(),
      client.get(CORE.nodes, undefined, nodeName).catch((err: unknown) => {
        if (!isStatusError(err, 'NotFound')) throw err;
        return undefined;
      }),
    ]);
    const now = rfc3339(this.#clock());
    const desired = this.#desiredNode(existing, now);
    if (!existing) {
      const created = await client.create(CORE.nodes, undefined, {
        ...desired,
        status: undefined,
      } as KubeObject);
      await client.update(CORE.nodes, { ...created, status: desired.status }, 'status');
      this.#o.log?.('registered node', { node: nodeName, host: hostname() });
    } else {
      const changed = (a: unknown): string =>
        JSON.stringify(a, (k, v: unknown) => (k === 'lastHeartbeatTime' ? undefined : v));
      if (
        changed(existing.status) !== changed(desired.status) ||
        changed(existing.metadata.labels) !== changed(desired.metadata.labels)
      ) {
        const updated = await client.update(CORE.nodes, {
          ...existing,
          metadata: desired.metadata,
        });
        await client.update(CORE.nodes, { ...updated, status: desired.status }, 'status');
      }
    }
    await lease;
  }

  async #renewLease(): Promise<void> {
    const { client, nodeName } = this.#o;
    const micro = this.#clock().toISOString().replace('Z', '000Z');
    const spec = {
      holderIdentity: nodeName,
      leaseDurationSeconds: this.#o.leaseSeconds ?? 40,
      renewTime: micro,
    };
    try {
      const lease = await client.get(CORE.leases, 'kube-node-lease', nodeName);
      await client.update(CORE.leases, {
        ...lease,
        spec: { ...((lease.spec as object) ?? {}), ...spec },
      });
    } catch (err) {
      if (!isStatusError(err, 'NotFound')) throw err;
      await client.create(CORE.leases, 'kube-node-lease', {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: nodeName, namespace: 'kube-node-lease' },
        spec: { ...spec, acquireTime: micro },
      });
    }
  }
}
