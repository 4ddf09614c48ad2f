// The Docker runtime (dockerode): pods as a pause sandbox holding the network and IPC namespaces
// plus one container per pod container. Everything carries labels from which the kubelet
// rebuilds its state after a restart; names make creation idempotent.
import Docker from 'dockerode';
import type { ClusterNetwork } from '../../api/cluster-network.js';
import { dockerEndpoint, LABEL_CLUSTER, LABEL_MANAGED } from '../../api/docker-labels.js';
import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { PassThrough, type Duplex, type Readable } from 'node:stream';
import type {
  ContainerInfo,
  ContainerKind,
  ContainerSpec,
  ContainerStream,
  ExecResult,
  ContainerUsage,
  ImageInfo,
  LogOptions,
  NodeImage,
  Runtime,
  SandboxSpec,
  StreamOptions,
} from './interface.js';
import { engineImageNames, ImageError } from './interface.js';
import { ensurePauseImage } from './pause-image.js';

export const LABEL_NODE = 'io.kbox.node';
export const LABEL_TYPE = 'io.kbox.type';
export const LABEL_POD_UID = 'io.kubernetes.pod.uid';
export const LABEL_POD_NAME = 'io.kubernetes.pod.name';
export const LABEL_POD_NAMESPACE = 'io.kubernetes.pod.namespace';
export const LABEL_CONTAINER_NAME = 'io.kubernetes.container.name';
export const LABEL_CONTAINER_KIND = 'io.kbox.container.kind';
export const LABEL_ATTEMPT = 'io.kubernetes.container.restartCount';
export const LABEL_HASH = 'io.kubernetes.container.hash';

function statusCode(err: unknown): number | undefined {
  return (err as { statusCode?: number }).statusCode;
}

const ZERO_TIME = '0001-01-01T00:00:00Z';
const STATS_CONCURRENCY = 8;

/** The parts of the engine's container stats kbox reads. */
interface EngineStats {
  read: string;
  cpu_stats?: { cpu_usage?: { total_usage?: number } };
  memory_stats?: { usage?: number; stats?: Record<string, number> };
}

/**
 * Working set as cadvisor computes it: usage minus inactive file pages, never below zero. cgroup
 * v1 reports `total_inactive_file` (hierarchical); cgroup v2 (Docker Desktop) `inactive_file`.
 */
export function memoryFigures(m: EngineStats['memory_stats']): {
  memoryWorkingSetBytes: number;
  memoryUsageBytes: number;
} {
  const usage = m?.usage ?? 0;
  const stats = m?.stats ?? {};
  const inactive = stats.total_inactive_file ?? stats.inactive_file ?? 0;
  return { memoryUsageBytes: usage, memoryWorkingSetBytes: Math.max(0, usage - inactive) };
}

export class DockerRuntime implements Runtime {
  readonly docker: Docker;
  readonly endpoint: string;
  readonly scheme = 'docker';
  readonly #cluster: string;
  readonly #node: string;
  #pauseImage: string | undefined;

  constructor(opts: { cluster: string; node: string; docker?: Docker; endpoint?: string }) {
    this.docker = opts.docker ?? new Docker();
    this.endpoint = opts.endpoint ?? dockerEndpoint(process.env);
    this.#cluster = opts.cluster;
    this.#node = opts.node;
  }

  /** `docker://<engine version>`; rejects when the engine does not answer. */
  async version(): Promise<string> {
    const v = (await this.docker.version()) as { Version?: string };
    return `docker://${v.Version ?? 'unknown'}`;
  }

