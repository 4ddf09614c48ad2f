// Go-style durations for flags such as --wait 60s / 2m / 1m30s.
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDuration(text: string): number {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let total = 0;
  let consumed = 0;
  for (const m of text.matchAll(re)) {
    total += Number(m[1]) * (UNITS[m[2] ?? 's'] ?? 1000);
    consumed += m[0].length;
  }
  if (consumed !== text.length || text === '') {
    if (/^\d+$/.test(text)) return Number(text) * 1000;
    throw new Error(`invalid duration "${text}": use forms like 30s, 2m or 1m30s`);
  }
  return total;
}
