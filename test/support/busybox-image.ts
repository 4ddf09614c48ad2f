// The offline test image: a root filesystem holding the host's busybox-static binary and a link
// for each applet, imported with `docker import`. Reused when already present.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type Docker from 'dockerode';
import { hasImage, importRootfs, type RootfsEntry } from '../../src/images/image-import.js';
import { TEST_LABEL } from './docker.js';

export const BUSYBOX_IMAGE = 'kbox.test/busybox:local';

const candidates = [process.env.KBOX_BUSYBOX, '/bin/busybox', '/usr/bin/busybox'];

/** True when the ELF file has no PT_INTERP program header, i.e. needs no dynamic loader. */
export function isStaticElf(bytes: Buffer): boolean {
  if (bytes.length < 64 || bytes.readUInt32BE(0) !== 0x7f454c46) return false;
  if (bytes[4] !== 2) return false; // ELF64 only
  const phoff = Number(bytes.readBigUInt64LE(32));
  const phentsize = bytes.readUInt16LE(54);
  const phnum = bytes.readUInt16LE(56);
  for (let i = 0; i < phnum; i++) {
    if (bytes.readUInt32LE(phoff + i * phentsize) === 3) return false; // PT_INTERP
  }
  return true;
}

/** The host's static busybox: its path and bytes (throws with an install hint when missing). */
export function findStaticBusybox(): { path: string; bytes: Buffer } {
  for (const path of candidates) {
    if (path === undefined || !existsSync(path)) continue;
    const bytes = readFileSync(path);
    if (isStaticElf(bytes)) return { path, bytes };
  }
  throw new Error(
    'no static busybox found (looked at $KBOX_BUSYBOX, /bin/busybox, /usr/bin/busybox); ' +
      'install it with: apt-get install -y busybox-static',
  );
}

export async function ensureBusyboxImage(docker: Docker): Promise<string> {
  if (await hasImage(docker, BUSYBOX_IMAGE)) return BUSYBOX_IMAGE;
  const { path, bytes } = findStaticBusybox();
  const applets = execFileSync(path, ['--list'], { encoding: 'utf8' })
    .split('\n')
    .map((a) => a.trim())
    .filter((a) => a !== '' && a !== 'busybox');
  const entries: RootfsEntry[] = [
    { type: 'dir', path: 'bin' },
    { type: 'dir', path: 'etc' },
    { type: 'dir', path: 'tmp', mode: 0o1777 },
    { type: 'dir', path: 'root', mode: 0o700 },
    { type: 'file', path: 'bin/busybox', content: bytes, mode: 0o755 },
    ...applets.map((a): RootfsEntry => ({ type: 'symlink', path: `bin/${a}`, target: 'busybox' })),
    {
      type: 'file',
      path: 'etc/passwd',
      content: Buffer.from(
        'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n',
      ),
    },
    { type: 'file', path: 'etc/group', content: Buffer.from('root:x:0:\nnogroup:x:65534:\n') },
  ];
  const [repo, tag] = BUSYBOX_IMAGE.split(':') as [string, string];
  return importRootfs(docker, entries, {
    repo,
    tag,
    changes: [`LABEL ${TEST_LABEL}=true`, 'CMD ["/bin/sh"]', 'ENV PATH=/bin'],
  });
}