  /**
   * The cluster's own bridge network, created on first use and reused after. With a plan, the
   * network gets its subnet, gateway and pod range (Docker's IPAM hands pods only addresses in
   * the lower half, so the upper half is free for Services' static VIPs). A network from an older
   * kbox without that subnet is recreated when nothing runs on it (pods of a stopped cluster get
   * new sandboxes anyway); while containers run on it, it is kept and `onMismatch` is told, since
   * Docker only gives static IPs on networks with a user-set subnet.
   */
  async ensureNetwork(
    plan?: ClusterNetwork,
    onMismatch?: (msg: string, fields: Record<string, unknown>) => void,
  ): Promise<string> {
    const name = `kbox-${this.#cluster}`;
    const existing = (
      await this.docker.listNetworks({
        filters: JSON.stringify({ label: [`${LABEL_CLUSTER}=${this.#cluster}`], name: [name] }),
      })
    ).find((n) => n.Name === name);
    if (existing) {
      if (!plan) return name;
      const info = (await this.docker
        .getNetwork(existing.Id)
        .inspect()) as Docker.NetworkInspectInfo;
      const cfg = info.IPAM?.Config ?? [];
      if (cfg.some((c) => c.Subnet === plan.subnet && c.IPRange === plan.podRange)) return name;
      const attached = Object.keys(info.Containers ?? {}).length;
      if (attached > 0) {
        onMismatch?.(
          'the cluster network predates its subnet plan and containers run on it; Services get no VIPs until the cluster is stopped and started again',
          { network: name, subnet: cfg[0]?.Subnet ?? '', wanted: plan.subnet, attached },
        );
        return name;
      }
      await this.docker.getNetwork(existing.Id).remove();
    }
    await this.docker.createNetwork({
      Name: name,
      Driver: 'bridge',
      CheckDuplicate: true,
      ...(plan
        ? {
            IPAM: {
              Driver: 'default',
              Config: [{ Subnet: plan.subnet, IPRange: plan.podRange, Gateway: plan.gateway }],
            },
          }
        : {}),
      Labels: { [LABEL_MANAGED]: 'true', [LABEL_CLUSTER]: this.#cluster },
    });
    return name;
  }

  #baseLabels(): Record<string, string> {
    return { [LABEL_MANAGED]: 'true', [LABEL_CLUSTER]: this.#cluster, [LABEL_NODE]: this.#node };
  }

  async listContainers(): Promise<ContainerInfo[]> {
    return this.#list([]);
  }

  async podContainers(podUid: string): Promise<ContainerInfo[]> {
    return this.#list([`${LABEL_POD_UID}=${podUid}`]);
  }

  async #list(extraLabels: string[]): Promise<ContainerInfo[]> {
    const list = await this.docker.listContainers({
      all: true,
      filters: JSON.stringify({
        label: [`${LABEL_CLUSTER}=${this.#cluster}`, `${LABEL_NODE}=${this.#node}`, ...extraLabels],
      }),
    });
    const out: ContainerInfo[] = [];
    for (const c of list) {
      const info = await this.inspect(c.Id);
      if (info) out.push(info);
    }
    return out;
  }

  async inspect(id: string): Promise<ContainerInfo | undefined> {
    let i: Docker.ContainerInspectInfo;
    try {
      i = await this.docker.getContainer(id).inspect();
    } catch (err) {
      if (statusCode(err) === 404) return undefined;
      throw err;
    }
    const labels = i.Config.Labels ?? {};
    const type =
      labels[LABEL_TYPE] === 'sandbox'
        ? 'sandbox'
        : ((labels[LABEL_CONTAINER_KIND] as ContainerKind | undefined) ?? 'regular');
    const nets = Object.values(i.NetworkSettings.Networks ?? {});
    const joined = /^container:(.+)$/.exec(i.HostConfig.NetworkMode ?? '')?.[1];
    return {
      id: i.Id,
      podUid: labels[LABEL_POD_UID] ?? '',
      name: labels[LABEL_CONTAINER_NAME] ?? 'POD',
      kind: type,
      attempt: Number(labels[LABEL_ATTEMPT] ?? '0'),
      specHash: labels[LABEL_HASH] ?? '',
      image: i.Config.Image,
      imageId: i.Image,
      state: i.State.Running
        ? 'running'
        : i.State.Status === 'created' && i.State.FinishedAt === ZERO_TIME && i.State.ExitCode === 0
          ? 'created'
          : 'exited',
      exitCode: i.State.ExitCode,
      oomKilled: i.State.OOMKilled,
      error: i.State.Error ?? '',
      startedAt: i.State.StartedAt,
      finishedAt: i.State.FinishedAt,
      ip: nets.find((n) => n.IPAddress)?.IPAddress ?? '',
      ...(joined !== undefined ? { sandboxId: joined } : {}),
    };
  }

