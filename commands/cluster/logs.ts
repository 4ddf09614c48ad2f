import { existsSync, openSync, readSync, statSync } from 'node:fs';
import { CliError, fail } from '../../src/cli/cluster.js';
import { Command, Flags } from '@oclif/core';
import { clusterNameFlag } from '../../src/cli/flags.js';
import { clusterPaths } from '../../src/cli/paths.js';

const COMPONENTS = ['daemon', 'apiserver', 'scheduler', 'controllers', 'kubelet', 'proxy'];

export default class ClusterLogs extends Command {
  static override description = "Print the cluster daemon's structured log";

  static override flags = {
    name: clusterNameFlag,
    follow: Flags.boolean({ char: 'f', description: 'keep printing new lines', default: false }),
    component: Flags.string({ description: 'only lines from this component', options: COMPONENTS }),
  };

  public async run(): Promise<void> {
    const { flags } = await this.parse(ClusterLogs);
    const paths = clusterPaths(flags.name);
    if (!existsSync(paths.log))
      fail(this, new CliError(`cluster "${flags.name}" has no daemon log (was it ever started?)`));
    const keep = (line: string): boolean => {
      if (!flags.component) return true;
      try {
        return (JSON.parse(line) as { component?: string }).component === flags.component;
      } catch {
        return false;
      }
    };
    const fd = openSync(paths.log, 'r');
    let offset = 0;
    let pending = '';
    const drain = (): void => {
      const size = statSync(paths.log).size;
      if (size < offset) offset = 0;
      while (offset < size) {
        const buf = Buffer.alloc(Math.min(size - offset, 1 << 16));
        const n = readSync(fd, buf, 0, buf.length, offset);
        offset += n;
        pending += buf.subarray(0, n).toString('utf8');
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) if (line !== '' && keep(line)) process.stdout.write(`${line}\n`);
      }
    };
    drain();
    if (!flags.follow) return;
    await new Promise<void>((resolve) => {
      const timer = setInterval(drain, 250);
      process.once('SIGINT', () => {
        clearInterval(timer);
        resolve();
      });
    });
  }
}
