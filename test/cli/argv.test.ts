// The fast entry's command-line reader (src/cli/argv.ts) against oclif's own parser, on the
// definitions oclif wrote into oclif.manifest.json: wherever the reader answers, its answer must
// be oclif's; where oclif rejects the input, the reader must step aside (undefined).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Parser } from '@oclif/core';
import Get from '../../commands/get.js';
import { parseArgv, type ManifestCommand } from '../../src/cli/argv.js';

const manifest = JSON.parse(
  readFileSync(new URL('../../../oclif.manifest.json', import.meta.url), 'utf8'),
) as { commands: Record<string, ManifestCommand> };
const getCmd = manifest.commands.get as ManifestCommand;

async function oclif(argv: string[]): Promise<{ flags: unknown; argv: unknown } | Error> {
  try {
    const out = await Parser.parse(argv, {
      flags: { ...Get.baseFlags, ...Get.flags },
      args: Get.args,
      strict: Get.strict,
    });
    // An absent switch: false in both (oclif leaves out one declared without a default).
    const flags: Record<string, unknown> = { ...out.flags };
    for (const [name, def] of Object.entries({ ...Get.baseFlags, ...Get.flags }))
      if (def.type === 'boolean' && flags[name] === undefined) flags[name] = false;
    return { flags, argv: out.argv };
  } catch (err) {
    return err as Error;
  }
}

const HANDLED: string[][] = [
  ['pods'],
  ['pods', '-A'],
  ['pods', '-Aw'],
  ['pods', '-o', 'wide'],
  ['pods', '-owide'],
  ['pods', '-o=json'],
  ['pods', '--output', 'yaml'],
  ['pods', '--output=jsonpath={.items[*].metadata.name}'],
  ['pods', '-l', 'app!=web,tier in (a,b)'],
  ['pods', '-l', '-xyz'],
  ['pods', '--selector=app=web'],
  ['pods', '--field-selector', 'status.phase=Running', '--no-headers'],
  ['deploy/web', 'pod/x', '-n', 'other'],
  ['pods', 'a', 'b', '--namespace=x', '--show-labels'],
  ['pods', '--kubeconfig', '/tmp/k', '--context', 'c', '--cluster', 'n'],
  ['pods', '--', '-A'],
  ['pods', '-', 'x'],
  ['-n', 'x', 'pods'],
  ['pods', '--sort-by=.metadata.name'],
  ['pods', '--sort-by', '{.metadata.creationTimestamp}', '-o', 'name'],
  ['pods', '-o', 'custom-columns=NAME:.metadata.name,IMAGE:.spec.containers[*].image'],
];

const REJECTED_OR_LEFT: string[][] = [
  [],
  ['pods', '--bogus'],
  ['pods', '-Z'],
  ['pods', '-o'],
  ['pods', '-o', '-A'],
  ['pods', '-l', '-notaflag'],
  ['pods', '-n', 'a', '-n', 'b'],
  ['pods', '--help'],
  ['pods', '-h'],
  ['pods', '--watch=true'],
  ['pods', '--no-watch'],
];

test('where the reader answers, it answers what oclif parses', async () => {
  for (const argv of HANDLED) {
    const mine = parseArgv(getCmd, argv);
    assert.ok(mine, `the fast reader handles: ${argv.join(' ')}`);
    const theirs = await oclif(argv);
    assert.ok(!(theirs instanceof Error), `oclif accepts: ${argv.join(' ')}`);
    assert.deepEqual(mine, theirs, argv.join(' '));
  }
});

test('input oclif rejects, or that needs oclif (help), is left to oclif', async () => {
  for (const argv of REJECTED_OR_LEFT) {
    assert.equal(parseArgv(getCmd, argv), undefined, argv.join(' '));
  }
  // Sanity: these really are errors (or help) for oclif, not inputs the reader gave up on.
  for (const argv of [[], ['pods', '-o'], ['pods', '-n', 'a', '-n', 'b'], ['pods', '-o', '-A']]) {
    assert.ok((await oclif(argv)) instanceof Error, argv.join(' '));
  }
});

test('flags with options, multiple values or env defaults are left to oclif', () => {
  const cmd: ManifestCommand = {
    id: 'x',
    strict: true,
    args: { name: { name: 'name' } },
    flags: {
      mode: { name: 'mode', type: 'option', options: ['a', 'b'] },
      on: { name: 'on', type: 'boolean', allowNo: true, default: false },
    },
  };
  assert.deepEqual(parseArgv(cmd, ['n', '--mode', 'a', '--no-on']), {
    flags: { mode: 'a', on: false },
    argv: ['n'],
  });
  assert.deepEqual(parseArgv(cmd, ['--on']), { flags: { on: true }, argv: [] });
  assert.equal(parseArgv(cmd, ['--mode', 'c']), undefined);
  assert.equal(parseArgv(cmd, ['n', 'extra']), undefined);
  assert.equal(
    parseArgv({ ...cmd, flags: { f: { name: 'f', type: 'option', multiple: true } } }, []),
    undefined,
  );
  assert.equal(
    parseArgv({ ...cmd, flags: { f: { name: 'f', type: 'option', env: 'F' } } }, []),
    undefined,
  );
});