  async imageStatus(image: string): Promise<ImageInfo | undefined> {
    try {
      const i = await this.docker.getImage(image).inspect();
      return { id: i.Id, sizeBytes: i.Size };
    } catch (err) {
      if (statusCode(err) === 404) return undefined;
      throw err;
    }
  }

  async listImages(): Promise<NodeImage[]> {
    const images = await this.docker.listImages();
    return images.map((i) => ({
      names: engineImageNames(i.RepoDigests, i.RepoTags),
      sizeBytes: i.Size,
    }));
  }

  async containerStats(): Promise<ContainerUsage[]> {
    const running = await this.docker.listContainers({
      filters: JSON.stringify({
        label: [`${LABEL_CLUSTER}=${this.#cluster}`, `${LABEL_NODE}=${this.#node}`],
        status: ['running'],
      }),
    });
    const read = async (c: Docker.ContainerInfo): Promise<ContainerUsage | undefined> => {
      let s: EngineStats;
      try {
        // one-shot (API 1.41+): one reading at once instead of waiting a second for a second one.
        s = (await this.docker
          .getContainer(c.Id)
          .stats({ stream: false, 'one-shot': true })) as unknown as EngineStats;
      } catch (err) {
        if (statusCode(err) === 404) return undefined; // gone since the list
        throw err;
      }
      const labels = c.Labels;
      const kind =
        labels[LABEL_TYPE] === 'sandbox'
          ? 'sandbox'
          : ((labels[LABEL_CONTAINER_KIND] as ContainerKind | undefined) ?? 'regular');
      return {
        id: c.Id,
        podUid: labels[LABEL_POD_UID] ?? '',
        podName: labels[LABEL_POD_NAME] ?? '',
        namespace: labels[LABEL_POD_NAMESPACE] ?? '',
        name: labels[LABEL_CONTAINER_NAME] ?? 'POD',
        kind,
        timeMs: Date.parse(s.read) || Date.now(),
        cpuUsageNanoSeconds: s.cpu_stats?.cpu_usage?.total_usage ?? 0,
        ...memoryFigures(s.memory_stats),
      };
    };
    const out: ContainerUsage[] = [];
    // A few readings at a time: each costs the engine a cgroup walk.
    for (let i = 0; i < running.length; i += STATS_CONCURRENCY) {
      const batch = await Promise.all(running.slice(i, i + STATS_CONCURRENCY).map(read));
      for (const u of batch) if (u) out.push(u);
    }
    return out;
  }

  async pullImage(image: string): Promise<ImageInfo> {
    let failure: string | undefined;
    try {
      const stream = await this.docker.pull(image);
      const out = await new Promise<Array<{ error?: string }>>((resolve, reject) =>
        this.docker.modem.followProgress(stream, (err: Error | null, res: unknown[]) =>
          err ? reject(err) : resolve(res as Array<{ error?: string }>),
        ),
      );
      failure = out.find((m) => m.error !== undefined)?.error;
    } catch (err) {
      // dockerode's message is "(HTTP code 500) server error - <the engine's message>".
      failure =
        (err as { json?: { message?: string } | null }).json?.message ??
        (err as Error).message.replace(/^\(HTTP code \d+\) [^-]*- /, '').trim();
    }
    if (failure !== undefined) throw new Error(failure);
    const pulled = await this.imageStatus(image);
    if (!pulled) throw new Error(`image "${image}" is missing right after its pull`);
    return pulled;
  }

