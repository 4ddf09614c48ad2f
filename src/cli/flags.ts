// Flags shared by commands.
import { Flags } from '@oclif/core';
import { DEFAULT_CLUSTER } from './paths.js';

export const clusterNameFlag = Flags.string({
  char: 'n',
  description: 'cluster name (default: $KBOX_CLUSTER, else "default")',
  default: async () => process.env.KBOX_CLUSTER || DEFAULT_CLUSTER,
});
