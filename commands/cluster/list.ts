import { Command, Flags } from '@oclif/core';
import { CORE, KubeClient } from '../../src/client/rest.js';
import {
  credentials,
  clusterState,
  listClusterNames,
  readClusterConfig,
} from '../../src/cli/cluster.js';
import { clusterPaths } from '../../src/cli/paths.js';
import { formatTable, shortAge } from '../../src/cli/table.js';

interface Row {
  name: string;
  status: string;
  api: string;
  nodes: number | null;
  pods: number | null;
  createdAt: string;
}

export default class ClusterList extends Command {
  static override description = 'List kbox clusters';

  static override flags = {
    output: Flags.string({ char: 'o', description: 'output format', options: ['json'] }),
  };

  public async run(): Promise<void> {
    const { flags } = await this.parse(ClusterList);
    const rows: Row[] = [];
    for (const name of listClusterNames()) {
      const paths = clusterPaths(name);
      let config;
      try {
        config = readClusterConfig(paths);
      } catch (err) {
        process.stderr.write(`warning: ${(err as Error).message}\n`);
        rows.push({ name, status: 'damaged', api: '-', nodes: null, pods: null, createdAt: '' });
        continue;
      }
      if (!config) continue;
      const { state } = clusterState(paths);
      const row: Row = {
        name,
        status: state,
        api: `https://127.0.0.1:${config.port}`,
        nodes: null,
        pods: null,
        createdAt: config.createdAt,
      };
      if (state === 'running') {
        const c = credentials(paths, config);
        const client = new KubeClient({
          server: c.server,
          ca: c.caPem,
          token: c.token,
          timeoutMs: 2000,
        });
        try {
          row.nodes = (await client.list(CORE.nodes)).items.length;
          row.pods = (await client.list(CORE.pods)).items.length;
        } catch {
          row.status = 'unresponsive';
        } finally {
          await client.close();
        }
      }
      rows.push(row);
    }
    if (flags.output === 'json') {
      this.log(JSON.stringify(rows, null, 2));
      return;
    }
    if (rows.length === 0) {
      process.stderr.write('No clusters found. Create one with: kbox cluster start\n');
      return;
    }
    process.stdout.write(
      formatTable(
        ['NAME', 'STATUS', 'API', 'NODES', 'PODS', 'AGE'],
        rows.map((r) => [
          r.name,
          r.status,
          r.api,
          r.nodes === null ? '-' : String(r.nodes),
          r.pods === null ? '-' : String(r.pods),
          r.createdAt ? shortAge(r.createdAt) : '-',
        ]),
      ),
    );
  }
}
