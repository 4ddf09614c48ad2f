// What the kubelet needs from a container runtime. The Docker implementation runs real
// containers; the fake one (fake.ts) only pretends, for nodes without containers. Both pass the
// shared suite in test/kubelet/runtime-conformance.ts.
import type { Duplex, Readable, Writable } from 'node:stream';

export interface SandboxSpec {
  podUid: string;
  podName: string;
  namespace: string;
  hostname: string;
  network: string;
  /** Name servers behind the engine's own resolver (the cluster DNS); empty: the host's. */
  dns?: string[];
  dnsSearch: string[];
  dnsOptions: string[];
  hostPorts: Array<{ hostPort: number; containerPort: number; protocol: string; hostIP?: string }>;
  labels: Record<string, string>;
  /**
   * The pod's sandbox count so far (0 for its first), in the name as upstream's; a dead sandbox
   * that could not be removed does not stand in the new one's way.
   */
  attempt?: number;
}

export type ContainerKind = 'init' | 'regular' | 'ephemeral';

export interface ContainerSpec {
  podUid: string;
  podName: string;
  namespace: string;
  name: string;
  /**
   * init containers run to completion, in order, before the regular ones; an ephemeral one (kubectl
   * debug) is added to a running pod and never restarted.
   */
  kind: ContainerKind;
  /**
   * An ephemeral container's target: the ID of the container whose process namespace it joins
   * (upstream's targetContainerName); without it the container has a PID namespace of its own.
   */
  pidTarget?: string;
  /** An init container with restartPolicy Always (a sidecar): it runs on beside the app. */
  sidecar?: boolean;
  attempt: number;
  image: string;
  command?: string[];
  args?: string[];
  env: string[];
  workingDir?: string;
  tty: boolean;
  stdin: boolean;
  /**
   * Close the process's stdin when the first attached client's stdin ends (the pod's
   * stdinOnce). Without it, the end of a client's stdin only detaches that client.
   */
  stdinOnce?: boolean;
  memoryBytes?: number;
  nanoCpus?: number;
  user?: string;
  readOnlyRootfs?: boolean;
  privileged?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  mounts?: Mount[];
  /** Hash of the container's spec: a change means the container must be replaced. */
  specHash: string;
  labels: Record<string, string>;
}

export interface ContainerInfo {
  id: string;
  podUid: string;
  name: string;
  kind: ContainerKind | 'sandbox';
  attempt: number;
  specHash: string;
  image: string;
  imageId: string;
  state: 'created' | 'running' | 'exited';
  exitCode: number;
  oomKilled: boolean;
  error: string;
  startedAt: string;
  finishedAt: string;
  ip: string;
  /** For a container: the sandbox whose namespaces it joined (a dead sandbox's stay behind). */
  sandboxId?: string;
}

