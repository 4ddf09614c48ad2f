// Go's text/tabwriter as kubectl describe configures it (minwidth 0, padding 2, padchar ' ', no
// flags): cells are tab-terminated; a column is aligned over a block of consecutive lines that
// all have a cell in it, and the text after a line's last tab is never padded.

/** Aligns tab-separated `text` the way `tabwriter.NewWriter(out, 0, 8, padding, ' ', 0)` does. */
export function tabwrite(text: string, padding = 2, minwidth = 0): string {
  const lines = text.split('\n').map((l) => l.split('\t'));
  const widths: number[] = [];
  let out = '';
  const width = (s: string): number => [...s].length;

  const writeLines = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      const cells = lines[i] ?? [];
      for (const [j, c] of cells.entries()) {
        out += c;
        if (j < widths.length) out += ' '.repeat(Math.max(0, (widths[j] ?? 0) - width(c)));
      }
      if (i + 1 < lines.length) out += '\n';
    }
  };

  const format = (first: number, last: number): void => {
    let line0 = first;
    const column = widths.length;
    for (let t = line0; t < last; t++) {
      if (column >= (lines[t]?.length ?? 0) - 1) continue;
      // A cell in this column: the block of lines that all have one starts here.
      writeLines(line0, t);
      line0 = t;
      let w = minwidth;
      for (; t < last; t++) {
        const cells = lines[t] ?? [];
        if (column >= cells.length - 1) break;
        w = Math.max(w, width(cells[column] ?? '') + padding);
      }
      widths.push(w);
      format(line0, t);
      widths.pop();
      line0 = t;
    }
    writeLines(line0, last);
  };

  format(0, lines.length);
  return out;
}
