/** The results: summary of runs, terminal table, JSON, Markdown and an SVG chart of the ratios. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Argon2Bound } from './argon2-bound';
import { Target } from './scenarios';
import { median, RunResult } from './stats';

export interface Measurement {
  /** Medians over the measured runs. */
  rps: number;
  p50: number;
  p99: number;
  /** Non-2xx responses plus connection errors, over the measured runs. */
  errors: number;
  valid: boolean;
  statusCounts: Record<string, number>;
  samples: string[];
  runs: RunResult[];
}

export function summarize(runs: RunResult[]): Measurement {
  const errors = runs.reduce((n, r) => n + r.non2xx + r.errors, 0);
  const statusCounts: Record<string, number> = {};
  for (const r of runs) for (const [c, n] of Object.entries(r.statusCounts)) statusCounts[c] = (statusCounts[c] ?? 0) + n;
  return {
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    errors,
    valid: errors === 0 && runs.every((r) => r.completed > 0),
    statusCounts,
    samples: [...new Set(runs.flatMap((r) => r.samples))].slice(0, 3),
    runs,
  };
}

export interface Row {
  scenario: string;
  title: string;
  server: Measurement;
  fastify: Measurement | null;
  db: Measurement | null;
  ratios: { fastify: number | null; db: number | null; argon2: number | null };
  target: (Target & { ratio: number | null }) | null;
  verdict: 'PASS' | 'FAIL' | 'INVALID' | 'OK';
}

export interface Report {
  startedAt: string;
  finishedAt: string;
  environment: Record<string, string | number | boolean>;
  argon2: Argon2Bound | null;
  memory: { afterWarmupKiB: number | null; afterRunsKiB: number | null; growth: number | null; pass: boolean | null; perScenarioKiB: Record<string, number | null> };
  rows: Row[];
  problems: string[];
}

export function makeRow(
  scenario: string, title: string, server: Measurement, fastify: Measurement | null, db: Measurement | null,
  argon2: number | null, target: Target | null,
): Row {
  const ratio = (floor: Measurement | null) => (floor && floor.rps > 0 ? server.rps / floor.rps : null);
  const ratios = { fastify: ratio(fastify), db: ratio(db), argon2: argon2 ? server.rps / argon2 : null };
  const t = target ? { ...target, ratio: ratios[target.floor] } : null;
  const floorOf = target?.floor === 'fastify' ? fastify : target?.floor === 'db' ? db : null;
  let verdict: Row['verdict'] = 'OK';
  if (!server.valid || (floorOf && !floorOf.valid)) verdict = 'INVALID';
  else if (t && t.ratio !== null) verdict = t.ratio >= t.min ? 'PASS' : 'FAIL';
  return { scenario, title, server, fastify, db, ratios, target: t, verdict };
}

const f0 = (n: number) => Math.round(n).toLocaleString('en-US');
const f1 = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));
const x = (r: number | null) => (r === null ? '—' : `${r.toFixed(2)}×`);
const floorName = { fastify: 'Fastify floor', db: 'DB floor', argon2: 'argon2 bound' } as const;
const targetText = (t: Row['target']) => (t ? `≥ ${t.min}× ${floorName[t.floor]}` : '—');

function columns(row: Row, rep: Report): string[] {
  const s = row.server;
  return [
    row.scenario,
    s.valid ? f1(s.rps) : `INVALID (${f1(s.rps)})`,
    s.p50.toFixed(1),
    s.p99.toFixed(1),
    String(s.errors),
    row.fastify ? `${f1(row.fastify.rps)}${row.fastify.valid ? '' : ' INVALID'}` : '—',
    x(row.ratios.fastify),
    row.db ? `${f1(row.db.rps)}${row.db.valid ? '' : ' INVALID'}` : '—',
    x(row.ratios.db),
    row.ratios.argon2 === null ? '—' : `${x(row.ratios.argon2)} of ${f1(rep.argon2!.verifiesPerSecond)}/s`,
    targetText(row.target),
    row.verdict,
  ];
}
const HEAD = ['scenario', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'Fastify floor', '× floor', 'DB floor', '× DB', 'argon2 bound', 'target', 'verdict'];

function memoryLine(rep: Report): string {
  const m = rep.memory;
  if (m.afterWarmupKiB === null || m.afterRunsKiB === null) return 'Server RSS: not measured';
  const mib = (k: number) => `${(k / 1024).toFixed(1)} MiB`;
  return `Server RSS: ${mib(m.afterWarmupKiB)} after warm-up → ${mib(m.afterRunsKiB)} after the runs (${m.growth! >= 0 ? '+' : ''}${(m.growth! * 100).toFixed(1)}%, target within 10%: ${m.pass ? 'PASS' : 'FAIL'})`;
}

function argon2Line(rep: Report): string {
  const a = rep.argon2;
  if (!a) return 'argon2id verify bound: not measured';
  return `argon2id verify bound: ${a.verifiesPerSecond.toFixed(1)}/s (m=${a.memoryCost} KiB, t=${a.timeCost}, p=${a.parallelism}, UV_THREADPOOL_SIZE=${a.threadpoolSize}, ${a.verifies} verifies in ${a.seconds.toFixed(1)} s)`;
}

