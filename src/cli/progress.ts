// Progress on stderr: an ora spinner on a TTY, plain lines otherwise (CI, pipes).
import type { Ora } from 'ora';

export interface Progress {
  phase(text: string): void;
  succeed(text: string): void;
  fail(text: string): void;
}

export async function progress(stream: NodeJS.WriteStream = process.stderr): Promise<Progress> {
  if (!stream.isTTY) {
    let last = '';
    return {
      phase: (text) => {
        if (text !== last) stream.write(`${text} ...\n`);
        last = text;
      },
      succeed: (text) => stream.write(`${text}\n`),
      fail: (text) => stream.write(`${text}\n`),
    };
  }
  // ora loads only for terminals: scripts and CI never pay for it.
  const { default: ora } = await import('ora');
  let spinner: Ora | undefined;
  return {
    phase: (text) => {
      if (!spinner) spinner = ora({ text, stream }).start();
      else if (spinner.text !== text) {
        spinner.succeed();
        spinner = ora({ text, stream }).start();
      }
    },
    succeed: (text) => {
      spinner?.succeed();
      spinner = undefined;
      stream.write(`${text}\n`);
    },
    fail: (text) => {
      spinner?.fail(text);
      spinner = undefined;
    },
  };
}
