import { readFileSync } from 'node:fs';
import { Args, Flags } from '@oclif/core';
import { isStatusError } from '../src/api/status.js';
import type { KubeObject } from '../src/api/types.js';
import type { ResourceRef } from '../src/client/rest.js';
import { KubeCommand } from '../src/cli/base.js';
import { CliError } from '../src/cli/cluster.js';
import { readManifests } from '../src/cli/manifests.js';
import { discover, resolveTypes, typePrefix, type ApiResource } from '../src/cli/resources.js';

export default class Delete extends KubeCommand {
  static override description =
    'Delete resources by type and name, by file, by label selector, or all of a type';

  static override strict = false;

  static override examples = [
    '<%= config.bin %> delete pod web',
    '<%= config.bin %> delete -f app.yaml',
    '<%= config.bin %> delete pods -l app=web',
    '<%= config.bin %> delete deploy --all --cascade=foreground',
  ];

  static override args = { type: Args.string({ description: 'TYPE, TYPE/NAME' }) };

  static override flags = {
    filename: Flags.string({
      char: 'f',
      description: 'file, directory or - for stdin',
      multiple: true,
    }),
    recursive: Flags.boolean({
      char: 'R',
      description: 'process directories recursively',
      default: false,
    }),
    selector: Flags.string({ char: 'l', description: 'label selector' }),
    all: Flags.boolean({
      description: 'delete all resources of the type in the namespace',
      default: false,
    }),
    cascade: Flags.string({
      description: 'how dependents are deleted',
      options: ['background', 'foreground', 'orphan'],
      default: 'background',
    }),
    'grace-period': Flags.integer({
      description: 'seconds given to the resource to terminate gracefully (-1: its default)',
      default: -1,
    }),
    force: Flags.boolean({
      description: 'with --grace-period=0, delete immediately without waiting for confirmation',
      default: false,
    }),
    wait: Flags.boolean({
      description: 'wait until the resources are gone',
      default: true,
      allowNo: true,
    }),
    'ignore-not-found': Flags.boolean({
      description: 'treat "not found" as success',
      default: false,
    }),
  };

  public async run(): Promise<void> {
    const { flags, argv } = await this.parse(Delete);
    const target = this.target(flags);
    const client = target.client;
    const ns = flags.namespace ?? target.namespace;
    const all = await discover(client);
    const items: Array<{ r: ApiResource; ns: string | undefined; name: string }> = [];
    const args = argv as string[];
    if (flags.filename) {
      for (const { object } of readManifests(flags.filename, flags.recursive, () =>
        readFileSync(0, 'utf8'),
      )) {
        const [group, version] = object.apiVersion?.includes('/')
          ? object.apiVersion.split('/')
          : ['', object.apiVersion];
        const r = all.find(
          (x) => x.group === group && x.version === version && x.kind === object.kind,
        );
        if (!r)
          throw new CliError(
            `no matches for kind "${String(object.kind)}" in version "${String(object.apiVersion)}"`,
          );
        items.push({
          r,
          ns: r.namespaced ? (object.metadata.namespace ?? ns) : undefined,
          name: object.metadata.name ?? '',
        });
      }
    } else if (args.length > 0 && args.every((a) => a.includes('/'))) {
      for (const a of args) {
        const [t = '', name = ''] = a.split('/');
        for (const r of resolveTypes(all, t))
          items.push({ r, ns: r.namespaced ? ns : undefined, name });
      }
    } else if (args.length > 0) {
      const [types = '', ...names] = args;
      for (const r of resolveTypes(all, types)) {
        const namespace = r.namespaced ? ns : undefined;
        if (names.length > 0) {
          for (const name of names) items.push({ r, ns: namespace, name });
        } else if (flags.all || flags.selector) {
          const list = await client.list(r, namespace, { labelSelector: flags.selector });
          for (const o of list.items) items.push({ r, ns: namespace, name: o.metadata.name ?? '' });
        } else {
          throw new CliError('resource(s) were provided, but no name was specified');
        }
      }
    } else {
      throw new CliError('You must provide one or more resources by argument or filename.');
    }
    if (items.length === 0 && !flags.filename) {
      process.stderr.write(`No resources found${ns ? ` in ${ns} namespace` : ''}\n`);
      return;
    }
    const policy =
      { background: 'Background', foreground: 'Foreground', orphan: 'Orphan' }[flags.cascade] ??
      'Background';
    const grace = flags['grace-period'] >= 0 ? flags['grace-period'] : flags.force ? 0 : undefined;
    const pending: Array<{ r: ResourceRef; ns: string | undefined; name: string; uid: string }> =
      [];
    let failed = false;
    for (const it of items) {
      try {
        const res = (await client.delete(it.r, it.ns, it.name, {
          propagationPolicy: policy,
          ...(grace !== undefined ? { gracePeriodSeconds: grace } : {}),
        })) as KubeObject & { details?: { uid?: string } };
        this.log(
          `${typePrefix(it.r)} "${it.name}" ${flags.force && grace === 0 ? 'force deleted' : 'deleted'}`,
        );
        pending.push({ ...it, uid: res.metadata?.uid ?? res.details?.uid ?? '' });
      } catch (err) {
        if (isStatusError(err, 'NotFound') && flags['ignore-not-found']) continue;
        if (!isStatusError(err)) throw err;
        process.stderr.write(`Error from server (${err.reason}): ${err.message}\n`);
        failed = true;
      }
    }
    if (flags.wait && !(flags.force && grace === 0)) {
      for (const p of pending) {
        for (;;) {
          try {
            const o = await client.get(p.r, p.ns, p.name);
            if (o.metadata.uid !== p.uid) break;
          } catch (err) {
            if (isStatusError(err, 'NotFound')) break;
            throw err;
          }
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    }
    if (failed) this.exit(1);
  }
}
