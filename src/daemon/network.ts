// The cluster's subnet: read from cluster.json, or chosen free on the first start and written
// back there, so ClusterIPs (stored in Services) stay valid for the cluster's whole life.
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { chooseClusterSubnet, clusterNetwork } from '../api/cluster-network.js';
import { LABEL_CLUSTER, LABEL_MANAGED } from '../api/docker-labels.js';
import type { ClusterConfig, ClusterPaths } from '../cli/paths.js';
import { engineGet, engineRequest } from '../client/docker-engine.js';

/** Subnets of every Docker network the engine has; [] when the engine does not answer. */
async function dockerSubnets(endpoint: string): Promise<{ subnets: string[]; reachable: boolean }> {
  try {
    const res = await engineGet(endpoint, '/networks', 3000);
    if (res.status !== 200) return { subnets: [], reachable: false };
    const nets = JSON.parse(res.body) as Array<{ IPAM?: { Config?: Array<{ Subnet?: string }> } }>;
    return {
      subnets: nets.flatMap((n) => (n.IPAM?.Config ?? []).map((c) => c.Subnet ?? '')),
      reachable: true,
    };
  } catch {
    return { subnets: [], reachable: false };
  }
}

/**
 * The host's own IPv4 subnets (its interfaces, bridges of every Docker engine on it included): a
 * cluster network there would make the host's routes to pods ambiguous. This catches what a
 * second engine (rootless, or a private test engine) cannot see of the first one's networks.
 */
function hostSubnets(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((addrs) => addrs ?? [])
    .filter((a) => a.family === 'IPv4' && !a.internal && a.cidr !== null)
    .map((a) => a.cidr ?? '');
}

/** Subnets other kbox clusters under the same home have claimed (running or not). */
function otherClustersSubnets(home: string, self: string): string[] {
  if (!existsSync(home)) return [];
  const out: string[] = [];
  for (const name of readdirSync(home)) {
    if (name === self) continue;
    try {
      const cfg = JSON.parse(readFileSync(join(home, name, 'cluster.json'), 'utf8')) as {
        subnet?: unknown;
      };
      if (typeof cfg.subnet === 'string') out.push(cfg.subnet);
    } catch {
      // Not a cluster directory, or damaged: it claims nothing.
    }
  }
  return out;
}

/**
 * Claims `subnet` by creating the cluster's Docker network on it, as the kubelet's
 * DockerRuntime.ensureNetwork would: the engine refuses an overlapping pool, which makes it the
 * arbiter between clusters started at the same moment (each under its own KBOX_HOME, say).
 * 'taken' when the engine refused the pool, 'claimed' when the network exists now, 'unknown'
 * when anything else happened (the kubelet sorts the network out later, as before).
 */
async function claimSubnet(
  endpoint: string,
  cluster: string,
  subnet: string,
): Promise<'claimed' | 'taken' | 'unknown'> {
  const plan = clusterNetwork(subnet);
  try {
    const res = await engineRequest(endpoint, 'POST', '/networks/create', {
      Name: `kbox-${cluster}`,
      Driver: 'bridge',
      CheckDuplicate: true,
      IPAM: {
        Driver: 'default',
        Config: [{ Subnet: plan.subnet, IPRange: plan.podRange, Gateway: plan.gateway }],
      },
      Labels: { [LABEL_MANAGED]: 'true', [LABEL_CLUSTER]: cluster },
    });
    if (res.status === 201) return 'claimed';
    if (/overlap/i.test(res.body)) return 'taken';
    return 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * The cluster's subnet. A new one avoids other Docker networks and other kbox clusters' subnets
 * (a cluster that is stopped has no network but keeps its claim), is claimed by creating the
 * cluster's network on it, and is saved in cluster.json.
 */
export async function clusterSubnet(
  config: ClusterConfig,
  paths: ClusterPaths,
  home: string,
  endpoint: string,
  log: (msg: string, fields?: Record<string, unknown>) => void,
): Promise<string> {
  if (config.subnet) return config.subnet;
  const docker = await dockerSubnets(endpoint);
  const taken = [...docker.subnets, ...hostSubnets(), ...otherClustersSubnets(home, config.name)];
  let subnet = chooseClusterSubnet(taken);
  // Another cluster may take the same subnet between the listing above and the claim.
  while (
    subnet &&
    docker.reachable &&
    (await claimSubnet(endpoint, config.name, subnet)) === 'taken'
  ) {
    taken.push(subnet);
    subnet = chooseClusterSubnet(taken);
  }
  if (!subnet) {
    throw new Error(
      `no free 10.x.0.0/16 for the cluster network (taken: ${taken.join(', ')}); remove unused Docker networks`,
    );
  }
  const updated: ClusterConfig = { ...config, subnet };
  const tmp = `${paths.config}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(updated, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, paths.config);
  log('cluster subnet chosen', { subnet, engineChecked: docker.reachable });
  return subnet;
}