  async createSandbox(spec: SandboxSpec): Promise<ContainerInfo> {
    this.#pauseImage ??= await ensurePauseImage(this.docker);
    const exposed: Record<string, object> = {};
    const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
    for (const p of spec.hostPorts) {
      const key = `${p.containerPort}/${p.protocol.toLowerCase()}`;
      exposed[key] = {};
      bindings[key] = [{ HostIp: p.hostIP || '127.0.0.1', HostPort: String(p.hostPort) }];
    }
    const attempt = spec.attempt ?? 0;
    const name = `k8s_POD_${spec.podName}_${spec.namespace}_${spec.podUid}_${attempt}`;
    let container: Docker.Container;
    try {
      container = await this.docker.createContainer({
        name,
        Image: this.#pauseImage,
        Hostname: spec.hostname.slice(0, 63),
        ExposedPorts: exposed,
        Labels: {
          ...this.#baseLabels(),
          ...spec.labels,
          [LABEL_TYPE]: 'sandbox',
          [LABEL_ATTEMPT]: String(attempt),
          [LABEL_POD_UID]: spec.podUid,
          [LABEL_POD_NAME]: spec.podName,
          [LABEL_POD_NAMESPACE]: spec.namespace,
        },
        HostConfig: {
          NetworkMode: spec.network,
          IpcMode: 'shareable',
          ...(spec.dns && spec.dns.length > 0 ? { Dns: spec.dns } : {}),
          DnsSearch: spec.dnsSearch,
          DnsOptions: spec.dnsOptions,
          PortBindings: bindings,
          RestartPolicy: { Name: 'no' },
          ExtraHosts: ['host.kbox.internal:host-gateway'],
        },
      });
    } catch (err) {
      if (statusCode(err) !== 409) throw err;
      container = this.docker.getContainer(name);
    }
    const info = await this.inspect(container.id);
    if (info?.state !== 'running')
      await container.start().catch((err: unknown) => {
        if (statusCode(err) !== 304) throw err;
      });
    const started = await this.inspect(container.id);
    if (!started) throw new Error(`sandbox ${name} vanished right after creation`);
    return started;
  }

