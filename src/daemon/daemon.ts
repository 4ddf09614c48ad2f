// The kbox daemon: one process holding a cluster's control plane. Starts storage, the API server
// behind TLS and a token, then the node agents (which talk to the API like any client), and
// shuts them down in reverse order on SIGTERM/SIGINT.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiServer } from '../apiserver/server.js';
import { loadOrCreatePki, loadOrCreateToken } from '../apiserver/tls.js';
import { loadOrCreateSigningKey } from '../apiserver/registry/core/serviceaccounts/tokens.js';
import {
  clusterConfigProblem,
  clusterPaths,
  FAKE_NODE_LABEL,
  fakeNodeNames,
  nodeNames,
  STATE_VERSION,
  usableSocketPath,
  type ClusterConfig,
} from '../cli/paths.js';
import { CORE, KubeClient } from '../client/rest.js';
import { clusterNetwork } from '../api/cluster-network.js';
import { dockerEndpoint } from '../api/docker-labels.js';
import { DEFAULT_SERVICE_NETWORK } from '../apiserver/registry/core/services/strategy.js';
import { ensureKubernetesService } from './kubernetes-service.js';
import { clusterSubnet } from './network.js';
import { isStatusError } from '../api/status.js';
import { NodeAgent } from '../kubelet/node-agent.js';
import { EngineProbe } from '../kubelet/engine-probe.js';
import type { Kubelet } from '../kubelet/kubelet.js';
import { KubeletServer } from '../kubelet/server.js';
import { FakeRuntime } from '../kubelet/runtime/fake.js';
import { SqliteStorage } from '../storage/sqlite.js';
import { acquireLock } from './lock.js';
import type { Logger } from './log.js';

export interface DaemonOptions {
  name: string;
  home: string;
  log: Logger;
}

export interface RunningDaemon {
  url: string;
  stop(): Promise<void>;
}

/** KBOX_POD_WORKERS: pods each kubelet syncs at once (the kubelet's own default otherwise). */
function podWorkers(): { podWorkers?: number } {
  const n = Number(process.env.KBOX_POD_WORKERS);
  return Number.isInteger(n) && n > 0 ? { podWorkers: n } : {};
}

function readConfig(path: string): ClusterConfig {
  const value: unknown = JSON.parse(readFileSync(path, 'utf8'));
  const problem = clusterConfigProblem(value);
  if (problem !== undefined) throw new Error(`${path} is damaged: ${problem}`);
  const cfg = value as ClusterConfig;
  if (cfg.stateVersion > STATE_VERSION) {
    throw new Error(
      `the cluster state was written by a newer kbox (state version ${cfg.stateVersion}, this kbox understands ${STATE_VERSION}); refusing to touch it`,
    );
  }
  return cfg;
}

