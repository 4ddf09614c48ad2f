// Flags shared by commands.
import { Flags } from '@oclif/core';
import { DEFAULT_CLUSTER } from './paths.js';

export const clusterNameFlag = Flags.string({
  char: 'n',
  description: 'cluster name (default: $KBOX_CLUSTER, else "default")',
  default: async () => process.env.KBOX_CLUSTER || DEFAULT_CLUSTER,
});

/** kubectl's --dry-run: none, client (print only) or server (validated, not persisted). */
export const dryRunFlag = Flags.string({
  description:
    'none, client (print what would be sent, without sending) or server (submit as a server-side dry run, nothing persisted)',
  options: ['none', 'client', 'server'],
  default: 'none',
});