export function terminalTable(rep: Report): string {
  const rows = [HEAD, ...rep.rows.map((r) => columns(r, rep))];
  const widths = HEAD.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const out = [line(rows[0]), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.slice(1).map(line), '', memoryLine(rep), argon2Line(rep)];
  for (const r of rep.rows) if (r.verdict === 'INVALID') out.push(`${r.scenario}: ${[...r.server.samples, ...(r.fastify?.samples ?? []), ...(r.db?.samples ?? [])].join(' | ') || 'no successful request'}`);
  for (const p of rep.problems) out.push(`note: ${p}`);
  return out.join('\n');
}

export function markdown(rep: Report, chartFile: string | null): string {
  const env = rep.environment;
  const md = [
    `### Gatehouse benchmark — ${rep.startedAt}`,
    '',
    `Server on ${env.database}, ${env.node}, ${env.cpu}; server and floors on CPU 0, load generator on CPU 1 (pinned: ${env.pinned}). ` +
      `${env.connections} connections, ${env.flowWorkers} flow workers, warm-up ${env.warmup} s, ${env.runs} runs × ${env.duration} s; medians of the runs.`,
    '',
    `| ${HEAD.join(' | ')} |`,
    `| ${HEAD.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...rep.rows.map((r) => `| ${columns(r, rep).join(' | ')} |`),
    '',
    `- ${memoryLine(rep)}`,
    `- ${argon2Line(rep)}`,
    '- Floors: a plain Fastify server answering the same request shapes with constant bodies; the DB floor runs exactly one mysql2 statement per request (INSERT of a token-sized row for token shapes, SELECT by indexed key for profile and introspection).',
    '- A row with any non-2xx response or connection error is INVALID, whatever its rate.',
  ];
  const invalid = rep.rows.filter((r) => r.verdict === 'INVALID');
  if (invalid.length) {
    md.push('', '<details><summary>Why rows are INVALID</summary>', '');
    for (const r of invalid) md.push(`- **${r.scenario}**: statuses ${JSON.stringify(r.server.statusCounts)}; ${r.server.samples.map((s) => `\`${s.replace(/`/g, "'")}\``).join(', ') || 'no sample'}`);
    md.push('', '</details>');
  }
  if (rep.problems.length) md.push('', ...rep.problems.map((p) => `- note: ${p}`));
  if (chartFile) md.push('', `Chart: \`${chartFile}\``);
  return `${md.join('\n')}\n`;
}

/** Horizontal bars: each scenario's ratio to each floor, with the target as a tick. */
export function svgChart(rep: Report): string {
  const bars: { label: string; ratio: number; target: number | null; valid: boolean }[] = [];
  for (const r of rep.rows) {
    for (const k of ['fastify', 'db', 'argon2'] as const) {
      const ratio = r.ratios[k];
      if (ratio === null) continue;
      const target = r.target?.floor === k ? r.target.min : null;
      bars.push({ label: `${r.scenario} / ${floorName[k]}`, ratio, target, valid: r.server.valid });
    }
  }
  const left = 290, width = 420, barH = 18, gap = 8, top = 40;
  const max = Math.max(1, ...bars.map((b) => b.ratio), ...bars.map((b) => b.target ?? 0)) * 1.1;
  const sx = (v: number) => left + (v / max) * width;
  const height = top + bars.length * (barH + gap) + 30;
  const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${left + width + 90}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="22" font-size="14" font-weight="bold">Gatehouse throughput as a ratio of its floor (${esc(String(rep.environment.database))})</text>`,
    `<line x1="${sx(1)}" y1="${top - 6}" x2="${sx(1)}" y2="${height - 24}" stroke="#999" stroke-dasharray="4 3"/>`,
    `<text x="${sx(1)}" y="${height - 10}" text-anchor="middle" fill="#666">1×</text>`,
  ];
  bars.forEach((b, i) => {
    const y = top + i * (barH + gap);
    const color = !b.valid ? '#bbb' : b.target === null ? '#4a7bd0' : b.ratio >= b.target ? '#2e9d57' : '#d0493f';
    parts.push(`<text x="${left - 8}" y="${y + 13}" text-anchor="end">${esc(b.label)}</text>`);
    parts.push(`<rect x="${left}" y="${y}" width="${Math.max(1, sx(b.ratio) - left).toFixed(1)}" height="${barH}" fill="${color}"/>`);
    parts.push(`<text x="${sx(b.ratio) + 5}" y="${y + 13}">${b.ratio.toFixed(2)}×${b.valid ? '' : ' INVALID'}</text>`);
    if (b.target !== null) parts.push(`<line x1="${sx(b.target)}" y1="${y - 3}" x2="${sx(b.target)}" y2="${y + barH + 3}" stroke="#000" stroke-width="2"/>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** Writes bench/results/<timestamp>.{json,md,svg}; returns the paths. */
export function writeResults(rep: Report, dir: string): { json: string; md: string; svg: string } {
  mkdirSync(dir, { recursive: true });
  const stamp = rep.startedAt.replace(/[:.]/g, '-');
  const paths = { json: join(dir, `${stamp}.json`), md: join(dir, `${stamp}.md`), svg: join(dir, `${stamp}.svg`) };
  writeFileSync(paths.json, `${JSON.stringify(rep, null, 2)}\n`);
  writeFileSync(paths.svg, svgChart(rep));
  writeFileSync(paths.md, markdown(rep, `${stamp}.svg`));
  return paths;
}
