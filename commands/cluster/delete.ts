import { Command, Flags } from '@oclif/core';
import { deleteCluster, fail, listClusterNames } from '../../src/cli/cluster.js';
import { clusterNameFlag } from '../../src/cli/flags.js';

export default class ClusterDelete extends Command {
  static override description =
    'Delete a cluster: stop it and remove its containers, networks, volumes, images, state and kubeconfig entries';

  static override flags = {
    name: clusterNameFlag,
    all: Flags.boolean({ description: 'delete every kbox cluster', default: false }),
    kubeconfig: Flags.string({ description: 'kubeconfig file to remove the entries from' }),
  };

  public async run(): Promise<void> {
    const { flags } = await this.parse(ClusterDelete);
    const names = flags.all ? listClusterNames() : [flags.name];
    try {
      for (const name of names) {
        const existed = await deleteCluster(name, flags.kubeconfig);
        this.log(existed ? `Cluster "${name}" deleted` : `Cluster "${name}" does not exist`);
      }
    } catch (err) {
      fail(this, err);
    }
  }
}
