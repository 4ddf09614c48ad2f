// The Docker runtime (dockerode): pods as a pause sandbox holding the network and IPC namespaces
// plus one container per pod container. Everything carries labels from which the kubelet
// rebuilds its state after a restart; names make creation idempotent.
import Docker from 'dockerode';
import { dockerEndpoint, LABEL_CLUSTER, LABEL_MANAGED } from '../../api/docker-labels.js';
import { PassThrough } from 'node:stream';
import type {
  ContainerInfo,
  ContainerSpec,
  ExecResult,
  ImageInfo,
  LogOptions,
  Runtime,
  SandboxSpec,
} from './interface.js';
import { ImageError } from './interface.js';
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

  /** The cluster's own bridge network, created on first use and reused after. */
  async ensureNetwork(): Promise<string> {
    const name = `kbox-${this.#cluster}`;
    const existing = await this.docker.listNetworks({
      filters: JSON.stringify({ label: [`${LABEL_CLUSTER}=${this.#cluster}`], name: [name] }),
    });
    if (existing.some((n) => n.Name === name)) return name;
    await this.docker.createNetwork({
      Name: name,
      Driver: 'bridge',
      CheckDuplicate: true,
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
        : ((labels[LABEL_CONTAINER_KIND] as 'init' | 'regular') ?? 'regular');
    const nets = Object.values(i.NetworkSettings.Networks ?? {});
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
    const name = `k8s_POD_${spec.podName}_${spec.namespace}_${spec.podUid}_0`;
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
          [LABEL_POD_UID]: spec.podUid,
          [LABEL_POD_NAME]: spec.podName,
          [LABEL_POD_NAMESPACE]: spec.namespace,
        },
        HostConfig: {
          NetworkMode: spec.network,
          IpcMode: 'shareable',
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
        StdinOnce: false,
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
