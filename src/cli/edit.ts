// `kbox edit`: kubectl 1.32's edit (pkg/cmd/util/editor). The objects go to $KUBE_EDITOR or
// $EDITOR (else vi) as YAML under kubectl's header; what comes back is compared without
// comments, parsed, and each changed object is patched with the difference, refusing a change of
// apiVersion, kind, name or managedFields. Invalid objects and syntax errors reopen the editor
// with the reasons in the header; other failures keep the file and say where it is.
//
// kubectl sends a strategic merge patch for built-in kinds; kbox sends a JSON merge patch for
// every kind. Both are computed from the whole edited object, so lists come back complete and the
// stored result is the same.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { isStatusError } from '../api/status.js';
import type { KubeObject } from '../api/types.js';
import type { KubeClient } from '../client/rest.js';
import { CliError } from './cluster.js';
import { fetchObjects, operationLine, parseObjectArgs, throwAggregate } from './objects.js';
import { kubectlYaml } from './printers.js';
import type { ApiResource } from './resources.js';

type Json = Record<string, unknown>;

const HEADER = `# Please edit the object below. Lines beginning with a '#' will be ignored,
# and an empty file will abort the edit. If an error occurs while saving this file will be
# reopened with the relevant failures.
#
`;

interface Reason {
  head: string;
  other: string[];
}

const hashOnLineBreak = (s: string): string => s.replace(/\n/g, '\n# ');

function header(reasons: Reason[]): string {
  let out = HEADER;
  for (const r of reasons) {
    out +=
      r.other.length > 0 ? `# ${hashOnLineBreak(r.head)}:\n` : `# ${hashOnLineBreak(r.head)}\n`;
    for (const o of r.other) out += `# * ${hashOnLineBreak(o)}\n`;
    out += '#\n';
  }
  return out;
}

/** cmdutil.ManualStrip: drops comment lines (but not `#!`). */
export function manualStrip(text: string): string {
  const lines = text.split('\n');
  return lines
    .filter((l) => {
      const t = l.trim();
      return !(t.startsWith('#') && !t.startsWith('#!'));
    })
    .join('\n');
}

/** cmdutil.StripComments: the document as JSON when it parses, else without comment lines. */
function stripComments(text: string): string {
  try {
    return JSON.stringify(parseAllDocuments(text).map((d) => d.toJS() as unknown));
  } catch {
    return manualStrip(text);
  }
}

function hasLines(text: string): boolean {
  return text.split('\n').some((l) => {
    const t = l.trim();
    return t !== '' && !t.startsWith('#');
  });
}

/** RFC 7386 merge patch taking `from` to `to`. */
export function mergePatch(from: unknown, to: unknown): unknown {
  const isMap = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isMap(from) || !isMap(to)) return to;
  const patch: Json = {};
  for (const k of Object.keys(from)) if (!(k in to)) patch[k] = null;
  for (const [k, v] of Object.entries(to)) {
    const old = from[k];
    if (JSON.stringify(old) === JSON.stringify(v)) continue;
    patch[k] = isMap(old) && isMap(v) ? mergePatch(old, v) : v;
  }
  return patch;
}

/** The editor command kubectl would run for `file` (editor.NewDefaultEditor). */
export function editorCommand(env: NodeJS.ProcessEnv, file: string): string[] {
  const editor = env.KUBE_EDITOR || env.EDITOR || 'vi';
  if (!editor.includes(' ')) return [editor, file];
  if (!editor.startsWith('"')) return [...editor.split(' '), file];
  return [env.SHELL || '/bin/bash', '-c', `${editor} ${JSON.stringify(file)}`];
}

export interface EditOptions {
  namespace: string;
  selector?: string;
  env: NodeJS.ProcessEnv;
  out: (text: string) => void;
  err: (text: string) => void;
}

