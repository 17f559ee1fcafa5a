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
  /** Median CPU µs per request of the process under load (server or floor), and of the local MySQL server. */
  cpuUsPerReq: number | null;
  dbCpuUsPerReq: number | null;
  /** The load generator's CPU, % of its core: median and highest over the runs. */
  generatorCpuPct: number | null;
  generatorCpuMaxPct: number | null;
  generator: string;
  runs: RunResult[];
}

/** Above this share of its core the load generator, not the target, may be the limit. */
export const GENERATOR_BOUND_PCT = 90;

const present = (xs: (number | null | undefined)[]) => xs.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
const medianOrNull = (xs: (number | null | undefined)[]) => (present(xs).length ? median(present(xs)) : null);

export function summarize(runs: RunResult[]): Measurement {
  const errors = runs.reduce((n, r) => n + r.non2xx + r.errors, 0);
  const statusCounts: Record<string, number> = {};
  for (const r of runs) for (const [c, n] of Object.entries(r.statusCounts)) statusCounts[c] = (statusCounts[c] ?? 0) + n;
  const gen = present(runs.map((r) => r.generatorCpuPct));
  return {
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    errors,
    valid: errors === 0 && runs.every((r) => r.completed > 0),
    statusCounts,
    samples: [...new Set(runs.flatMap((r) => r.samples))].slice(0, 3),
    cpuUsPerReq: medianOrNull(runs.map((r) => r.cpuUsPerReq)),
    dbCpuUsPerReq: medianOrNull(runs.map((r) => r.dbCpuUsPerReq)),
    generatorCpuPct: gen.length ? median(gen) : null,
    generatorCpuMaxPct: gen.length ? Math.max(...gen) : null,
    generator: [...new Set(runs.map((r) => r.generator ?? '?'))].join('+'),
    runs,
  };
}

type FloorKind = 'fastify' | 'db';

export interface Row {
  scenario: string;
  title: string;
  server: Measurement;
  fastify: Measurement | null;
  db: Measurement | null;
  /** Median of the per-pair ratios (floor run, then server run), and their range; argon2: against the bound. */
  ratios: { fastify: number | null; db: number | null; argon2: number | null };
  ranges: { fastify: [number, number] | null; db: [number, number] | null; argon2: [number, number] | null };
  pairRatios: { fastify: number[]; db: number[]; argon2: number[] };
  /** The argon2id bound(s) this row is compared with: one per pair when it alternates with the server runs. */
  argon2: { verifiesPerSecond: number[]; cpuUsPerVerify: number | null } | null;
  /** Which side's load generator ran above GENERATOR_BOUND_PCT of its core in some run. */
  generatorBound: 'server' | 'floor' | 'both' | null;
  target: (Target & { ratio: number | null }) | null;
  verdict: 'PASS' | 'FAIL' | 'INVALID' | 'OK';
}

export interface Report {
  startedAt: string;
  finishedAt: string;
  environment: Record<string, string | number | boolean>;
  argon2: Argon2Bound | null;
  memory: { afterWarmupKiB: number | null; afterRunsKiB: number | null; growth: number | null; pass: boolean | null; perScenarioKiB: Record<string, number | null> };
  soak?: Soak | null;
  rows: Row[];
  /** Server CPU per request of one row over another's (e.g. DPoP over Bearer). */
  comparisons?: Comparison[];
  problems: string[];
}

export interface Soak {
  seconds: number;
  warmupSeconds: number;
  scenario: string;
  rps: number;
  cpuUsPerReq: number | null;
  generatorCpuPct: number | null;
  errors: number;
  afterWarmupKiB: number | null;
  endKiB: number | null;
  growth: number | null;
  pass: boolean | null;
  heapSnapshots: string[];
}

/** Per-pair ratios: run i of the server over run i of the floor (the floor ran just before it). */
function pairs(server: Measurement, floor: Measurement | null): number[] {
  if (!floor) return [];
  const out: number[] = [];
  floor.runs.forEach((f, i) => {
    const s = server.runs[i];
    if (s && f.rps > 0) out.push(s.rps / f.rps);
  });
  return out;
}