export interface Runtime {
  /** `docker://<version>`; throws when the runtime is unreachable. */
  version(): Promise<string>;
  endpoint: string;
  /** The prefix of container and image IDs in pod status: `docker` → `docker://<id>`. */
  readonly scheme: string;
  /** Every container (and sandbox) of this node, from the runtime's labels. */
  listContainers(): Promise<ContainerInfo[]>;
  /** The containers (and sandbox) of one pod. */
  podContainers(podUid: string): Promise<ContainerInfo[]>;
  /** The image when it is present on the node, else undefined. Pull policy is the kubelet's. */
  imageStatus(image: string): Promise<ImageInfo | undefined>;
  /** The images present on the node (every tag and digest name of each), for node.status.images. */
  listImages(): Promise<NodeImage[]>;
  /**
   * One reading of every running container (and sandbox) of this node: cumulative CPU time and
   * memory working set, as cadvisor reports them. Rates are the caller's business (stats.ts).
   */
  containerStats(): Promise<ContainerUsage[]>;
  /** Pulls the image; rejects with the registry's (or engine's) message when it cannot. */
  pullImage(image: string): Promise<ImageInfo>;
  createSandbox(spec: SandboxSpec): Promise<ContainerInfo>;
  createContainer(sandboxId: string, spec: ContainerSpec): Promise<string>;
  startContainer(id: string): Promise<void>;
  stopContainer(id: string, graceSeconds: number): Promise<void>;
  removeContainer(id: string): Promise<void>;
  inspect(id: string): Promise<ContainerInfo | undefined>;
  /**
   * Runs a command in a running container and collects its output (stdout and stderr). Past
   * `timeoutMs` it resolves with timedOut; the command itself may go on (as with dockershim).
   */
  exec(id: string, command: string[], timeoutMs: number): Promise<ExecResult>;
  /** A tmpfs-backed volume of the pod (emptyDir medium Memory), created once; returns its name. */
  ensureTmpfsVolume(podUid: string, volume: string, sizeBytes: number | undefined): Promise<string>;
  /** Removes the pod's volumes (after its containers are gone). */
  removePodVolumes(podUid: string): Promise<void>;
  /**
   * Starts `command` in a running container with the asked streams attached (kubectl exec).
   * Closing the returned stream kills the command if it still runs, so no exec outlives its client.
   */
  execStream(id: string, command: string[], opts: StreamOptions): Promise<ContainerStream>;
  /** Attaches to the main process of a running container (kubectl attach). */
  attach(id: string, opts: StreamOptions): Promise<ContainerStream>;
  /**
   * Opens a TCP connection to `port` in the pod's network namespace (kubectl port-forward).
   * Rejects with the reason the client should see.
   */
  connectPort(podUid: string, port: number): Promise<Duplex>;
  /** Writes the container's log to `out` (stdout and stderr interleaved); resolves at the end. */
  logs(
    id: string,
    opts: LogOptions,
    out: NodeJS.WritableStream,
    signal: AbortSignal,
  ): Promise<void>;
}

/** A bind mount of a host path, or a Docker volume (by name). */
export interface Mount {
  type: 'bind' | 'volume';
  source: string;
  target: string;
  readOnly: boolean;
}

export interface ImageInfo {
  id: string;
  sizeBytes: number;
}

/** An image as node.status.images lists it. */
export interface NodeImage {
  names: string[];
  sizeBytes: number;
}

/** An engine image's names as upstream's kubelet lists them: digests, then tags; no `<none>`. */
export function engineImageNames(
  digests: string[] | null | undefined,
  tags: string[] | null | undefined,
): string[] {
  return [...(digests ?? []), ...(tags ?? [])].filter((n) => !n.includes('<none>'));
}

/** One reading of a running container's resource usage. */
export interface ContainerUsage {
  id: string;
  podUid: string;
  podName: string;
  namespace: string;
  /** The pod container's name; `POD` for the sandbox. */
  name: string;
  kind: ContainerKind | 'sandbox';
  /** When the engine took the reading (ms since the epoch). */
  timeMs: number;
  /** CPU time used since the container started, in nanoseconds (cumulative). */
  cpuUsageNanoSeconds: number;
  /** Memory usage minus inactive file pages (cadvisor's working set), bytes. */
  memoryWorkingSetBytes: number;
  /** Memory usage as the cgroup reports it (page cache included), bytes. */
  memoryUsageBytes: number;
}

/** An image problem, with the waiting reason the pod status shows. */
export class ImageError extends Error {
  constructor(
    readonly reason: 'ErrImagePull' | 'ImagePullBackOff' | 'ErrImageNeverPull' | 'InvalidImageName',
    message: string,
  ) {
    super(message);
  }
}

export interface StreamOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
  /** The terminal's size to start with (TTY only). */
  size?: { width: number; height: number };
}

/** The streams of an exec'd command or an attached container. */
export interface ContainerStream {
  /** The process's stdin (when asked for); end() closes it. */
  stdin: Writable | undefined;
  /** Its stdout (with a TTY: the terminal's whole output). */
  stdout: Readable;
  /** Its stderr (empty with a TTY). */
  stderr: Readable;
  /** Resizes the TTY; a no-op without one. Never rejects. */
  resize(width: number, height: number): Promise<void>;
  /**
   * Resolves once the output has ended: with the exit code for an exec, undefined for an attach
   * (the container goes on, or its exit is reported through the pod's status).
   */
  done: Promise<number | undefined>;
  /** Detaches; an exec whose command still runs is killed. Never rejects. */
  close(): Promise<void>;
}

export interface ExecResult {
  exitCode: number;
  output: string;
  timedOut: boolean;
}

export interface LogOptions {
  follow: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  timestamps: boolean;
  tty: boolean;
}