/** Resolves when done (edited, skipped or cancelled); throws on failures kubectl exits 1 for. */
export async function runEdit(
  client: KubeClient,
  all: ApiResource[],
  args: string[],
  o: EditOptions,
): Promise<void> {
  if (args.length === 0)
    throw new CliError('You must provide one or more resources by argument or filename.');
  const parsed = parseObjectArgs(all, args);
  const { objects, errors } = await fetchObjects(client, parsed, o.namespace, o.selector);
  throwAggregate(errors);
  if (objects.length === 0) throw new CliError('edit cancelled, no objects found');
  const originals = objects.map(({ r, object }) => {
    const copy = structuredClone(object) as KubeObject;
    delete (copy.metadata as Json).managedFields;
    return { r, object: copy, managedFields: (object.metadata as Json).managedFields };
  });
  const single = originals.length === 1;
  const doc: unknown = single
    ? originals[0]?.object
    : { apiVersion: 'v1', items: originals.map((x) => x.object), kind: 'List', metadata: {} };
  const original = kubectlYaml(doc);
  const dir = mkdtempSync(join(tmpdir(), 'kbox-edit-'));
  let file = '';
  let edited = '';
  let reasons: Reason[] = [];
  let containsError = false;
  let keep = false;
  const preserved = (message: string): CliError => {
    keep = true;
    o.err(`A copy of your changes has been stored to ${JSON.stringify(file)}\n`);
    return new CliError(message);
  };
  let pass = 0;
  try {
    for (;;) {
      const content = header(reasons) + (containsError ? manualStrip(edited) : original);
      const previous = edited;
      file = join(dir, `kbox-edit-${pass++}.yaml`);
      writeFileSync(file, content);
      const [cmd = 'vi', ...rest] = editorCommand(o.env, file);
      const res = spawnSync(cmd, rest, { stdio: 'inherit', env: o.env });
      if (res.error || res.status !== 0)
        throw preserved(
          `there was a problem with the editor ${JSON.stringify(o.env.KUBE_EDITOR || o.env.EDITOR || 'vi')}`,
        );
      edited = readFileSync(file, 'utf8');
      if (containsError && stripComments(previous) === stripComments(edited))
        throw preserved('Edit cancelled, no valid changes were saved.');
      // kubectl validates the file against the schema before anything else: a file that parses
      // to no object ("invalid object to validate") or does not parse fails there.
      let updated: Json[] | undefined;
      let invalidWhy: string | undefined;
      try {
        const docs = parseAllDocuments(edited).map((d) => {
          if (d.errors.length > 0) throw d.errors[0];
          return d.toJS() as unknown;
        });
        const maps = docs.filter(
          (d): d is Json => typeof d === 'object' && d !== null && !Array.isArray(d),
        );
        if (maps.length === 0) invalidWhy = 'invalid object to validate';
        else
          updated = maps.flatMap((m) =>
            m.kind === 'List' && Array.isArray(m.items) ? (m.items as Json[]) : [m],
          );
      } catch (e) {
        invalidWhy = (e as Error).message;
      }
      const first = originals[0];
      if (updated === undefined && first) {
        const res = resourceName(first.r);
        const name = first.object.metadata.name ?? '';
        reasons = [
          {
            head: `${res} ${JSON.stringify(name)} was not valid`,
            other: [
              `<nil>: Invalid value: "The edited file failed validation": ${invalidWhy ?? ''}`,
            ],
          },
        ];
        o.err(`error: ${res} ${JSON.stringify(name)} is invalid\n`);
        containsError = true;
        continue;
      }
      if (stripComments(original) === stripComments(edited)) {
        o.err('Edit cancelled, no changes made.\n');
        return;
      }
      if (!hasLines(edited) || updated === undefined) {
        o.err('Edit cancelled, saved file was empty.\n');
        return;
      }
      reasons = [];
      containsError = false;
      let retryable = 0;
      let notFound = 0;
      let invalid = 0;
      for (const u of updated) {
        const uid = ((u.metadata ?? {}) as Json).uid;
        const orig = originals.find((x) => x.object.metadata.uid === uid);
        if (!orig) throw preserved(`no original object found for ${JSON.stringify(u)}`);
        const name = orig.object.metadata.name ?? '';
        if (JSON.stringify(stable(orig.object)) === JSON.stringify(stable(u))) {
          o.out(operationLine(orig.r, name, 'skipped'));
          continue;
        }
        const patch = mergePatch(orig.object, u) as Json;
        const meta = (patch.metadata ?? {}) as Json;
        if ('apiVersion' in patch || 'kind' in patch || 'name' in meta || 'managedFields' in meta)
          throw preserved('At least one of apiVersion, kind and name was changed');
        const resource = resourceName(orig.r);
        try {
          await client.patch(orig.r, orig.object.metadata.namespace, name, patch, 'merge');
          o.out(operationLine(orig.r, name, 'edited'));
        } catch (e) {
          if (!isStatusError(e)) throw e;
          if (e.reason === 'Invalid') {
            invalid++;
            reasons.push({
              head: `${resource} ${JSON.stringify(name)} was not valid`,
              other: (e.status.details?.causes ?? []).map(
                (c) => `${c.field ?? ''}: ${c.message ?? ''}`,
              ),
            });
            o.err(`error: ${resource} ${JSON.stringify(name)} is invalid\n`);
          } else if (e.reason === 'NotFound') {
            notFound++;
            o.err(`error: ${resource} ${JSON.stringify(name)} could not be found on the server\n`);
          } else {
            retryable++;
            o.err(
              `error: ${resource} ${JSON.stringify(name)} could not be patched: ${e.message}\n`,
            );
          }
        }
      }
      if (retryable > 0) {
        keep = true;
        o.err(`You can run \`kbox replace -f ${file}\` to try this update again.\n`);
        throw new CliError('', 1);
      }
      if (notFound > 0) {
        keep = true;
        o.err(
          `The edits you made on deleted resources have been saved to ${JSON.stringify(file)}\n`,
        );
        throw new CliError('', 1);
      }
      if (invalid === 0) return;
      containsError = true;
    }
  } finally {
    // After a failure the file stays where the user was told it is.
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

/** `deployments.apps`: how kubectl's edit names a resource in its messages. */
const resourceName = (r: ApiResource): string =>
  r.group === '' ? r.resource : `${r.resource}.${r.group}`;

/** Key order does not make two objects different (reflect.DeepEqual on decoded JSON). */
function stable(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stable);
  if (typeof v === 'object' && v !== null)
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, stable((v as Json)[k])]),
    );
  return v;
}