export function makeRow(
  scenario: string, title: string, server: Measurement, fastify: Measurement | null, db: Measurement | null,
  argon2: Row['argon2'], target: Target | null,
): Row {
  const bound = argon2?.verifiesPerSecond.filter((v) => v > 0) ?? [];
  const pairRatios = {
    fastify: pairs(server, fastify),
    db: pairs(server, db),
    // One bound per server run (alternating), or the one bound for every run.
    argon2: bound.length ? server.runs.map((r, i) => r.rps / bound[bound.length === server.runs.length ? i : 0]) : [],
  };
  const mid = (k: FloorKind | 'argon2') => (pairRatios[k].length ? median(pairRatios[k]) : null);
  const range = (k: FloorKind | 'argon2'): [number, number] | null => (pairRatios[k].length ? [Math.min(...pairRatios[k]), Math.max(...pairRatios[k])] : null);
  const ratios = { fastify: mid('fastify'), db: mid('db'), argon2: mid('argon2') };
  const t = target ? { ...target, ratio: ratios[target.floor] } : null;
  const floorOf = target?.floor === 'fastify' ? fastify : target?.floor === 'db' ? db : null;
  let verdict: Row['verdict'] = 'OK';
  if (!server.valid || (floorOf && !floorOf.valid)) verdict = 'INVALID';
  else if (t && t.ratio !== null) verdict = t.ratio >= t.min ? 'PASS' : 'FAIL';
  const genBound = (m: Measurement | null) => (m?.generatorCpuMaxPct ?? 0) > GENERATOR_BOUND_PCT;
  const serverBound = genBound(server);
  const floorBound = genBound(fastify) || genBound(db);
  const generatorBound = serverBound && floorBound ? 'both' : serverBound ? 'server' : floorBound ? 'floor' : null;
  return {
    scenario, title, server, fastify, db, ratios, ranges: { fastify: range('fastify'), db: range('db'), argon2: range('argon2') }, pairRatios,
    argon2, generatorBound, target: t, verdict,
  };
}

const f1 = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));
const us = (n: number | null | undefined) => (n === null || n === undefined ? '—' : n >= 10 ? n.toFixed(0) : n.toFixed(1));
const pct = (n: number | null | undefined) => (n === null || n === undefined ? '—' : n.toFixed(0));
const x = (r: number | null) => (r === null ? '—' : `${r.toFixed(3)}×`);
const xr = (r: number | null, range: [number, number] | null) =>
  r === null ? '—' : range && range[0] !== range[1] ? `${x(r)} (${range[0].toFixed(2)}–${range[1].toFixed(2)})` : x(r);
const floorName = { fastify: 'Fastify floor', db: 'DB floor', argon2: 'argon2 bound' } as const;
const targetText = (t: Row['target']) => (t ? `≥ ${t.min}× ${floorName[t.floor]}` : '—');
const rate = (m: Measurement | null) => (m ? `${f1(m.rps)}${m.valid ? '' : ' INVALID'}` : '—');

interface Column {
  head: string;
  cell(row: Row, rep: Report): string;
  /** Shown only when this holds for the report (e.g. DB floor columns only with a MySQL URL). */
  when?(rep: Report): boolean;
}

const withDb = (rep: Report) => rep.rows.some((r) => r.db !== null);
const withMysqld = (rep: Report) => rep.rows.some((r) => r.server.dbCpuUsPerReq !== null);

