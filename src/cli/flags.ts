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

/** -o for commands that print the objects they made: json, yaml or name. */
export const objectOutputFlag = Flags.string({
  char: 'o',
  description: 'print the created object instead of a message: json, yaml or name',
  options: ['json', 'yaml', 'name'],
});

export const fieldManagerFlag = Flags.string({
  description: 'name of the manager recorded for the fields this command sets',
  default: 'kbox',
});

/**
 * The positional words of a non-strict command in the order typed. oclif's `argv` can reorder
 * words after `--` that look like one of the command's flags (`-- sh -c ...` with a `-c` flag);
 * its `raw` tokens keep the order.
 */
export function positionals(raw: ReadonlyArray<{ type: string; input: string }>): string[] {
  return raw.filter((t) => t.type === 'arg').map((t) => t.input);
}

/**
 * kubectl's `--flag=true|false` for boolean flags, as oclif spells them (`--flag`, `--no-flag`;
 * the flags need allowNo). Words after `--` are left alone.
 */
export function goBooleans(argv: readonly string[], names: readonly string[]): string[] {
  const end = argv.indexOf('--');
  return argv.map((word, i) => {
    if (end >= 0 && i > end) return word;
    const m = /^--([a-z-]+)=(true|false)$/.exec(word);
    if (!m?.[1] || !names.includes(m[1])) return word;
    return m[2] === 'true' ? `--${m[1]}` : `--no-${m[1]}`;
  });
}
