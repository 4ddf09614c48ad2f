// Reading manifests: files, directories (-R), or stdin; multi-document YAML and JSON (a List's
// items are expanded). Errors name the file and line.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../api/types.js';
import { CliError } from './cluster.js';

export interface Manifest {
  source: string;
  object: KubeObject;
}

function filesIn(dir: string, recursive: boolean): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return recursive ? filesIn(path, true) : [];
      return /\.(ya?ml|json)$/.test(name) ? [path] : [];
    });
}

export function parseManifests(text: string, source: string): Manifest[] {
  const out: Manifest[] = [];
  for (const doc of parseAllDocuments(text, { prettyErrors: true })) {
    const err = doc.errors[0];
    if (err) {
      const at = err.linePos?.[0];
      throw new CliError(
        `error parsing ${source}${at ? ` (line ${at.line}, column ${at.col})` : ''}: ${err.message.split('\n')[0] ?? ''}`,
      );
    }
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value))
      throw new CliError(`error parsing ${source}: a manifest must be a mapping`);
    const obj = value as KubeObject;
    if (typeof obj.kind === 'string' && obj.kind.endsWith('List') && Array.isArray(obj.items)) {
      for (const item of obj.items as KubeObject[]) out.push({ source, object: item });
      continue;
    }
    if (!obj.kind || !obj.apiVersion) {
      throw new CliError(
        `error validating ${source}: the object is missing ${!obj.apiVersion ? 'apiVersion' : 'kind'}`,
      );
    }
    obj.metadata ??= {};
    out.push({ source, object: obj });
  }
  return out;
}

export function readManifests(
  paths: string[],
  recursive: boolean,
  stdin: () => string,
  verb = 'apply',
): Manifest[] {
  const out: Manifest[] = [];
  for (const p of paths) {
    if (p === '-') {
      out.push(...parseManifests(stdin(), 'STDIN'));
      continue;
    }
    if (!existsSync(p)) throw new CliError(`the path "${p}" does not exist`);
    const files = statSync(p).isDirectory() ? filesIn(p, recursive) : [p];
    for (const f of files) out.push(...parseManifests(readFileSync(f, 'utf8'), f));
  }
  if (out.length === 0) throw new CliError(`no objects passed to ${verb}`);
  return out;
}