const COLUMNS: Column[] = [
  { head: 'scenario', cell: (r) => r.scenario },
  { head: 'req/s', cell: (r) => (r.server.valid ? f1(r.server.rps) : `INVALID (${f1(r.server.rps)})`) },
  { head: 'µs CPU/req', cell: (r) => us(r.server.cpuUsPerReq) },
  { head: 'DB µs/req', cell: (r) => us(r.server.dbCpuUsPerReq), when: withMysqld },
  { head: 'p50 ms', cell: (r) => r.server.p50.toFixed(1) },
  { head: 'p99 ms', cell: (r) => r.server.p99.toFixed(1) },
  { head: 'errors', cell: (r) => String(r.server.errors) },
  { head: 'Fastify floor', cell: (r) => rate(r.fastify) },
  // The argon2id bound's CPU per verify stands in for the floor where there is no Fastify floor (password grant).
  { head: 'floor µs/req', cell: (r) => us(r.fastify ? r.fastify.cpuUsPerReq : r.target?.floor === 'argon2' ? r.argon2?.cpuUsPerVerify : null) },
  { head: '× floor (range)', cell: (r) => xr(r.ratios.fastify, r.ranges.fastify) },
  { head: 'DB floor', cell: (r) => rate(r.db), when: withDb },
  { head: 'DB floor µs/req', cell: (r) => us(r.db?.cpuUsPerReq), when: withDb },
  { head: 'DB floor DB µs/req', cell: (r) => us(r.db?.dbCpuUsPerReq), when: withMysqld },
  { head: '× DB (range)', cell: (r) => xr(r.ratios.db, r.ranges.db), when: withDb },
  {
    head: 'argon2 bound',
    cell: (r) => (r.ratios.argon2 === null || !r.argon2 ? '—' : `${xr(r.ratios.argon2, r.ranges.argon2)} of ${f1(median(r.argon2.verifiesPerSecond))}/s`),
  },
  {
    head: 'gen CPU % srv/floor',
    cell: (r) => {
      const floors = present([r.fastify?.generatorCpuPct, r.db?.generatorCpuPct]);
      return `${pct(r.server.generatorCpuPct)}/${floors.length ? pct(Math.max(...floors)) : '—'}`;
    },
  },
  { head: 'gen-bound', cell: (r) => r.generatorBound ?? 'no' },
  { head: 'target', cell: (r) => targetText(r.target) },
  { head: 'verdict', cell: (r) => r.verdict },
];

const shown = (rep: Report) => COLUMNS.filter((c) => !c.when || c.when(rep));

function memoryLine(rep: Report): string {
  const m = rep.memory;
  if (m.afterWarmupKiB === null || m.afterRunsKiB === null) return 'Server RSS: not measured';
  const mib = (k: number) => `${(k / 1024).toFixed(1)} MiB`;
  return `Server RSS: ${mib(m.afterWarmupKiB)} after warm-up → ${mib(m.afterRunsKiB)} after the runs (${m.growth! >= 0 ? '+' : ''}${(m.growth! * 100).toFixed(1)}%, target: grows at most 10%: ${m.pass ? 'PASS' : 'FAIL'})`;
}

function soakLine(rep: Report): string | null {
  const s = rep.soak;
  if (!s) return null;
  const mib = (k: number | null) => (k === null ? '—' : `${(k / 1024).toFixed(1)} MiB`);
  const growth = s.growth === null ? '—' : `${s.growth >= 0 ? '+' : ''}${(s.growth * 100).toFixed(1)}%`;
  return `Soak (${s.scenario}, ${s.seconds} s after ${s.warmupSeconds} s warm-up): ${f1(s.rps)} req/s, ${us(s.cpuUsPerReq)} µs CPU/req, generator ${pct(s.generatorCpuPct)}%, ${s.errors} errors; ` +
    `RSS ${mib(s.afterWarmupKiB)} after warm-up → ${mib(s.endKiB)} at the end (${growth}, target within ±10%: ${s.pass === null ? '—' : s.pass ? 'PASS' : 'FAIL'})` +
    (s.heapSnapshots.length ? `; heap snapshots: ${s.heapSnapshots.join(', ')}` : '; no heap snapshots');
}

/** Server CPU per request of one row over another's: what a proof or an assertion costs the server. */
export interface Comparison {
  label: string;
  scenario: string;
  baseline: string;
  /** µs CPU per request of each, and their ratio. */
  cpuUs: number;
  baselineCpuUs: number;
  ratio: number;
}

