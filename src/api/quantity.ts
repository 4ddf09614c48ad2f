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

/**
 * The canonical form of a CPU quantity given in nanocores, as resource.NewScaledQuantity(n, -9)
 * prints it: the largest of none, m, u, n that keeps the number whole (1000000 → 1m, 0 → 0).
 */
export function formatNanoCores(nano: number): string {
  const n = Math.max(0, Math.round(nano));
  if (n === 0) return '0';
  if (n % 1e9 === 0) return String(n / 1e9);
  if (n % 1e6 === 0) return `${n / 1e6}m`;
  if (n % 1e3 === 0) return `${n / 1e3}u`;
  return `${n}n`;
}

const DECIMAL_SUFFIXES: ReadonlyArray<[bigint, string]> = [
  [10n ** 27n, 'E'],
  [10n ** 24n, 'P'],
  [10n ** 21n, 'T'],
  [10n ** 18n, 'G'],
  [10n ** 15n, 'M'],
  [10n ** 12n, 'k'],
  [10n ** 9n, ''],
  [10n ** 6n, 'm'],
  [10n ** 3n, 'u'],
];

/**
 * The canonical form of a quantity written as a JSON number, as upstream's Quantity decodes and
 * prints it (DecimalSI, the largest suffix that keeps the number whole, below nano rounded up):
 * 0.5 → 500m, 2000 → 2k, 1500 → 1500, 1e-10 → 1n.
 */
export function formatDecimalQuantity(value: number): string {
  const nanos = quantityNanos(String(value));
  if (nanos === 0n) return '0';
  const sign = nanos < 0n ? '-' : '';
  const abs = nanos < 0n ? -nanos : nanos;
  for (const [unit, suffix] of DECIMAL_SUFFIXES) {
    if (abs % unit === 0n) return `${sign}${abs / unit}${suffix}`;
  }
  return `${sign}${abs}n`;
}

const DECIMAL_SUFFIX_OF_EXPONENT = new Map<number, string>([
  [-9, 'n'],
  [-6, 'u'],
  [-3, 'm'],
  [0, ''],
  [3, 'k'],
  [6, 'M'],
  [9, 'G'],
  [12, 'T'],
  [15, 'P'],
  [18, 'E'],
]);
const BINARY_SUFFIXES = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

/**
 * A quantity string as upstream stores and prints it (Quantity.CanonicalizeBytes after
 * ParseQuantity): the format of its suffix kept (decimal SI, binary SI or exponent), below nano
 * rounded up, the mantissa the smallest whole number with an exponent that is a multiple of 3,
 * binary values below 1024 or with a fraction printed as decimal SI: "0.5" → "500m",
 * "1000m" → "1", "2000" → "2k", "1024Mi" → "1Gi", "0.5Ki" → "512", "1.5e3" → "1500".
 * undefined for what is no quantity (validation reports it).
 */
export function canonicalQuantity(q: string): string | undefined {
  const known = canonicalMemo.get(q);
  if (known !== undefined || canonicalMemo.has(q)) return known;
  return remember(canonicalMemo, q, computeCanonical(q));
}

/**
 * Answers of the two parsers below by input. Quantities repeat (every pod of a workload carries
 * its template's), and parsing them takes BigInt arithmetic on every write; both are pure, so a
 * bounded memo (emptied when full) is safe.
 */
const canonicalMemo = new Map<string, string | undefined>();
const nanosMemo = new Map<string, bigint>();
const MEMO_SIZE = 4096;

function remember<T>(memo: Map<string, T>, key: string, value: T): T {
  if (memo.size >= MEMO_SIZE) memo.clear();
  memo.set(key, value);
  return value;
}

