// Every command oclif discovered has a description, and every flag a help text.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

interface Manifest {
  commands: Record<
    string,
    { description?: string; flags: Record<string, { description?: string; hidden?: boolean }> }
  >;
}

const manifest = JSON.parse(
  readFileSync(new URL('../../../oclif.manifest.json', import.meta.url), 'utf8'),
) as Manifest;

test('the kubectl-compatible commands are registered', () => {
  for (const id of [
    'scale',
    'label',
    'annotate',
    'api-resources',
    'create',
    'create:namespace',
    'create:deployment',
    'create:configmap',
    'create:secret:generic',
    'rollout:status',
    'rollout:history',
    'rollout:undo',
    'rollout:restart',
    'rollout:pause',
    'rollout:resume',
  ])
    assert.ok(manifest.commands[id], id);
});

test('every command and flag has help text', () => {
  for (const [id, cmd] of Object.entries(manifest.commands)) {
    assert.ok(cmd.description, `${id} has no description`);
    for (const [name, flag] of Object.entries(cmd.flags)) {
      if (flag.hidden || name === 'json') continue;
      assert.ok(flag.description, `${id} --${name} has no description`);
    }
  }
});