const COMPARISONS = [
  { label: 'DPoP/Bearer server CPU per request', scenario: 'profile_dpop', baseline: 'profile' },
  { label: 'private_key_jwt/client_secret_basic server CPU per request', scenario: 'client_credentials_jwt', baseline: 'client_credentials' },
];

/** The comparisons whose two rows were both measured (valid, with a CPU figure). */
export function comparisons(rows: Row[]): Comparison[] {
  const out: Comparison[] = [];
  for (const c of COMPARISONS) {
    const a = rows.find((r) => r.scenario === c.scenario);
    const b = rows.find((r) => r.scenario === c.baseline);
    if (!a?.server.valid || !b?.server.valid || !a.server.cpuUsPerReq || !b.server.cpuUsPerReq) continue;
    out.push({ ...c, cpuUs: a.server.cpuUsPerReq, baselineCpuUs: b.server.cpuUsPerReq, ratio: a.server.cpuUsPerReq / b.server.cpuUsPerReq });
  }
  return out;
}

function comparisonLines(rep: Report): string[] {
  return comparisons(rep.rows).map((c) => `${c.label}: ${c.ratio.toFixed(2)}× (${c.scenario} ${us(c.cpuUs)} µs vs ${c.baseline} ${us(c.baselineCpuUs)} µs)`);
}

/** Rows whose wanted answers are not all 200 (device polling: authorization_pending, slow_down): what they were. */
function answerLines(rep: Report): string[] {
  return rep.rows
    .filter((r) => Object.keys(r.server.statusCounts).some((k) => !k.startsWith('2')) && r.server.valid)
    .map((r) => `${r.scenario} answers (expected, not errors): ${Object.entries(r.server.statusCounts).map(([k, n]) => `${k} × ${n}`).join(', ')}`);
}

function argon2Line(rep: Report): string {
  const a = rep.argon2;
  if (!a) return 'argon2id verify bound: not measured';
  return `argon2id verify bound (first measurement): ${a.verifiesPerSecond.toFixed(1)}/s, ${us(a.cpuUsPerVerify)} µs CPU/verify (m=${a.memoryCost} KiB, t=${a.timeCost}, p=${a.parallelism}, UV_THREADPOOL_SIZE=${a.threadpoolSize}, ${a.verifies} verifies in ${a.seconds.toFixed(1)} s)`;
}

function setupLine(rep: Report): string {
  const env = rep.environment;
  return `Load generator: ${env.generator}${env.generatorNote ? ` (${env.generatorNote})` : ''}; floors on Fastify ${env.floorFastify}; ` +
    `${env.runs} alternating floor/server pairs × ${env.duration} s per scenario, ratio = median of the per-pair ratios (range); ` +
    `generator-bound = generator above ${GENERATOR_BOUND_PCT}% of its core in some run.`;
}

export function terminalTable(rep: Report): string {
  const cols = shown(rep);
  const rows = [cols.map((c) => c.head), ...rep.rows.map((r) => cols.map((c) => c.cell(r, rep)))];
  const widths = cols.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const out = [line(rows[0]), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.slice(1).map(line), '', setupLine(rep), ...comparisonLines(rep), ...answerLines(rep), memoryLine(rep)];
  const soak = soakLine(rep);
  if (soak) out.push(soak);
  out.push(argon2Line(rep));
  for (const r of rep.rows) if (r.verdict === 'INVALID') out.push(`${r.scenario}: ${[...r.server.samples, ...(r.fastify?.samples ?? []), ...(r.db?.samples ?? [])].join(' | ') || 'no successful request'}`);
  for (const p of rep.problems) out.push(`note: ${p}`);
  return out.join('\n');
}

