// Builds kbox-agent (src/proxy/agent/agent.c) into a static x86-64 binary with the host's gcc.
//   node scripts/build-agent.mjs --out FILE   only compile to FILE
//   node scripts/build-agent.mjs --write      compile and embed the bytes, the source hash and
//                                             the compiler version into src/proxy/agent-image.ts
// The flags below are the single source of truth; agent-image.ts repeats them in its header.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'src/proxy/agent/agent.c');
const embedded = join(root, 'src/proxy/agent-image.ts');

export const FLAGS = [
  '-nostdlib',
  '-static',
  '-Os',
  '-fno-stack-protector',
  '-fno-asynchronous-unwind-tables',
  '-ffreestanding',
  '-fno-builtin',
  '-fno-pie',
  '-no-pie',
  '-ffunction-sections',
  '-fdata-sections',
  '-Wl,--gc-sections',
  '-Wl,-z,noseparate-code',
  '-Wl,--build-id=none',
  '-s',
];

const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
const write = args.includes('--write');
if ((outIndex < 0 || args[outIndex + 1] === undefined) && !write) {
  console.error('usage: node scripts/build-agent.mjs --out FILE | --write');
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), 'kbox-agent-'));
try {
  const out = outIndex >= 0 ? resolve(args[outIndex + 1]) : join(dir, 'agent');
  execFileSync('gcc', [...FLAGS, '-Wall', '-Wextra', '-Werror', '-o', out, source], {
    stdio: 'inherit',
  });
  const bytes = readFileSync(out);
  const compiler = execFileSync('gcc', ['--version'], { encoding: 'utf8' }).split('\n')[0];
  console.error(`built ${out}: ${bytes.length} bytes with ${compiler}`);
  if (write) {
    const sourceHash = createHash('sha256').update(readFileSync(source)).digest('hex');
    let text = readFileSync(embedded, 'utf8');
    const replace = (name, value) => {
      const re = new RegExp(`(const ${name} =\\s*)'[^']*';`);
      if (!re.test(text)) throw new Error(`${embedded} has no "const ${name} = '...';"`);
      text = text.replace(re, `$1'${value}';`);
    };
    replace('AGENT_AMD64', bytes.toString('base64'));
    replace('AGENT_SOURCE_SHA256', sourceHash);
    replace('AGENT_COMPILER', compiler.replace(/'/g, ''));
    writeFileSync(embedded, text);
    console.error(`updated ${embedded}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
