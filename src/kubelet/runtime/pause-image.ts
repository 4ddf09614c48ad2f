// kbox's own pause (sandbox) image, built offline from embedded bytes: the 440-byte static
// x86-64 program assembled from ./pause/pause-x86_64.S (PID 1 that reaps zombies and exits 0 on
// SIGINT/SIGTERM). Rebuild the bytes with:
//   gcc -nostdlib -static -Wl,--build-id=none -Wl,-n -s -o pause pause-x86_64.S && base64 -w0 pause
import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import { LABEL_MANAGED } from '../../api/docker-labels.js';
import { KBOX_VERSION } from '../../api/version.js';
import { hasImage, importRootfs } from '../../images/image-import.js';

const PAUSE_AMD64 =
  'f0VMRgIBAQAAAAAAAAAAAAIAPgABAAAAeABAAAAAAABAAAAAAAAAAPgAAAAAAAAAAAAAAEAAOAABAEAAAwACAAEAAAAFAAAAeAAAAAAAAAB4AEAAAAAAAHgAQAAAAAAAawAAAAAAAABrAAAAAAAAAAEAAAAAAAAASIPsEEjHBCQCQAEAuA4AAAAx/0iJ5jHSQboIAAAADwW4gAAAAEiJ5zH2MdJBuggAAAAPBYP4EXUfuD0AAABIx8f/////Mfa6AQAAAEUx0g8FSIXAf+PryIP4AnQFg/gPdb64PAAAADH/DwUALnNoc3RydGFiAC50ZXh0AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACwAAAAEAAAAGAAAAAAAAAHgAQAAAAAAAeAAAAAAAAABrAAAAAAAAAAAAAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAEAAAADAAAAAAAAAAAAAAAAAAAAAAAAAOMAAAAAAAAAEQAAAAAAAAAAAAAAAAAAAAEAAAAAAAAAAAAAAAAAAAA=';

export function pauseBinary(arch: string = process.arch): Buffer {
  if (arch !== 'x64') {
    throw new Error(`kbox's pause image is only built for x86-64 so far (this machine is ${arch})`);
  }
  return Buffer.from(PAUSE_AMD64, 'base64');
}

/** The image reference, versioned by content so a changed binary gets a new tag. */
export function pauseImageRef(arch: string = process.arch): string {
  const digest = createHash('sha256').update(pauseBinary(arch)).digest('hex').slice(0, 12);
  return `kbox.local/pause:${KBOX_VERSION}-${digest}`;
}

/** Imports the pause image unless the engine already has it; resolves with its reference. */
export async function ensurePauseImage(docker: Docker): Promise<string> {
  const ref = pauseImageRef();
  if (await hasImage(docker, ref)) return ref;
  const [repo, tag] = ref.split(':') as [string, string];
  return importRootfs(
    docker,
    [{ type: 'file', path: 'pause', content: pauseBinary(), mode: 0o755 }],
    {
      repo,
      tag,
      changes: ['ENTRYPOINT ["/pause"]', `LABEL ${LABEL_MANAGED}=true`],
    },
  );
}
