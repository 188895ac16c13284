// The latency benchmark's chart as plain SVG: overhead beyond the propagation delay (POST → READY
// minus the delay) against the delay, each run a dot, median and max as lines, the targets dashed.
// The physical limit is an overhead of zero: READY the moment IAM lets the role be assumed.

export interface DelaySeries {
  delaySeconds: number;
  overheads: number[];
  median: number;
  max: number;
}

const WIDTH = 720;
const HEIGHT = 420;
const MARGIN = { left: 64, right: 180, top: 48, bottom: 56 };

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A round step for axis ticks covering `span` in about five steps. */
function tickStep(span: number): number {
  const raw = span / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((factor) => factor * power).find((step) => step >= raw)!;
}

export function latencySvg(series: DelaySeries[], targets: { median: number; max: number }, subtitle: string): string {
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const maxDelay = Math.max(1, ...series.map((point) => point.delaySeconds));
  const maxOverhead = Math.max(targets.max * 1.4, ...series.flatMap((point) => point.overheads));
  const yStep = tickStep(maxOverhead);
  const yTop = Math.ceil(maxOverhead / yStep) * yStep;
  const xStep = tickStep(maxDelay);
  const xRight = Math.ceil(maxDelay / xStep) * xStep;
  const x = (delay: number) => MARGIN.left + (delay / xRight) * plotWidth;
  const y = (overhead: number) => MARGIN.top + plotHeight - (Math.max(0, overhead) / yTop) * plotHeight;
  const f = (value: number) => value.toFixed(1);
  const parts: string[] = [];

  parts.push(`<rect x="0" y="0" width="${WIDTH}" height="${HEIGHT}" fill="white"/>`);
  parts.push(`<text x="${MARGIN.left}" y="22" font-size="15" font-weight="bold">Overhead beyond IAM propagation: POST → READY minus the delay</text>`);
  parts.push(`<text x="${MARGIN.left}" y="38" font-size="11" fill="#555">${escape(subtitle)}</text>`);
  for (let tick = 0; tick <= yTop + 1e-9; tick += yStep) {
    parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${f(y(tick))}" y2="${f(y(tick))}" stroke="#eee"/>`);
    parts.push(`<text x="${MARGIN.left - 8}" y="${f(y(tick) + 4)}" font-size="11" text-anchor="end">${Number(tick.toFixed(2))}</text>`);
  }
  for (let tick = 0; tick <= xRight + 1e-9; tick += xStep) {
    parts.push(`<text x="${f(x(tick))}" y="${MARGIN.top + plotHeight + 18}" font-size="11" text-anchor="middle">${tick}</text>`);
  }
  parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${f(y(0))}" y2="${f(y(0))}" stroke="black" stroke-width="2"/>`);
  parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${f(y(0))}" stroke="black"/>`);
  parts.push(`<text x="${MARGIN.left + plotWidth / 2}" y="${HEIGHT - 14}" font-size="12" text-anchor="middle">IAM propagation delay (s)</text>`);
  parts.push(`<text x="18" y="${MARGIN.top + plotHeight / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 18 ${MARGIN.top + plotHeight / 2})">overhead (s)</text>`);

  const target = (value: number, color: string) =>
    parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${f(y(value))}" y2="${f(y(value))}" stroke="${color}" stroke-dasharray="6 4"/>`);
  target(targets.median, '#1f77b4');
  target(targets.max, '#d62728');

  for (const point of series) {
    for (const overhead of point.overheads) {
      parts.push(`<circle cx="${f(x(point.delaySeconds))}" cy="${f(y(overhead))}" r="2.5" fill="#999" fill-opacity="0.6"/>`);
    }
  }
  const line = (values: (point: DelaySeries) => number, color: string) => {
    const path = series.map((point) => `${f(x(point.delaySeconds))},${f(y(values(point)))}`).join(' ');
    parts.push(`<polyline points="${path}" fill="none" stroke="${color}" stroke-width="2"/>`);
    for (const point of series) parts.push(`<circle cx="${f(x(point.delaySeconds))}" cy="${f(y(values(point)))}" r="4" fill="${color}"/>`);
  };
  line((point) => point.max, '#d62728');
  line((point) => point.median, '#1f77b4');

  const legend = [
    ['#1f77b4', 'solid', 'median overhead'],
    ['#d62728', 'solid', 'max overhead'],
    ['#1f77b4', 'dashed', `median target ${targets.median} s`],
    ['#d62728', 'dashed', `max target ${targets.max} s`],
    ['black', 'solid', 'limit: 0 (READY as IAM is)'],
    ['#999', 'dot', 'one onboarding'],
  ] as const;
  legend.forEach(([color, style, label], index) => {
    const ly = MARGIN.top + 10 + index * 20;
    const lx = WIDTH - MARGIN.right + 16;
    if (style === 'dot') parts.push(`<circle cx="${lx + 12}" cy="${ly}" r="3" fill="${color}"/>`);
    else parts.push(`<line x1="${lx}" x2="${lx + 24}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"${style === 'dashed' ? ' stroke-dasharray="6 4"' : ''}/>`);
    parts.push(`<text x="${lx + 30}" y="${ly + 4}" font-size="11">${escape(label)}</text>`);
  });

  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif">\n${parts.join('\n')}\n</svg>\n`;
}
