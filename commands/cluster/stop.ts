import { Command } from '@oclif/core';
import { fail, stopCluster } from '../../src/cli/cluster.js';
import { clusterNameFlag } from '../../src/cli/flags.js';

export default class ClusterStop extends Command {
  static override description = 'Stop a cluster gracefully; its state is kept for the next start';

  static override flags = { name: clusterNameFlag };

  public async run(): Promise<void> {
    const { flags } = await this.parse(ClusterStop);
    try {
      const stopped = await stopCluster(flags.name);
      this.log(
        stopped ? `Cluster "${flags.name}" stopped` : `Cluster "${flags.name}" is not running`,
      );
    } catch (err) {
      fail(this, err);
    }
  }
}
