import { Command } from '@oclif/core';
import {
  CliError,
  clusterState,
  fail,
  lastLogLines,
  readClusterConfig,
} from '../../src/cli/cluster.js';
import { clusterNameFlag } from '../../src/cli/flags.js';
import { clusterPaths } from '../../src/cli/paths.js';

export default class ClusterStatus extends Command {
  static override description = 'Show whether a cluster is running, stopped or crashed';

  static override flags = { name: clusterNameFlag };

  public async run(): Promise<void> {
    const { flags } = await this.parse(ClusterStatus);
    const paths = clusterPaths(flags.name);
    const config = readClusterConfig(paths);
    if (!config)
      fail(
        this,
        new CliError(
          `cluster "${flags.name}" does not exist; create it with: kbox cluster start --name ${flags.name}`,
        ),
      );
    const st = clusterState(paths);
    this.log(
      `${flags.name}: ${st.state}${st.pid !== undefined && st.state === 'running' ? ` (pid ${st.pid}, API https://127.0.0.1:${config.port})` : ''}`,
    );
    if (st.state === 'crashed') {
      this.log('The daemon exited without stopping cleanly. Last log lines:');
      for (const line of lastLogLines(paths)) this.log(`  ${line}`);
      this.log(`Start it again with: kbox cluster start --name ${flags.name}`);
    }
  }
}
