// The daemon's structured log: one JSON object per line on stdout (the daemon's stdout is the
// cluster's daemon.log), with the component that wrote it.

export type Component = 'daemon' | 'apiserver' | 'scheduler' | 'controllers' | 'kubelet' | 'proxy';

export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(component: Component): Logger;
}

export function jsonLogger(
  write: (line: string) => void,
  component: Component = 'daemon',
  clock: () => Date = () => new Date(),
): Logger {
  const emit = (level: string, msg: string, fields?: Record<string, unknown>): void => {
    write(`${JSON.stringify({ ts: clock().toISOString(), level, component, msg, ...fields })}\n`);
  };
  return {
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
    child: (c) => jsonLogger(write, c, clock),
  };
}
