// The local terminal during an interactive exec or attach session.
import { spawnSync } from 'node:child_process';

/**
 * Puts the terminal on stdin in raw mode as kubectl does (Go's term.MakeRaw), and returns the
 * way back. Node's raw mode keeps output post-processing (\n → \r\n), which would double the
 * carriage returns of the remote TTY: `stty -opost` turns that off too; restoring the mode
 * restores the settings saved before.
 */
export function rawTerminal(): () => void {
  process.stdin.setRawMode(true);
  spawnSync('stty', ['-opost'], { stdio: ['inherit', 'ignore', 'ignore'] });
  return () => process.stdin.setRawMode(false);
}
