// The embedded kbox-agent bytes are what agent.c compiles to: the recorded source hash must match
// the file, and a rebuild with the recorded compiler must give the same bytes. gcc is required
// under CI=true; elsewhere its absence skips the rebuild loudly.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import {
  AGENT_COMPILER,
  AGENT_SOURCE_SHA256,
  agentBinary,
  agentImageRef,
} from '../../src/proxy/agent-image.js';
import { isStaticElf } from '../support/busybox-image.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

test('the embedded agent is a small static x86-64 ELF executable', () => {
  const bytes = agentBinary('x64');
  assert.ok(bytes.length > 4096 && bytes.length < 16384, `size ${bytes.length}`);
  assert.ok(isStaticElf(bytes));
  assert.equal(bytes.readUInt16LE(18), 62, 'e_machine is x86-64');
  assert.equal(bytes.readUInt16LE(16), 2, 'e_type is EXEC');
  assert.match(agentImageRef('x64'), /^kbox\.local\/agent:\d+\.\d+\.\d+-[0-9a-f]{12}$/);
  assert.throws(() => agentBinary('arm64'), /only built for x86-64 so far/);
});

test('the embedded agent was built from the current agent.c', () => {
  const source = readFileSync(join(root, 'src/proxy/agent/agent.c'));
  assert.equal(
    createHash('sha256').update(source).digest('hex'),
    AGENT_SOURCE_SHA256,
    'agent.c changed since the bytes were embedded: run node scripts/build-agent.mjs --write',
  );
});

test('rebuilding agent.c gives exactly the embedded bytes', (t) => {
  const gcc = spawnSync('gcc', ['--version'], { encoding: 'utf8' });
  if (gcc.error !== undefined || gcc.status !== 0) {
    const why = 'gcc is not installed, so the agent cannot be rebuilt';
    if (process.env.CI === 'true') throw new Error(`${why}; CI requires gcc`);
    process.stderr.write(`\n!!! SKIPPING "${t.name}": ${why} !!!\n\n`);
    t.skip(why);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'kbox-agent-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'agent');
  execFileSync(process.execPath, [join(root, 'scripts/build-agent.mjs'), '--out', out], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const rebuilt = readFileSync(out);
  assert.ok(isStaticElf(rebuilt), 'the rebuild is a static executable');
  const compiler = gcc.stdout.split('\n')[0] ?? '';
  if (compiler !== AGENT_COMPILER) {
    // Another gcc lays out code differently; the source hash above still guards against drift.
    const why = `gcc "${compiler}" is not the recorded "${AGENT_COMPILER}"; only checked that it builds`;
    process.stderr.write(`\n!!! SKIPPING the byte comparison of "${t.name}": ${why} !!!\n\n`);
    t.skip(why);
    return;
  }
  assert.ok(rebuilt.equals(agentBinary('x64')), 'rebuilt bytes equal the embedded ones');
});
