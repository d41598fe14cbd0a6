// The chart of bench/run.mjs: one horizontal bar per scenario (tsrunc/runc median pair ratio), a
// line at 1.0 (parity), a tick at each scenario's target. Hand-written SVG, no dependencies.

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** bars: [{ label, ratio, target? }] → SVG text. */
export function ratioChart(bars, title) {
  const labelWidth = 230;
  const plotWidth = 520;
  const barHeight = 22;
  const gap = 10;
  const top = 50;
  const height = top + bars.length * (barHeight + gap) + 64;
  const width = labelWidth + plotWidth + 80;
  // Whole ratios as gridlines; the scale always shows 1.0 and every target.
  const max = Math.max(1, Math.ceil(Math.max(...bars.map((b) => Math.max(b.ratio, b.target ?? 0))) * 1.05));
  const step = max > 10 ? Math.ceil(max / 10) : 1;
  const x = (ratio) => labelWidth + (ratio / max) * plotWidth;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="13">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>`,
  ];
  const bottom = top + bars.length * (barHeight + gap);
  for (let r = 0; r <= max; r += step) {
    out.push(`<line x1="${x(r)}" y1="${top - 6}" x2="${x(r)}" y2="${bottom}" stroke="#ddd"/>`);
    out.push(`<text x="${x(r)}" y="${bottom + 16}" text-anchor="middle" fill="#555">${r}×</text>`);
  }
  bars.forEach((bar, i) => {
    const y = top + i * (barHeight + gap);
    const met = bar.target === undefined || bar.ratio <= bar.target;
    out.push(`<text x="${labelWidth - 8}" y="${y + barHeight / 2 + 4}" text-anchor="end">${esc(bar.label)}</text>`);
    out.push(`<rect x="${labelWidth}" y="${y}" width="${Math.max(1, x(bar.ratio) - labelWidth)}" height="${barHeight}" fill="${met ? '#4a90c2' : '#d9822b'}"/>`);
    out.push(`<text x="${x(bar.ratio) + 6}" y="${y + barHeight / 2 + 4}">${bar.ratio.toFixed(2)}</text>`);
    if (bar.target !== undefined) {
      out.push(`<line x1="${x(bar.target)}" y1="${y - 3}" x2="${x(bar.target)}" y2="${y + barHeight + 3}" stroke="black" stroke-width="2" stroke-dasharray="3,2"/>`);
    }
  });
  out.push(`<line x1="${x(1)}" y1="${top - 10}" x2="${x(1)}" y2="${bottom + 2}" stroke="#c0392b" stroke-width="2"/>`);
  out.push(`<text x="${x(1)}" y="${top - 14}" text-anchor="middle" fill="#c0392b">1.0 = runc</text>`);
  out.push(`<text x="12" y="${height - 26}" fill="#555" font-size="12">tsrunc/runc: median of the per-pair ratios; lower is faster, 1.0 is runc's time.</text>`);
  out.push(`<text x="12" y="${height - 10}" fill="#555" font-size="12">Dashed tick: the scenario's target; orange bar: target not met.</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}
