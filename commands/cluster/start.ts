import { join } from 'node:path';
import { Command, Flags } from '@oclif/core';
import { fail, startCluster } from '../../src/cli/cluster.js';
import { parseDuration } from '../../src/cli/duration.js';
import { clusterNameFlag } from '../../src/cli/flags.js';
import { progress } from '../../src/cli/progress.js';

export default class ClusterStart extends Command {
  static override description =
    'Start a cluster (creating it on first use), wait until its nodes are Ready, and point kubectl at it';

  static override examples = [
    '<%= config.bin %> cluster start',
    '<%= config.bin %> cluster start --name dev --nodes 3',
  ];

  static override flags = {
    name: clusterNameFlag,
    nodes: Flags.integer({
      description: 'number of nodes (first start only; default 1)',
      min: 1,
      max: 50,
    }),
    port: Flags.integer({
      description: 'API server port on 127.0.0.1 (default: chosen once, then kept)',
      min: 1,
      max: 65535,
    }),
    kubeconfig: Flags.string({
      description:
        'kubeconfig file to merge into (default: first of $KUBECONFIG, else ~/.kube/config)',
    }),
    wait: Flags.string({
      description: 'how long to wait for the cluster to be ready',
      default: '60s',
    }),
  };

  public async run(): Promise<void> {
    const { flags } = await this.parse(ClusterStart);
    const p = await progress();
    try {
      const r = await startCluster({
        name: flags.name,
        nodes: flags.nodes,
        port: flags.port,
        kubeconfig: flags.kubeconfig,
        waitMs: parseDuration(flags.wait),
        entry: join(this.config.root, 'dist', 'src', 'daemon', 'main.js'),
        progress: (text) => p.phase(text),
      });
      p.succeed(
        r.alreadyRunning
          ? `Cluster "${flags.name}" is already running`
          : `Cluster "${flags.name}" is running`,
      );
      this.log(`API:      ${r.server}`);
      this.log(`Context:  ${r.context} (current context in ${r.kubeconfig})`);
      this.log(`Nodes:    ${r.nodes.length} Ready (${r.nodes.join(', ')})`);
    } catch (err) {
      p.fail(`Cluster "${flags.name}" did not start`);
      fail(this, err);
    }
  }
}
