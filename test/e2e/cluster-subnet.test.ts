// Clusters that choose their subnet at the same moment, each under its own KBOX_HOME (so neither
// sees the other's cluster.json), still get different subnets: the first start claims its subnet
// by creating the cluster network, and the engine refuses an overlapping pool to the other.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type Docker from 'dockerode';
import { clusterNetwork } from '../../src/api/cluster-network.js';
import { dockerEndpoint, LABEL_CLUSTER } from '../../src/api/docker-labels.js';
import { clusterPaths, type ClusterConfig } from '../../src/cli/paths.js';
import { clusterSubnet } from '../../src/daemon/network.js';
import { dockerOrSkip } from '../support/docker.js';

const root = mkdtempSync(join(tmpdir(), 'kbox-e2e-subnet-'));
const names = [0, 1, 2].map((i) => `e2e-subnet-${process.pid}-${i}`);
let cleanup: () => Promise<void> = async () => {};
after(async () => {
  await cleanup();
  rmSync(root, { recursive: true, force: true });
});

test('clusters starting at once claim different subnets through their networks', async (t) => {
  const docker = await dockerOrSkip(t);
  if (!docker) return;
  cleanup = async () => {
    for (const name of names) {
      const filters = JSON.stringify({ label: [`${LABEL_CLUSTER}=${name}`] });
      for (const n of await docker.listNetworks({ filters }))
        await docker.getNetwork(n.Id).remove();
    }
  };
  const chosen = await Promise.all(
    names.map((name, i) => {
      const home = join(root, `home-${i}`);
      const paths = clusterPaths(name, home);
      mkdirSync(paths.dir, { recursive: true });
      const config: ClusterConfig = { name, port: 0, nodes: 1 } as ClusterConfig;
      return clusterSubnet(config, paths, home, dockerEndpoint(process.env), () => {});
    }),
  );
  assert.equal(new Set(chosen).size, names.length, `subnets: ${chosen.join(', ')}`);
  for (const [i, name] of names.entries()) {
    const subnet = chosen[i] ?? '';
    const plan = clusterNetwork(subnet);
    // The network exists with the plan the kubelet expects, so it is kept, not recreated.
    const net = (await docker.getNetwork(`kbox-${name}`).inspect()) as Docker.NetworkInspectInfo;
    assert.deepEqual(
      net.IPAM?.Config?.map(({ Subnet, IPRange, Gateway }) => ({ Subnet, IPRange, Gateway })),
      [{ Subnet: plan.subnet, IPRange: plan.podRange, Gateway: plan.gateway }],
    );
    assert.equal(net.Labels?.[LABEL_CLUSTER], name);
    // And the choice is saved for the next start.
    const saved = JSON.parse(
      readFileSync(clusterPaths(name, join(root, `home-${i}`)).config, 'utf8'),
    );
    assert.equal((saved as ClusterConfig).subnet, subnet);
  }
});
