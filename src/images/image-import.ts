// Builds Docker images offline from in-memory root filesystems (`docker import` of a tar stream).
// kbox's own pause image and the test images are made this way, so nothing needs a registry.
import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { pack } from 'tar-stream';

export type RootfsEntry =
  | { type: 'file'; path: string; content: Buffer; mode?: number }
  | { type: 'dir'; path: string; mode?: number }
  | { type: 'symlink'; path: string; target: string };

export interface ImportOptions {
  repo: string;
  tag: string;
  /** Dockerfile-like changes accepted by import: ENTRYPOINT, CMD, ENV, LABEL, WORKDIR, USER... */
  changes?: string[];
}

/** Serialises the entries as an uncompressed tar archive (parent directories first). */
export async function rootfsTar(entries: readonly RootfsEntry[]): Promise<Buffer> {
  const archive = pack();
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    archive.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
    archive.on('end', () => resolve(Buffer.concat(chunks)));
    archive.on('error', reject);
  });
  for (const entry of entries) {
    const name = entry.path.replace(/^\/+/, '');
    if (entry.type === 'dir') {
      archive.entry({ name, type: 'directory', mode: entry.mode ?? 0o755 });
    } else if (entry.type === 'symlink') {
      archive.entry({ name, type: 'symlink', linkname: entry.target });
    } else {
      archive.entry({ name, type: 'file', mode: entry.mode ?? 0o644 }, entry.content);
    }
  }
  archive.finalize();
  return done;
}

/** Imports the root filesystem as REPO:TAG and resolves once the engine has stored it. */
export async function importRootfs(
  docker: Docker,
  entries: readonly RootfsEntry[],
  opts: ImportOptions,
): Promise<string> {
  const tar = await rootfsTar(entries);
  const stream = await docker.importImage(Readable.from([tar]), {
    repo: opts.repo,
    tag: opts.tag,
    changes: opts.changes ?? [],
  } as object);
  const output = await new Promise<Array<{ error?: string; status?: string }>>((resolve, reject) =>
    docker.modem.followProgress(stream, (err: Error | null, out: unknown[]) =>
      err ? reject(err) : resolve(out as Array<{ error?: string }>),
    ),
  );
  // followProgress reports in-stream errors as ordinary messages: scan them.
  const failed = output.find((m) => m.error !== undefined);
  if (failed) throw new Error(`docker import of ${opts.repo}:${opts.tag} failed: ${failed.error}`);
  return `${opts.repo}:${opts.tag}`;
}

/** True if the engine has the image REF locally. */
export async function hasImage(docker: Docker, ref: string): Promise<boolean> {
  try {
    await docker.getImage(ref).inspect();
    return true;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return false;
    throw err;
  }
}
