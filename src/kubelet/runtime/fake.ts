// A container runtime without containers, for fake nodes (as kwok's): sandboxes get an IP from the
// node's own range, containers "run" from the moment they start until they are stopped (init
// containers complete at once with exit code 0), commands are never executed, exec answers exit
// code 0 with no output, port-forward is refused (nothing listens), logs are empty, and every image
// pull succeeds at once. Resource usage is reported as zero for every running container (CPU time
// never advances, working set 0 bytes), so `kubectl top` lists fake pods with 0m and 0Mi; images
// are those "pulled" so far, with size 0. State lives in this object only: when the daemon restarts, a fake node
// starts empty and its kubelet recreates the pods' sandboxes and containers (new IPs, restart
// counts from zero).
import { createHash } from 'node:crypto';
import { KBOX_VERSION } from '../../api/version.js';
import type { Duplex } from 'node:stream';
import { PassThrough } from 'node:stream';
import type {
  ContainerInfo,
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

const ZERO_TIME = '0001-01-01T00:00:00Z';
/** What a process stopped by SIGKILL (no grace) or SIGTERM reports: 128 + signal number. */
const EXIT_SIGKILL = 137;
const EXIT_SIGTERM = 143;

interface FakeContainer {
  info: ContainerInfo;
  /** Resolves follow-mode log readers when the container stops or goes away. */
  waiters: Set<() => void>;
}

export interface FakeRuntimeOptions {
  node: string;
  /**
   * The node's pod range as its first three octets, e.g. `10.250.1`: sandboxes get
   * `<prefix>.2` … `<prefix>.254`, and an address is reused once its sandbox is removed.
   */
  ipPrefix: string;
  clock?: () => Date;
}

function sha(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex');
}

export class FakeRuntime implements Runtime {
  readonly endpoint: string;
  readonly scheme = 'fake';
  readonly #o: FakeRuntimeOptions;
  readonly #clock: () => Date;
  readonly #containers = new Map<string, FakeContainer>();
  /** Container id by its idempotency key (pod uid, name, attempt), as Docker's names are. */
  readonly #byKey = new Map<string, string>();
  readonly #images = new Map<string, ImageInfo>();
  readonly #volumes = new Map<string, string>();
  readonly #ipsInUse = new Set<string>();
  /** Init containers with restartPolicy Always: they run on like app containers. */
  readonly #sidecars = new Set<string>();
  readonly #podNames = new Map<string, { name: string; namespace: string }>();

  constructor(o: FakeRuntimeOptions) {
    this.#o = o;
    this.#clock = o.clock ?? (() => new Date());
    this.endpoint = `fake://${o.node}`;
  }

  version(): Promise<string> {
    return Promise.resolve(`fake://${KBOX_VERSION}`);
  }

  #now(): string {
    return this.#clock().toISOString();
  }

  listContainers(): Promise<ContainerInfo[]> {
    return Promise.resolve([...this.#containers.values()].map((c) => ({ ...c.info })));
  }

  podContainers(podUid: string): Promise<ContainerInfo[]> {
    return Promise.resolve(
      [...this.#containers.values()]
        .filter((c) => c.info.podUid === podUid)
        .map((c) => ({ ...c.info })),
    );
  }

  inspect(id: string): Promise<ContainerInfo | undefined> {
    const c = this.#containers.get(id);
    return Promise.resolve(c ? { ...c.info } : undefined);
  }

  imageStatus(image: string): Promise<ImageInfo | undefined> {
    const i = this.#images.get(image);
    return Promise.resolve(i ? { ...i } : undefined);
  }

  listImages(): Promise<NodeImage[]> {
    return Promise.resolve(
      [...this.#images.entries()].map(([name, i]) => ({ names: [name], sizeBytes: i.sizeBytes })),
    );
  }

  /** Zero usage for every running container: a fake node runs nothing. */
  containerStats(): Promise<ContainerUsage[]> {
    const timeMs = this.#clock().getTime();
    return Promise.resolve(
      [...this.#containers.values()]
        .filter((c) => c.info.state === 'running')
        .map((c) => ({
          id: c.info.id,
          podUid: c.info.podUid,
          podName: this.#podNames.get(c.info.podUid)?.name ?? '',
          namespace: this.#podNames.get(c.info.podUid)?.namespace ?? '',
          name: c.info.name,
          kind: c.info.kind,
          timeMs,
          cpuUsageNanoSeconds: 0,
          memoryWorkingSetBytes: 0,
          memoryUsageBytes: 0,
        })),
    );
  }

  /** Always succeeds, instantly: there is no registry behind a fake node. */
  pullImage(image: string): Promise<ImageInfo> {
    const info = { id: `sha256:${sha('image', image)}`, sizeBytes: 0 };
    this.#images.set(image, info);
    return Promise.resolve({ ...info });
  }

  #allocateIp(): string {
    for (let host = 2; host <= 254; host++) {
      const ip = `${this.#o.ipPrefix}.${host}`;
      if (!this.#ipsInUse.has(ip)) {
        this.#ipsInUse.add(ip);
        return ip;
      }
    }
    throw new Error(
      `fake node ${this.#o.node} has no free pod IP left in ${this.#o.ipPrefix}.0/24`,
    );
  }

  createSandbox(spec: SandboxSpec): Promise<ContainerInfo> {
    const key = `${spec.podUid}/POD/${spec.attempt ?? 0}`;
    const existing = this.#byKey.get(key);
    const found = existing ? this.#containers.get(existing) : undefined;
    if (found) {
      if (found.info.state !== 'running') {
        found.info.state = 'running';
        found.info.startedAt = this.#now();
        found.info.finishedAt = ZERO_TIME;
        found.info.exitCode = 0;
      }
      return Promise.resolve({ ...found.info });
    }
    let ip: string;
    try {
      ip = this.#allocateIp();
    } catch (err) {
      return Promise.reject(err as Error);
    }
    const id = sha('sandbox', this.#o.node, key);
    this.#podNames.set(spec.podUid, { name: spec.podName, namespace: spec.namespace });
    const info: ContainerInfo = {
      id,
      podUid: spec.podUid,
      name: 'POD',
      kind: 'sandbox',
      attempt: spec.attempt ?? 0,
      specHash: '',
      image: 'kbox/pause:fake',
      imageId: `sha256:${sha('image', 'kbox/pause:fake')}`,
      state: 'running',
      exitCode: 0,
      oomKilled: false,
      error: '',
      startedAt: this.#now(),
      finishedAt: ZERO_TIME,
      ip,
    };
    this.#containers.set(id, { info, waiters: new Set() });
    this.#byKey.set(key, id);
    return Promise.resolve({ ...info });
  }

  createContainer(sandboxId: string, spec: ContainerSpec): Promise<string> {
    const sandbox = this.#containers.get(sandboxId);
    if (!sandbox || sandbox.info.kind !== 'sandbox') {
      return Promise.reject(new Error(`no such sandbox: ${sandboxId}`));
    }
    const key = `${spec.podUid}/${spec.name}/${spec.attempt}`;
    const existing = this.#byKey.get(key);
    if (existing && this.#containers.has(existing)) return Promise.resolve(existing);
    const id = sha('container', this.#o.node, key);
    const image = this.#images.get(spec.image);
    this.#containers.set(id, {
      info: {
        id,
        podUid: spec.podUid,
        name: spec.name,
        kind: spec.kind,
        attempt: spec.attempt,
        specHash: spec.specHash,
        image: spec.image,
        imageId: image?.id ?? `sha256:${sha('image', spec.image)}`,
        state: 'created',
        exitCode: 0,
        oomKilled: false,
        error: '',
        startedAt: ZERO_TIME,
        finishedAt: ZERO_TIME,
        ip: '',
        sandboxId,
      },
      waiters: new Set(),
    });
    this.#byKey.set(key, id);
    if (spec.sidecar === true) this.#sidecars.add(id);
    return Promise.resolve(id);
  }

  startContainer(id: string): Promise<void> {
    const c = this.#containers.get(id);
    if (!c) return Promise.reject(new Error(`no such container: ${id}`));
    if (c.info.state === 'running') return Promise.resolve();
    c.info.startedAt = this.#now();
    c.info.exitCode = 0;
    if (c.info.kind === 'init' && !this.#sidecars.has(id)) {
      // Init containers complete at once, so pods that have them get to their app containers.
      c.info.state = 'exited';
      c.info.finishedAt = c.info.startedAt;
    } else {
      c.info.state = 'running';
      c.info.finishedAt = ZERO_TIME;
    }
    return Promise.resolve();
  }

  /** The "process" dies of the stop signal: SIGKILL without grace, else SIGTERM. */
  stopContainer(id: string, graceSeconds: number): Promise<void> {
    const c = this.#containers.get(id);
    if (!c || c.info.state !== 'running') return Promise.resolve();
    c.info.state = 'exited';
    c.info.exitCode = graceSeconds > 0 ? EXIT_SIGTERM : EXIT_SIGKILL;
    c.info.finishedAt = this.#now();
    this.#wake(c);
    return Promise.resolve();
  }

  removeContainer(id: string): Promise<void> {
    const c = this.#containers.get(id);
    if (!c) return Promise.resolve();
    this.#containers.delete(id);
    this.#sidecars.delete(id);
    for (const [key, value] of this.#byKey) if (value === id) this.#byKey.delete(key);
    if (c.info.kind === 'sandbox') {
      this.#ipsInUse.delete(c.info.ip);
      this.#podNames.delete(c.info.podUid);
    }
    this.#wake(c);
    return Promise.resolve();
  }

  #wake(c: FakeContainer): void {
    for (const w of c.waiters) w();
    c.waiters.clear();
  }

  exec(id: string, _command: string[], _timeoutMs: number): Promise<ExecResult> {
    const c = this.#containers.get(id);
    if (c?.info.state !== 'running') {
      return Promise.reject(new Error(`container ${id} is not running`));
    }
    return Promise.resolve({ exitCode: 0, output: '', timedOut: false });
  }

  /** Like exec: the command is not run; its (empty) output ends at once with exit code 0. */
  execStream(id: string, _command: string[], opts: StreamOptions): Promise<ContainerStream> {
    return this.#emptyStream(id, opts, 0);
  }

  /** A fake container's main process prints nothing; the attach ends when it is closed. */
  attach(id: string, opts: StreamOptions): Promise<ContainerStream> {
    return this.#emptyStream(id, opts, undefined);
  }

  connectPort(podUid: string, port: number): Promise<Duplex> {
    return Promise.reject(
      new Error(
        `pod ${podUid} runs on a fake node: nothing listens on port ${port} (fake nodes run no containers)`,
      ),
    );
  }

  #emptyStream(
    id: string,
    opts: StreamOptions,
    exitCode: number | undefined,
  ): Promise<ContainerStream> {
    const c = this.#containers.get(id);
    if (c?.info.state !== 'running') {
      return Promise.reject(new Error(`container ${id} is not running`));
    }
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let closed!: () => void;
    const ended = new Promise<void>((resolve) => (closed = resolve));
    const finish = (): void => {
      stdout.end();
      stderr.end();
      closed();
    };
    if (exitCode !== undefined) finish();
    return Promise.resolve({
      stdin: opts.stdin ? new PassThrough() : undefined,
      stdout,
      stderr,
      resize: () => Promise.resolve(),
      done: ended.then(() => exitCode),
      close: () => {
        finish();
        return Promise.resolve();
      },
    });
  }

  ensureTmpfsVolume(podUid: string, volume: string, _sizeBytes?: number): Promise<string> {
    const name = `kbox_fake_${podUid}_${volume}`;
    this.#volumes.set(name, podUid);
    return Promise.resolve(name);
  }

  removePodVolumes(podUid: string): Promise<void> {
    for (const [name, owner] of this.#volumes) if (owner === podUid) this.#volumes.delete(name);
    return Promise.resolve();
  }

  /** For tests: whether a volume made by ensureTmpfsVolume still exists. */
  hasVolume(name: string): boolean {
    return this.#volumes.has(name);
  }

  /** Writes nothing; with follow, returns when the container stops or the reader goes away. */
  async logs(
    id: string,
    opts: LogOptions,
    _out: NodeJS.WritableStream,
    signal: AbortSignal,
  ): Promise<void> {
    const c = this.#containers.get(id);
    if (!c) throw new Error(`no such container: ${id}`);
    if (!opts.follow || c.info.state !== 'running' || signal.aborted) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        c.waiters.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      c.waiters.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
