import { join } from 'node:path';
import { Command, Flags } from '@oclif/core';
import { fail, startCluster } from '../../src/cli/cluster.js';
import { parseDuration } from '../../src/cli/duration.js';
import { clusterNameFlag } from '../../src/cli/flags.js';
import { MAX_FAKE_NODES } from '../../src/cli/paths.js';
import { progress } from '../../src/cli/progress.js';

export default class ClusterStart extends Command {
  static override description =
    'Start a cluster (creating it on first use), wait until its nodes are Ready, and point kubectl at it';

  static override examples = [
    '<%= config.bin %> cluster start',
    '<%= config.bin %> cluster start --name dev --nodes 3',
    '<%= config.bin %> cluster start --name scale --fake-nodes 50',
  ];

  static override flags = {
    name: clusterNameFlag,
    nodes: Flags.integer({
      description: 'number of nodes (first start only; default 1)',
      min: 1,
      max: 50,
    }),
    'fake-nodes': Flags.integer({
      description:
        'extra nodes without containers, named NAME-fake1..N: pods there run on a fake runtime (like kwok). They carry the label and NoSchedule taint kbox.dev/fake-node=true (kept across restarts; 0 removes them)',
      min: 0,
      max: MAX_FAKE_NODES,
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
        fakeNodes: flags['fake-nodes'],
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
