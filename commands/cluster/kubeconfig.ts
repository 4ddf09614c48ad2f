import { Command } from '@oclif/core';
import { CliError, credentials, fail, readClusterConfig } from '../../src/cli/cluster.js';
import { clusterNameFlag } from '../../src/cli/flags.js';
import { renderKubeconfig, standaloneKubeconfig } from '../../src/cli/kubeconfig.js';
import { clusterPaths } from '../../src/cli/paths.js';

export default class ClusterKubeconfig extends Command {
  static override description = 'Print a standalone kubeconfig for a cluster';

  static override flags = { name: clusterNameFlag };

  public async run(): Promise<void> {
    const { flags } = await this.parse(ClusterKubeconfig);
    const paths = clusterPaths(flags.name);
    const config = readClusterConfig(paths);
    if (!config)
      fail(
        this,
        new CliError(
          `cluster "${flags.name}" does not exist; create it with: kbox cluster start --name ${flags.name}`,
        ),
      );
    try {
      process.stdout.write(
        await renderKubeconfig(standaloneKubeconfig(credentials(paths, config))),
      );
    } catch (err) {
      fail(
        this,
        new CliError(
          `cluster "${flags.name}" has no credentials yet (${(err as Error).message}); start it once first`,
        ),
      );
    }
  }
}
