// How a command's failure reaches the user, as kubectl renders it: the server's Status
// (`Error from server (NotFound): pods "x" not found`, an Invalid object's causes), a local
// mistake (`error: ...`), or an API server that does not answer. Shared by the oclif commands
// (KubeCommand.catch) and the fast entry (src/cli/fast.ts).
import { isStatusError } from '../api/status.js';
import { CliError } from './cluster.js';

export interface RenderedError {
  /** What to write to stderr: empty when the command already said what went wrong. */
  text: string;
  exitCode: number;
}

/** The rendering of a known failure, or undefined for anything else (a bug: oclif shows it). */
export function renderError(err: unknown): RenderedError | undefined {
  if (isStatusError(err)) {
    const reason = err.reason;
    if (reason === 'Invalid' && err.status.details?.causes?.length) {
      const kind = err.status.details.kind ?? '';
      const causes = err.status.details.causes;
      const head = `The ${kind} "${err.status.details.name ?? ''}" is invalid: `;
      const body =
        causes.length === 1
          ? `${causes[0]?.field ?? ''}: ${causes[0]?.message ?? ''}`
          : `\n${causes.map((c) => `* ${c.field ?? ''}: ${c.message ?? ''}`).join('\n')}`;
      return { text: `${head}${body}\n`, exitCode: 1 };
    }
    if (reason === 'Unauthorized')
      return { text: `error: You must be logged in to the server (${err.message})\n`, exitCode: 1 };
    return {
      text: `Error from server${reason ? ` (${reason})` : ''}: ${err.message}\n`,
      exitCode: 1,
    };
  }
  if (err instanceof CliError) {
    // An empty message is kubectl's ErrExit: the command already said what went wrong.
    return { text: err.message === '' ? '' : `error: ${err.message}\n`, exitCode: err.exitCode };
  }
  const e = err as { code?: string; syscall?: string; message?: string };
  if (
    e.code === 'ECONNREFUSED' ||
    e.code === 'UND_ERR_CONNECT_TIMEOUT' ||
    (e.code === 'ENOENT' && e.syscall === 'connect')
  ) {
    return {
      text: `error: the cluster's API server is not answering (${e.message ?? e.code}); is it running? Try: kbox cluster status\n`,
      exitCode: 1,
    };
  }
  return undefined;
}
