// Resource usage of a node's pods, for metrics.k8s.io (`kubectl top`). The runtime gives one
// reading per running container (cumulative CPU time, memory working set); CPU use is the rate
// between two readings, as cadvisor and metrics-server compute it.
//
// Collection runs on demand: the first summary asked for takes two readings `firstWindowMs` apart
// (so the first `kubectl top` answers in about a second), then readings follow every `intervalMs`
// while someone keeps asking, and stop after `idleMs` without a request. An idle cluster pays
// nothing; a watched one pays one engine stats call per running container per interval.
//
// Node usage is the sum of the node's containers (sandboxes included) plus, when `process` is
// given, the kbox daemon's own CPU and resident memory (the control-plane node carries it, as a
// real node's usage includes its system daemons). Virtual nodes share one host, so host-wide
// figures would count the same machine once per node.
import { rfc3339 } from '../api/duration.js';
import type { CpuStats, MemoryStats, PodStats, Summary } from '../api/stats-summary.js';
import type { ContainerUsage } from './runtime/interface.js';

export interface ProcessUsage {
  cpuNanoSeconds: number;
  memoryBytes: number;
}

export interface StatsCollectorOptions {
  nodeName: string;
  read(): Promise<ContainerUsage[]>;
  /** Usage of the daemon itself, counted in this node's figures. */
  process?: () => ProcessUsage;
  clock?: () => Date;
  intervalMs?: number;
  idleMs?: number;
  firstWindowMs?: number;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

interface Round {
  timeMs: number;
  containers: Map<string, ContainerUsage>;
  process: ProcessUsage | undefined;
}

/** The daemon's own usage (this Node.js process). */
export function daemonProcessUsage(): ProcessUsage {
  const cpu = process.cpuUsage();
  return { cpuNanoSeconds: (cpu.user + cpu.system) * 1000, memoryBytes: process.memoryUsage.rss() };
}

/** Nanocores between two cumulative readings; undefined when the counter went back. */
function rate(prevNs: number, prevMs: number, lastNs: number, lastMs: number): number | undefined {
  const dt = lastMs - prevMs;
  if (dt <= 0 || lastNs < prevNs) return undefined;
  return Math.round(((lastNs - prevNs) / (dt * 1e6)) * 1e9);
}

export class ResourceStatsCollector {
  readonly #o: StatsCollectorOptions;
  readonly #clock: () => Date;
  #prev: Round | undefined;
  #last: Round | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lastDemandMs = 0;
  #reading: Promise<void> | undefined;
  #stopped = false;

  constructor(o: StatsCollectorOptions) {
    this.#o = o;
    this.#clock = o.clock ?? (() => new Date());
  }

  get #intervalMs(): number {
    return this.#o.intervalMs ?? 10_000;
  }

  /** The node's and its pods' usage over the latest window (reads now if there is none yet). */
  async summary(): Promise<Summary> {
    const now = this.#clock().getTime();
    this.#lastDemandMs = now;
    this.#ensureTimer();
    if (!this.#last || now - this.#last.timeMs > 2 * this.#intervalMs) {
      this.#prev = undefined;
      await this.#readOnce();
    }
    if (!this.#prev) {
      await new Promise((r) => setTimeout(r, this.#o.firstWindowMs ?? 1000));
      await this.#readOnce();
    }
    return this.#build();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #ensureTimer(): void {
    if (this.#timer || this.#stopped) return;
    this.#timer = setInterval(() => {
      if (this.#clock().getTime() - this.#lastDemandMs > (this.#o.idleMs ?? 300_000)) {
        // Nobody has asked for a while: stop reading and forget, so the next ask starts afresh.
        clearInterval(this.#timer);
        this.#timer = undefined;
        this.#prev = this.#last = undefined;
        return;
      }
      this.#readOnce().catch((err: unknown) =>
        this.#o.log?.('reading container stats failed', { error: String(err) }),
      );
    }, this.#intervalMs);
    this.#timer.unref();
  }

  /** One round of readings; concurrent callers share it. */
  #readOnce(): Promise<void> {
    this.#reading ??= (async () => {
      try {
        const timeMs = this.#clock().getTime();
        const list = await this.#o.read();
        const round: Round = {
          timeMs,
          containers: new Map(list.map((u) => [u.id, u])),
          process: this.#o.process?.(),
        };
        this.#prev = this.#last;
        this.#last = round;
      } finally {
        this.#reading = undefined;
      }
    })();
    return this.#reading;
  }

  #build(): Summary {
    const last = this.#last;
    const prev = this.#prev;
    const windowSeconds = last && prev ? (last.timeMs - prev.timeMs) / 1000 : 0;
    const time = rfc3339(last?.timeMs ?? this.#clock().getTime());
    const cpu = (nanoCores: number, cumulative: number): CpuStats => ({
      time,
      usageNanoCores: nanoCores,
      usageCoreNanoSeconds: cumulative,
      windowSeconds,
    });
    const memory = (workingSet: number, usage: number): MemoryStats => ({
      time,
      workingSetBytes: workingSet,
      usageBytes: usage,
    });
    const pods = new Map<string, PodStats>();
    let nodeCores = 0;
    let nodeCumulative = 0;
    let nodeWorkingSet = 0;
    let nodeUsage = 0;
    for (const u of last?.containers.values() ?? []) {
      const before = prev?.containers.get(u.id);
      // A container needs two readings for a rate: a new one shows from the next round on.
      if (!before) continue;
      const cores = rate(
        before.cpuUsageNanoSeconds,
        before.timeMs,
        u.cpuUsageNanoSeconds,
        u.timeMs,
      );
      if (cores === undefined) continue;
      nodeCores += cores;
      nodeCumulative += u.cpuUsageNanoSeconds;
      nodeWorkingSet += u.memoryWorkingSetBytes;
      nodeUsage += u.memoryUsageBytes;
      let pod = pods.get(u.podUid);
      if (!pod) {
        pod = {
          podRef: { name: u.podName, namespace: u.namespace, uid: u.podUid },
          cpu: cpu(0, 0),
          memory: memory(0, 0),
          containers: [],
        };
        pods.set(u.podUid, pod);
      }
      pod.cpu.usageNanoCores += cores;
      pod.cpu.usageCoreNanoSeconds += u.cpuUsageNanoSeconds;
      pod.memory.workingSetBytes += u.memoryWorkingSetBytes;
      pod.memory.usageBytes += u.memoryUsageBytes;
      if (u.kind !== 'sandbox') {
        pod.containers.push({
          name: u.name,
          cpu: cpu(cores, u.cpuUsageNanoSeconds),
          memory: memory(u.memoryWorkingSetBytes, u.memoryUsageBytes),
        });
      }
    }
    if (last?.process && prev?.process) {
      nodeCores +=
        rate(prev.process.cpuNanoSeconds, prev.timeMs, last.process.cpuNanoSeconds, last.timeMs) ??
        0;
      nodeCumulative += last.process.cpuNanoSeconds;
      nodeWorkingSet += last.process.memoryBytes;
      nodeUsage += last.process.memoryBytes;
    }
    return {
      node: {
        nodeName: this.#o.nodeName,
        cpu: cpu(nodeCores, nodeCumulative),
        memory: memory(nodeWorkingSet, nodeUsage),
      },
      pods: [...pods.values()].filter((p) => p.containers.length > 0),
    };
  }
}