  async createContainer(sandboxId: string, spec: ContainerSpec): Promise<string> {
    const name = `k8s_${spec.name}_${spec.podName}_${spec.namespace}_${spec.podUid}_${spec.attempt}`;
    try {
      const c = await this.docker.createContainer({
        name,
        Image: spec.image,
        ...(spec.command ? { Entrypoint: spec.command } : {}),
        ...(spec.args ? { Cmd: spec.args } : {}),
        Env: spec.env,
        ...(spec.workingDir ? { WorkingDir: spec.workingDir } : {}),
        ...(spec.user ? { User: spec.user } : {}),
        Tty: spec.tty,
        OpenStdin: spec.stdin,
        // As a CRI runtime: with StdinOnce the engine closes the process's stdin at the end of
        // an attached client's stdin and keeps its output flowing; without it, the engine
        // detaches that client (its stdout and stderr end) and the process's stdin stays open.
        StdinOnce: spec.stdinOnce === true,
        Labels: {
          ...this.#baseLabels(),
          ...spec.labels,
          [LABEL_TYPE]: 'container',
          [LABEL_POD_UID]: spec.podUid,
          [LABEL_POD_NAME]: spec.podName,
          [LABEL_POD_NAMESPACE]: spec.namespace,
          [LABEL_CONTAINER_NAME]: spec.name,
          [LABEL_CONTAINER_KIND]: spec.kind,
          [LABEL_ATTEMPT]: String(spec.attempt),
          [LABEL_HASH]: spec.specHash,
        },
        Healthcheck: { Test: ['NONE'] },
        HostConfig: {
          NetworkMode: `container:${sandboxId}`,
          IpcMode: `container:${sandboxId}`,
          ...(spec.pidTarget ? { PidMode: `container:${spec.pidTarget}` } : {}),
          RestartPolicy: { Name: 'no' },
          ...(spec.memoryBytes ? { Memory: spec.memoryBytes, MemorySwap: spec.memoryBytes } : {}),
          ...(spec.nanoCpus ? { NanoCpus: spec.nanoCpus } : {}),
          ReadonlyRootfs: spec.readOnlyRootfs ?? false,
          Privileged: spec.privileged ?? false,
          ...(spec.capAdd ? { CapAdd: spec.capAdd } : {}),
          ...(spec.capDrop ? { CapDrop: spec.capDrop } : {}),
          LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '2' } },
          ...(spec.mounts && spec.mounts.length > 0
            ? {
                Mounts: spec.mounts.map((m) => ({
                  Type: m.type,
                  Source: m.source,
                  Target: m.target,
                  ReadOnly: m.readOnly,
                })),
              }
            : {}),
        },
      });
      return c.id;
    } catch (err) {
      if (statusCode(err) === 409) return (await this.docker.getContainer(name).inspect()).Id;
      if (statusCode(err) === 404)
        throw new ImageError('ErrImagePull', `image "${spec.image}" not found`);
      throw err;
    }
  }

  async startContainer(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).start();
    } catch (err) {
      if (statusCode(err) === 304) return;
      throw err;
    }
  }

  async stopContainer(id: string, graceSeconds: number): Promise<void> {
    try {
      await this.docker.getContainer(id).stop({ t: Math.max(0, Math.floor(graceSeconds)) });
    } catch (err) {
      if (statusCode(err) === 304 || statusCode(err) === 404) return;
      throw err;
    }
  }

  async removeContainer(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force: true, v: true });
    } catch (err) {
      if (statusCode(err) === 404 || statusCode(err) === 409) return;
      throw err;
    }
  }

  async ensureTmpfsVolume(
    podUid: string,
    volume: string,
    sizeBytes: number | undefined,
  ): Promise<string> {
    const name = `kbox_${this.#cluster}_${podUid}_${volume}`;
    const size = sizeBytes ? `,size=${sizeBytes}` : '';
    try {
      await this.docker.getVolume(name).inspect();
      return name;
    } catch (err) {
      if (statusCode(err) !== 404) throw err;
    }
    await this.docker.createVolume({
      Name: name,
      Driver: 'local',
      DriverOpts: { type: 'tmpfs', device: 'tmpfs', o: `mode=1777${size}` },
      Labels: { ...this.#baseLabels(), [LABEL_POD_UID]: podUid },
    });
    return name;
  }

  async removePodVolumes(podUid: string): Promise<void> {
    const { Volumes } = await this.docker.listVolumes({
      filters: JSON.stringify({
        label: [`${LABEL_CLUSTER}=${this.#cluster}`, `${LABEL_POD_UID}=${podUid}`],
      }),
    });
    for (const v of Volumes ?? []) {
      await this.docker
        .getVolume(v.Name)
        .remove()
        .catch((err: unknown) => {
          if (statusCode(err) !== 404) throw err;
        });
    }
  }

  async exec(id: string, command: string[], timeoutMs: number): Promise<ExecResult> {
    const exec = await this.docker.getContainer(id).exec({
      Cmd: command,
      AttachStdout: true,
      AttachStderr: true,
    });
    const stream = await exec.start({ hijack: true, stdin: false });
    const chunks: Buffer[] = [];
    const sink = new PassThrough();
    sink.on('data', (chunk: Buffer) => chunks.push(chunk));
    this.docker.modem.demuxStream(stream, sink, sink);
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      new Promise<boolean>((resolve) => {
        stream.on('end', () => resolve(true));
        stream.on('close', () => resolve(true));
        stream.on('error', () => resolve(true));
      }),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    const output = Buffer.concat(chunks).toString('utf8');
    if (!finished) {
      stream.destroy();
      return { exitCode: -1, output, timedOut: true };
    }
    const info = await exec.inspect();
    return { exitCode: info.ExitCode ?? -1, output, timedOut: false };
  }

  async execStream(id: string, command: string[], o: StreamOptions): Promise<ContainerStream> {
    const exec = await this.docker.getContainer(id).exec({
      Cmd: command,
      AttachStdin: o.stdin,
      AttachStdout: o.stdout,
      AttachStderr: o.stderr,
      Tty: o.tty,
      // Honoured from API 1.42; older engines get the resize just after the start below.
      ...(o.tty && o.size
        ? { ConsoleSize: [o.size.height, o.size.width] as [number, number] }
        : {}),
    });
    const conn = await exec.start({
      hijack: true,
      stdin: o.stdin,
      Tty: o.tty,
      ...(o.tty && o.size ? { ConsoleSize: [o.size.height, o.size.width] } : {}),
    } as Docker.ExecStartOptions);
    if (o.tty && o.size && o.size.width > 0 && o.size.height > 0) {
      await exec.resize({ w: o.size.width, h: o.size.height }).catch(() => undefined);
    }
    const exitCode = async (): Promise<number> => {
      // The attach streams end as the process exits; the engine may record the code a moment later.
      for (let i = 0; i < 50; i++) {
        const info = await exec.inspect();
        if (!info.Running && info.ExitCode !== null) return info.ExitCode;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error('the command has not finished');
    };
    const kill = async (): Promise<void> => {
      const info = await exec.inspect();
      if (info.Running && info.Pid > 0) await this.#killProcess(id, info.Pid);
    };
    return this.#containerStream(conn, o, {
      resize: (w, h) => exec.resize({ w, h }),
      exitCode,
      kill,
    });
  }

  async attach(id: string, o: StreamOptions): Promise<ContainerStream> {
    const c = this.docker.getContainer(id);
    const conn = (await c.attach({
      stream: true,
      hijack: true,
      stdin: o.stdin,
      stdout: o.stdout,
      stderr: o.stderr,
    })) as unknown as Duplex;
    if (o.tty && o.size && o.size.width > 0 && o.size.height > 0) {
      await c.resize({ w: o.size.width, h: o.size.height }).catch(() => undefined);
    }
    return this.#containerStream(conn, o, {
      resize: (w, h) => c.resize({ w, h }),
      exitCode: () => Promise.resolve(undefined),
      kill: () => Promise.resolve(),
    });
  }

  #containerStream(
    conn: Duplex,
    o: StreamOptions,
    ops: {
      resize(w: number, h: number): Promise<unknown>;
      exitCode(): Promise<number | undefined>;
      kill(): Promise<void>;
    },
  ): ContainerStream {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    conn.on('error', () => conn.destroy());
    if (o.tty) conn.pipe(stdout);
    else this.docker.modem.demuxStream(conn as unknown as Readable, stdout, stderr);
    let closed = false;
    const ended = new Promise<void>((resolve) => {
      conn.once('end', resolve);
      conn.once('close', resolve);
    });
    const done = ended.then(async () => {
      stdout.end();
      stderr.end();
      return closed ? undefined : await ops.exitCode();
    });
    done.catch(() => undefined);
    let stdin: PassThrough | undefined;
    if (o.stdin) {
      // Writes go to the hijacked connection; end() half-closes it, which closes the process's
      // stdin in the engine.
      stdin = new PassThrough();
      stdin.pipe(conn);
    }
    return {
      stdin,
      stdout,
      stderr,
      resize: async (w, h) => {
        if (!o.tty || w <= 0 || h <= 0) return;
        await ops.resize(w, h).catch(() => undefined);
      },
      done,
      close: async () => {
        if (closed) return;
        closed = true;
        conn.destroy();
        stdout.end();
        stderr.end();
        await ops.kill().catch(() => undefined);
      },
    };
  }

  /**
   * Kills an exec'd process by its host PID. Without the right to signal it from here (a rootless
   * daemon), the container kills it: its PID there is the last NSpid of /proc/PID/status.
   */
  async #killProcess(containerId: string, hostPid: number): Promise<void> {
    try {
      process.kill(hostPid, 'SIGKILL');
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') return;
    }
    const status = await readFile(`/proc/${hostPid}/status`, 'utf8').catch(() => '');
    const nspid = /^NSpid:\s+(.*)$/m.exec(status)?.[1]?.trim().split(/\s+/).pop();
    if (nspid && /^\d+$/.test(nspid)) {
      await this.exec(containerId, ['kill', '-9', nspid], 5000);
    }
  }

  async connectPort(podUid: string, port: number): Promise<Duplex> {
    const sandbox = (await this.podContainers(podUid)).find(
      (c) => c.kind === 'sandbox' && c.state === 'running',
    );
    if (!sandbox?.ip) throw new Error('the pod has no running sandbox with an IP');
    return dialTcp(sandbox.ip, port);
  }

  async logs(
    id: string,
    o: LogOptions,
    out: NodeJS.WritableStream,
    signal: AbortSignal,
  ): Promise<void> {
    const c = this.docker.getContainer(id);
    const base = {
      stdout: true,
      stderr: true,
      timestamps: o.timestamps,
      ...(o.tailLines !== undefined ? { tail: o.tailLines } : {}),
      ...(o.sinceSeconds !== undefined
        ? { since: Math.floor(Date.now() / 1000) - o.sinceSeconds }
        : {}),
    };
    if (!o.follow) {
      const buf = (await c.logs({ ...base, follow: false })) as unknown as Buffer;
      out.write(o.tty ? buf : demuxBuffer(buf));
      return;
    }
    const stream = (await c.logs({ ...base, follow: true })) as NodeJS.ReadableStream & {
      destroy(): void;
    };
    signal.addEventListener('abort', () => stream.destroy(), { once: true });
    await new Promise<void>((resolve) => {
      const sink = new PassThrough();
      sink.on('data', (chunk: Buffer) => out.write(chunk));
      if (o.tty) stream.pipe(sink);
      else this.docker.modem.demuxStream(stream, sink, sink);
      stream.on('end', () => resolve());
      stream.on('close', () => resolve());
      stream.on('error', () => resolve());
    });
  }

  /** Streams container events of this node; calls back with the pod uid. */
  async watchEvents(onPod: (podUid: string) => void, signal: AbortSignal): Promise<void> {
    const stream = (await this.docker.getEvents({
      filters: JSON.stringify({
        type: ['container'],
        label: [`${LABEL_CLUSTER}=${this.#cluster}`, `${LABEL_NODE}=${this.#node}`],
      }),
    })) as NodeJS.ReadableStream & { destroy(): void };
    signal.addEventListener('abort', () => stream.destroy(), { once: true });
    let pending = '';
    await new Promise<void>((resolve) => {
      stream.on('data', (chunk: Buffer) => {
        pending += chunk.toString('utf8');
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, nl);
          pending = pending.slice(nl + 1);
          try {
            const ev = JSON.parse(line) as { Actor?: { Attributes?: Record<string, string> } };
            const uid = ev.Actor?.Attributes?.[LABEL_POD_UID];
            if (uid) onPod(uid);
          } catch {
            // A partial or foreign line: ignore it; the periodic resync covers any gap.
          }
        }
      });
      stream.on('end', () => resolve());
      stream.on('close', () => resolve());
      stream.on('error', () => resolve());
    });
  }
}

/** Joins the payloads of Docker's multiplexed log frames: [stream,0,0,0,len32be] + payload. */
/**
 * Dials ip:port from the host (as the kubelet dials from the node): needs the host to route to the
 * engine's bridge network, true for a rootful Linux engine. The one place port-forward connects, so
 * a relay through an exec in the pod can replace it where that route is missing.
 */
export function dialTcp(ip: string, port: number, timeoutMs = 10_000): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: ip, port, allowHalfOpen: true });
    let connected = false;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`failed to connect to ${ip}:${port}: timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    // Stays registered: later errors reach the caller's own listeners, never the process.
    socket.on('error', (err) => {
      clearTimeout(timer);
      if (!connected) reject(new Error(`failed to connect to ${ip}:${port}: ${err.message}`));
    });
    socket.once('connect', () => {
      connected = true;
      clearTimeout(timer);
      resolve(socket);
    });
  });
}

export function demuxBuffer(buf: Buffer): Buffer {
  const parts: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    const len = buf.readUInt32BE(i + 4);
    parts.push(buf.subarray(i + 8, i + 8 + len));
    i += 8 + len;
  }
  return Buffer.concat(parts);
}
