// Resource quantities (upstream's resource.Quantity), as plain numbers for the runtime.

/** Bytes for a memory quantity such as 64Mi, 1G, 128974848, 129e6. */
export function memoryBytes(q: string): number {
  const m = /^([0-9.]+(?:e[0-9]+)?)([A-Za-z]*)$/.exec(q.trim());
  if (!m) return NaN;
  const units: Record<string, number> = {
    '': 1,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    Ki: 1024,
    Mi: 1024 ** 2,
    Gi: 1024 ** 3,
    Ti: 1024 ** 4,
    m: 1e-3,
  };
  const unit = units[m[2] ?? ''];
  return unit === undefined ? NaN : Math.ceil(Number(m[1]) * unit);
}

/** CPU cores for a quantity such as 500m, 1, 0.25. */
export function cpuCores(q: string): number {
  const t = q.trim();
  return t.endsWith('m') ? Number(t.slice(0, -1)) / 1000 : Number(t);
}

/** Millicores for a CPU quantity such as 250m, 1, 0.5 (0 when absent). */
export function milliCpu(q: string | undefined): number {
  if (!q) return 0;
  return Math.ceil(cpuCores(q) * 1000);
}