export async function startDaemon(opts: DaemonOptions): Promise<RunningDaemon> {
  const { log } = opts;
  const paths = clusterPaths(opts.name, opts.home);
  const config = readConfig(paths.config);
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  const release = acquireLock(paths.lock);
  // Cleanups run newest first. Components that start in the background register theirs through
  // `own`, which, once a stop has begun, stops them at once instead of queueing them behind
  // steps that already ran (the API server may be gone by then).
  const cleanups: Array<() => Promise<void> | void> = [release];
  let stopping: Promise<void> | undefined;
  const own = async (fn: () => Promise<void> | void): Promise<void> => {
    if (stopping) await fn();
    else cleanups.push(fn);
  };
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      while (cleanups.length > 0) {
        const fn = cleanups.pop();
        try {
          await fn?.();
        } catch (err) {
          log.error('shutdown step failed', { error: String(err) });
        }
      }
    })();
    return stopping;
  };
  try {
    writeFileSync(paths.pid, `${process.pid}\n`, { mode: 0o600 });
    cleanups.push(() => rmSync(paths.pid, { force: true }));

    const storage = new SqliteStorage({
      path: paths.db,
      groupCommit: true,
      checkpointThread: true,
    });
    storage.startCompactor(60_000, (err) => log.error('compaction failed', { error: String(err) }));
    cleanups.push(() => storage.close());
    log
      .child('apiserver')
      .info('storage open', { path: paths.db, revision: storage.currentRevision() });

    // The cluster's address plan comes first: the API server allocates ClusterIPs from it.
    const plan = clusterNetwork(
      await clusterSubnet(config, paths, opts.home, dockerEndpoint(process.env), (msg, f) =>
        log.child('proxy').info(msg, f),
      ),
    );
    const pki = await loadOrCreatePki(paths.pki, {
      commonName: `kbox-${opts.name}`,
      // Pods reach the API server as the `kubernetes` Service (names and ClusterIP) whose
      // endpoint is the cluster network's gateway.
      hosts: [
        'localhost',
        '127.0.0.1',
        'kubernetes',
        'kubernetes.default',
        'kubernetes.default.svc',
        'kubernetes.default.svc.cluster.local',
        plan.apiServerIp,
        plan.gateway,
      ],
    });
    const token = loadOrCreateToken(paths.pki);
    // Kubelets accept log requests only from this process's API server.
    const kubeletToken = randomBytes(32).toString('hex');
    // The daemon's own components reach the API server over a private Unix socket (plain HTTP,
    // no TLS, no HTTP client library to load); a path too long for a socket address falls back
    // to the HTTPS port.
    const socketPath = usableSocketPath(paths.socket);
    const server = new ApiServer({
      storage,
      host: '127.0.0.1',
      port: config.port,
      tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.caCert },
      auth: { token },
      kubeletToken,
      ...(socketPath !== undefined ? { socketPath } : {}),
      serviceNetwork: { ...DEFAULT_SERVICE_NETWORK, serviceCidr: plan.serviceCidr },
      serviceAccountKey: loadOrCreateSigningKey(paths.pki),
    });
    const url = await server.start();
    cleanups.push(() => server.stop());
    log.child('apiserver').info('serving', { url });

    const client = new KubeClient({
      server: url,
      ca: pki.caCert,
      token,
      ...(socketPath !== undefined ? { socketPath } : {}),
    });
    cleanups.push(() => client.close());
    const kubelet = log.child('kubelet');
    const names = nodeNames(opts.name, config.nodes);
    // Fake nodes run pods on the fake runtime (no containers, state in memory only: after a
    // restart they start empty and their kubelets recreate what should run).
    const fakeRuntimes = new Map(
      fakeNodeNames(opts.name, config.fakeNodes ?? 0).map(
        (n, i) => [n, new FakeRuntime({ node: n, ipPrefix: `10.250.${i + 1}` })] as const,
      ),
    );
    const allNames = [...names, ...fakeRuntimes.keys()];
    // Before the nodes register: `cluster start` waits until no other fake node is left.
    await removeStaleFakeNodes(client, new Set(fakeRuntimes.keys()), (msg, f) =>
      kubelet.info(msg, f),
    );
    // Nodes register with a light engine probe; the Docker client and the pod workers load just
    // after, so the cluster answers as soon as possible.
    const probe = new EngineProbe();
    const pods = new Map<string, Kubelet>();
    const starting = (): Error => new Error('the kubelet is still starting');
    for (const [i, nodeName] of allNames.entries()) {
      const fake = fakeRuntimes.get(nodeName);
      const nodeLog = (msg: string, fields?: Record<string, unknown>): void =>
        kubelet.info(msg, { node: nodeName, ...fields });
      const endpoint = new KubeletServer(
        {
          find: (ns, n) => pods.get(nodeName)?.findPod(ns, n),
          containers: (uid) =>
            pods.get(nodeName)?.runtime.podContainers(uid) ?? Promise.resolve([]),
          logs: (...args) => pods.get(nodeName)?.runtime.logs(...args) ?? Promise.resolve(),
          execStream: (...args) =>
            pods.get(nodeName)?.runtime.execStream(...args) ?? Promise.reject(starting()),
          attach: (...args) =>
            pods.get(nodeName)?.runtime.attach(...args) ?? Promise.reject(starting()),
          connectPort: (...args) =>
            pods.get(nodeName)?.runtime.connectPort(...args) ?? Promise.reject(starting()),
          summary: () => pods.get(nodeName)?.summary() ?? Promise.reject(starting()),
        },
        kubeletToken,
      );
      const kubeletPort = await endpoint.start();
      cleanups.push(() => endpoint.stop());
      const agent = new NodeAgent({
        client,
        nodeName,
        clusterName: opts.name,
        role: i === 0 ? 'control-plane' : 'worker',
        // kind's taint goes on the control-plane node only, and only when real workers exist.
        taintControlPlane: i === 0 && names.length > 1,
        runtime: fake
          ? {
              version: () => fake.version(),
              endpoint: fake.endpoint,
              images: () => fake.listImages(),
            }
          : probe,
        ...(fake
          ? {
              labels: { [FAKE_NODE_LABEL]: 'true' },
              taints: [{ key: FAKE_NODE_LABEL, value: 'true', effect: 'NoSchedule' }],
              podCIDR: `10.250.${i - names.length + 1}.0/24`,
            }
          : {}),
        dataDir: paths.dir,
        kubeletPort,
        log: nodeLog,
      });
      await agent.start();
      cleanups.push(() => agent.stop());
    }
    kubelet.info('nodes registered', { nodes: allNames });
    const startKubelets = async (): Promise<void> => {
      const { Kubelet: KubeletImpl } = await import('../kubelet/kubelet.js');
      const { DockerRuntime } = await import('../kubelet/runtime/docker.js');
      const { daemonProcessUsage } = await import('../kubelet/stats.js');
      let network = `kbox-${opts.name}`;
      // False when the network predates the subnet plan and is kept: no VIPs, no cluster DNS.
      let planned = true;
      try {
        network = await new DockerRuntime({
          cluster: opts.name,
          node: names[0] ?? '',
        }).ensureNetwork(plan, (msg, f) => {
          planned = false;
          kubelet.warn(msg, f);
        });
        kubelet.info('docker network ready', { network, subnet: plan.subnet });
        if (planned) {
          await serveInCluster();
          servicesStarted = startServiceProxy(network);
        }
      } catch (err) {
        kubelet.warn('docker engine not reachable; nodes report NotReady until it is', {
          endpoint: probe.endpoint,
          error: (err as Error).message,
        });
      }
      for (const nodeName of names) {
        const runtime = new DockerRuntime({ cluster: opts.name, node: nodeName });
        const worker = new KubeletImpl({
          client,
          runtime,
          nodeName,
          network,
          ...(planned ? { clusterDns: plan.dnsIp } : {}),
          podsDir: join(paths.dir, 'nodes', nodeName, 'pods'),
          log: (msg, fields) => kubelet.info(msg, { node: nodeName, ...fields }),
          ...podWorkers(),
          // The daemon (API server, controllers, kubelets) counts as the control-plane node's load.
          ...(nodeName === names[0] ? { daemonUsage: daemonProcessUsage } : {}),
        });
        if (stopping) return;
        await worker.start();
        pods.set(nodeName, worker);
        await own(() => worker.stop({ stopContainers: true }));
      }
      for (const [nodeName, runtime] of fakeRuntimes) {
        const worker = new KubeletImpl({
          client,
          runtime,
          nodeName,
          network: 'none',
          podsDir: join(paths.dir, 'nodes', nodeName, 'pods'),
          log: (msg, fields) => kubelet.info(msg, { node: nodeName, ...fields }),
          runProbes: false,
        });
        if (stopping) return;
        await worker.start();
        pods.set(nodeName, worker);
        await own(() => worker.stop({ stopContainers: true }));
      }
      kubelet.info('pod workers started', { nodes: allNames });
    };
    // The API server also listens on the gateway (the host side of the cluster bridge, which
    // exists once the network does), and the `kubernetes` Service points there.
    const serveInCluster = async (): Promise<void> => {
      const apiLog = log.child('apiserver');
      try {
        await server.listenAlso(plan.gateway);
        const port = Number(new URL(url).port);
        await ensureKubernetesService(client, plan, port);
        apiLog.info('serving pods', {
          address: `${plan.gateway}:${port}`,
          service: plan.apiServerIp,
        });
      } catch (err) {
        apiLog.error('in-cluster API access failed to start', { error: (err as Error).message });
      }
    };
    const proxyLog = log.child('proxy');
    let servicesStarted: Promise<void> = Promise.resolve();
    const startServiceProxy = async (network: string): Promise<void> => {
      try {
        const [{ VipController }, { default: Docker }] = await Promise.all([
          import('../proxy/vip-controller.js'),
          import('dockerode'),
        ]);
        const docker = new Docker();
        const info = (await docker.info()) as { OperatingSystem?: string };
        const vips = new VipController({
          client,
          docker,
          cluster: opts.name,
          network,
          plan,
          perServiceLbIp: !/Docker Desktop/i.test(info.OperatingSystem ?? ''),
          log: (msg, f) => proxyLog.info(msg, f),
        });
        if (stopping) return;
        await vips.start();
        await own(() => vips.stop({ stopContainers: true }));
        proxyLog.info('service proxy started', { serviceCidr: plan.serviceCidr });
        const { ClusterDns } = await import('../proxy/dns-server.js');
        const { ensureDnsService } = await import('../proxy/dns-service.js');
        const dns = new ClusterDns({
          view: vips.view(),
          host: plan.gateway,
          log: (msg, f) => proxyLog.info(msg, f),
        });
        if (stopping) return;
        const dnsPort = await dns.start();
        await own(() => dns.stop());
        await ensureDnsService(client, plan, dnsPort);
        proxyLog.info('cluster DNS serving', {
          address: `${plan.gateway}:${dnsPort}`,
          service: plan.dnsIp,
        });
      } catch (err) {
        proxyLog.error('service proxy failed to start', { error: (err as Error).message });
      }
    };
    const kubeletsStarted = startKubelets().catch((err: unknown) =>
      kubelet.error('pod workers failed to start', { error: (err as Error).message }),
    );
    const startControlPlane = async (): Promise<void> => {
      const { Scheduler } = await import('../scheduler/scheduler.js');
      const schedLog = log.child('scheduler');
      const scheduler = new Scheduler(client, (msg, fields) => schedLog.info(msg, fields));
      if (stopping) return;
      await scheduler.start();
      await own(() => scheduler.stop());
      schedLog.info('scheduler started');
      const { startControllerManager } = await import('../controllers/manager.js');
      const ctrlLog = log.child('controllers');
      if (stopping) return;
      const manager = await startControllerManager(
        client,
        (msg, fields) => ctrlLog.info(msg, fields),
        { volumesDir: join(paths.dir, 'volumes'), rootCa: pki.caCert },
      );
      await own(() => manager.stop());
    };
    const controlPlaneStarted = startControlPlane().catch((err: unknown) =>
      log.error('control plane components failed to start', { error: (err as Error).message }),
    );
    // Let background start-ups settle before anything they use is stopped.
    cleanups.push(async () => {
      await Promise.all([kubeletsStarted, controlPlaneStarted]);
      await servicesStarted;
    });
    // Start-up leaves garbage behind (module loading, the first lists). When the process was
    // started with --expose-gc (`kbox cluster start` does), one full collection once everything
    // runs returns it to the system, so an idle cluster stays small.
    const collect = (globalThis as { gc?: () => void }).gc;
    if (collect) {
      void Promise.all([kubeletsStarted, controlPlaneStarted]).then(() => {
        setTimeout(collect, 3000).unref();
      });
    }
    log.info('cluster ready', { url, nodes: allNames.length });
    return { url, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Fake nodes the cluster no longer has (started with fewer --fake-nodes): their Node, Lease and
 * the pods bound to them go, as a deleted node's pods would be garbage-collected upstream.
 */
async function removeStaleFakeNodes(
  client: KubeClient,
  keep: ReadonlySet<string>,
  log: (msg: string, fields?: Record<string, unknown>) => void,
): Promise<void> {
  const fakes = await client.list(CORE.nodes, undefined, { labelSelector: FAKE_NODE_LABEL });
  for (const node of fakes.items) {
    const name = node.metadata.name ?? '';
    if (keep.has(name)) continue;
    const bound = await client.list(CORE.pods, undefined, {
      fieldSelector: `spec.nodeName=${name}`,
    });
    const gone = async (fn: () => Promise<unknown>): Promise<void> => {
      try {
        await fn();
      } catch (err) {
        if (!isStatusError(err, 'NotFound')) throw err;
      }
    };
    for (const pod of bound.items) {
      await gone(() =>
        client.delete(CORE.pods, pod.metadata.namespace, pod.metadata.name ?? '', {
          gracePeriodSeconds: 0,
        }),
      );
    }
    await gone(() => client.delete(CORE.leases, 'kube-node-lease', name));
    await gone(() => client.delete(CORE.nodes, undefined, name));
    log('removed a fake node the cluster no longer has', { node: name, pods: bound.items.length });
  }
}

/** Runs the daemon until SIGTERM/SIGINT, then stops it gracefully. */
export async function runDaemon(opts: DaemonOptions): Promise<void> {
  const daemon = await startDaemon(opts);
  await new Promise<void>((resolve) => {
    const onSignal = (sig: NodeJS.Signals): void => {
      opts.log.info('stopping', { signal: sig });
      resolve();
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  // A component that cannot stop must not keep the cluster's lock forever.
  const deadline = setTimeout(() => {
    opts.log.error('shutdown did not finish within 60 s; exiting');
    process.exit(1);
  }, 60_000);
  deadline.unref();
  await daemon.stop();
  clearTimeout(deadline);
  opts.log.info('stopped');
}