export function markdown(rep: Report, chartFile: string | null): string {
  const env = rep.environment;
  const cols = shown(rep);
  const soak = soakLine(rep);
  const md = [
    `### Gatehouse benchmark — ${rep.startedAt}`,
    '',
    `Server on ${env.database}, ${env.node}, ${env.cpu}; server and floors on CPU 0, load generator on CPU 1 (pinned: ${env.pinned}). ` +
      `${env.connections} connections, ${env.flowWorkers} flow workers, warm-up ${env.warmup} s; req/s, latency and CPU are medians of the runs. ` +
      `Load average: ${env.loadAverage}.`,
    '',
    `| ${cols.map((c) => c.head).join(' | ')} |`,
    `| ${cols.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...rep.rows.map((r) => `| ${cols.map((c) => c.cell(r, rep)).join(' | ')} |`),
    '',
    `- ${setupLine(rep)}`,
    ...comparisonLines(rep).map((l) => `- ${l}`),
    ...answerLines(rep).map((l) => `- ${l}`),
    `- ${memoryLine(rep)}`,
    ...(soak ? [`- ${soak}`] : []),
    `- ${argon2Line(rep)}`,
    '- Floors: a plain Fastify server answering the same request shapes with constant bodies; the DB floor runs exactly one mysql2 statement per request (INSERT of a token-sized row for token shapes, SELECT by indexed key for profile and introspection).',
    '- µs CPU/req: user + system CPU of the server (or floor) process over the run, from /proc/<pid>/stat, per completed request; DB µs/req: the same for the local MySQL server process (all it did meanwhile, other clients included). gen CPU %: the load generator\'s CPU over the run, % of one core (server runs / the highest floor).',
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
  const bars: { label: string; ratio: number; range: [number, number] | null; target: number | null; valid: boolean; bound: string | null }[] = [];
  for (const r of rep.rows) {
    for (const k of ['fastify', 'db', 'argon2'] as const) {
      const ratio = r.ratios[k];
      if (ratio === null) continue;
      const target = r.target?.floor === k ? r.target.min : null;
      const range = r.ranges[k];
      bars.push({ label: `${r.scenario} / ${floorName[k]}`, ratio, range, target, valid: r.server.valid, bound: r.generatorBound });
    }
  }
  const left = 290, width = 420, barH = 18, gap = 8, top = 40;
  const max = Math.max(1, ...bars.map((b) => b.range?.[1] ?? b.ratio), ...bars.map((b) => b.target ?? 0)) * 1.1;
  const sx = (v: number) => left + (v / max) * width;
  const height = top + bars.length * (barH + gap) + 30;
  const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${left + width + 250}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="22" font-size="14" font-weight="bold">Gatehouse throughput as a ratio of its floor (${esc(String(rep.environment.database))}; median of ${esc(String(rep.environment.runs))} alternating pairs, line = range)</text>`,
    `<line x1="${sx(1)}" y1="${top - 6}" x2="${sx(1)}" y2="${height - 24}" stroke="#999" stroke-dasharray="4 3"/>`,
    `<text x="${sx(1)}" y="${height - 10}" text-anchor="middle" fill="#666">1×</text>`,
  ];
  bars.forEach((b, i) => {
    const y = top + i * (barH + gap);
    const color = !b.valid ? '#bbb' : b.target === null ? '#4a7bd0' : b.ratio >= b.target ? '#2e9d57' : '#d0493f';
    parts.push(`<text x="${left - 8}" y="${y + 13}" text-anchor="end">${esc(b.label)}</text>`);
    parts.push(`<rect x="${left}" y="${y}" width="${Math.max(1, sx(b.ratio) - left).toFixed(1)}" height="${barH}" fill="${color}"/>`);
    if (b.range && b.range[0] !== b.range[1]) {
      parts.push(`<line x1="${sx(b.range[0]).toFixed(1)}" y1="${y + barH / 2}" x2="${sx(b.range[1]).toFixed(1)}" y2="${y + barH / 2}" stroke="#333"/>`);
    }
    const note = `${b.valid ? '' : ' INVALID'}${b.bound ? ` (generator-bound: ${b.bound})` : ''}`;
    parts.push(`<text x="${sx(Math.max(b.ratio, b.range?.[1] ?? 0, b.target ?? 0)) + 6}" y="${y + 13}">${b.ratio.toFixed(2)}×${esc(note)}</text>`);
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