function computeCanonical(q: string): string | undefined {
  let nanos: bigint;
  try {
    nanos = quantityNanos(q);
  } catch {
    return undefined;
  }
  if (nanos === 0n) return '0';
  const text = q.trim();
  const sign = nanos < 0n ? '-' : '';
  const abs = nanos < 0n ? -nanos : nanos;
  const ONE = 1_000_000_000n;
  if (/[KMGTPE]i$/.test(text) && abs >= 1024n * ONE && abs % ONE === 0n) {
    let v = abs / ONE;
    let i = 0;
    while (v % 1024n === 0n && i < BINARY_SUFFIXES.length - 1) {
      v /= 1024n;
      i++;
    }
    return `${sign}${v}${BINARY_SUFFIXES[i] ?? ''}`;
  }
  let mantissa = abs;
  let exponent = -9;
  while (mantissa % 10n === 0n) {
    mantissa /= 10n;
    exponent++;
  }
  while (((exponent % 3) + 3) % 3 !== 0) {
    mantissa *= 10n;
    exponent--;
  }
  const exponentForm = /\d[eE][+-]?\d+$/.test(text);
  const suffix = exponentForm
    ? exponent === 0
      ? ''
      : `e${exponent}`
    : (DECIMAL_SUFFIX_OF_EXPONENT.get(exponent) ?? `e${exponent}`);
  return `${sign}${mantissa}${suffix}`;
}

/** The canonical form of a byte count as a BinarySI quantity: 4096 → 4Ki, 1000 → 1000. */
export function formatBinaryBytes(bytes: number): string {
  let n = Math.max(0, Math.round(bytes));
  if (n === 0) return '0';
  const suffixes = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
  let i = 0;
  while (n % 1024 === 0 && i < suffixes.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n}${suffixes[i] ?? ''}`;
}

const SUFFIX_NANO: Record<string, bigint> = {
  n: 1n,
  u: 1_000n,
  m: 1_000_000n,
  '': 1_000_000_000n,
  k: 10n ** 12n,
  M: 10n ** 15n,
  G: 10n ** 18n,
  T: 10n ** 21n,
  P: 10n ** 24n,
  E: 10n ** 27n,
  Ki: 1024n * 10n ** 9n,
  Mi: 1024n ** 2n * 10n ** 9n,
  Gi: 1024n ** 3n * 10n ** 9n,
  Ti: 1024n ** 4n * 10n ** 9n,
  Pi: 1024n ** 5n * 10n ** 9n,
  Ei: 1024n ** 6n * 10n ** 9n,
};

/**
 * A quantity in billionths of its unit, exactly (rounded up below that, as upstream's
 * ScaledValue): "250m" → 250000000n, "1Ki" → 1024000000000n, "1.5" → 1500000000n.
 * Throws on what is not a quantity.
 */
export function quantityNanos(q: string): bigint {
  const known = nanosMemo.get(q);
  return known ?? remember(nanosMemo, q, parseNanos(q));
}

function parseNanos(q: string): bigint {
  const m =
    /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+)|(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?)$/.exec(
      q.trim(),
    );
  if (!m || ((m[2] ?? '') === '' && (m[3] ?? '') === '')) {
    throw new Error(
      `quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
    );
  }
  const sign = m[1] === '-' ? -1n : 1n;
  const whole = m[2] ?? '';
  const frac = m[3] ?? '';
  const digits = BigInt(`${whole}${frac}` || '0');
  let numer = digits * (SUFFIX_NANO[m[5] ?? ''] ?? 1_000_000_000n);
  let denom = 10n ** BigInt(frac.length);
  if (m[4] !== undefined) {
    const e = Number(m[4]);
    if (e >= 0) numer *= 10n ** BigInt(e);
    else denom *= 10n ** BigInt(-e);
  }
  const ceil = (numer + denom - 1n) / denom;
  return sign * ceil;
}

/** Upstream's Quantity.MilliValue(): thousandths, rounded away from zero. */
export function quantityMilli(q: string): bigint {
  return awayFromZero(quantityNanos(q), 1_000_000n);
}

/** Upstream's Quantity.Value(): whole units, rounded away from zero ("-0.5" → -1). */
export function quantityValue(q: string): bigint {
  return awayFromZero(quantityNanos(q), 1_000_000_000n);
}

function awayFromZero(n: bigint, unit: bigint): bigint {
  return n >= 0n ? (n + unit - 1n) / unit : -((-n + unit - 1n) / unit);
}
