// The kubelet's resource summary (GET /stats/summary on its endpoint), a subset of upstream's
// Summary API (k8s.io/kubelet/pkg/apis/stats/v1alpha1) with the same field names. The API server
// turns it into metrics.k8s.io NodeMetrics and PodMetrics, as metrics-server does with a real
// kubelet. kbox adds one field: `windowSeconds`, the span over which usageNanoCores was measured.

export interface CpuStats {
  /** The end of the measurement window (RFC 3339). */
  time: string;
  /** Average CPU use over the window, in billionths of a core. */
  usageNanoCores: number;
  /** CPU time used since start, nanoseconds (cumulative). */
  usageCoreNanoSeconds: number;
  /** kbox's addition: how long the window was, seconds. */
  windowSeconds: number;
}

export interface MemoryStats {
  time: string;
  /** Usage minus inactive file pages: what the OOM killer and `kubectl top` look at. */
  workingSetBytes: number;
  usageBytes: number;
}

export interface ContainerStats {
  name: string;
  cpu: CpuStats;
  memory: MemoryStats;
}

export interface PodStats {
  podRef: { name: string; namespace: string; uid: string };
  /** Every container of the pod, its sandbox included. */
  cpu: CpuStats;
  memory: MemoryStats;
  /** The pod's running containers (init and sidecar ones too), not the sandbox. */
  containers: ContainerStats[];
}

export interface NodeStats {
  nodeName: string;
  cpu: CpuStats;
  memory: MemoryStats;
}

export interface Summary {
  node: NodeStats;
  pods: PodStats[];
}
