/**
 * `npm run bench`: the mock upstream and the load generator on one core, the gateway (and nginx, and Portkey with
 * --peers) on the other; every scenario measures its targets in alternating rounds and reports medians, ratios
 * and the project's targets (listed in bench/README.md); results go to bench/results/<timestamp>.{json,md}. See bench/README.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBenchArgs, USAGE } from './cli/parse-args.ts';
import { SseClientProcess } from './load/sse-client-process.ts';
import { runAlone } from './measure/run-alone.ts';
import { runPaired } from './measure/run-paired.ts';
import { runScenario, type BenchContext } from './measure/run-scenario.ts';
import { splitTables } from './measure/split-tables.ts';
import type { AloneResult, PairedResult, ScenarioResult } from './measure/types.ts';
import { runMicro } from './micro/run-micro.ts';
import { installCleanup, killAllChildren, runToEnd } from './proc/children.ts';
import { ensureTool } from './proc/ensure-tool.ts';
import { formatAlone } from './report/format-alone.ts';
import { formatPaired } from './report/format-paired.ts';
import { formatScenario } from './report/format-table.ts';
import { checkAloneGoals, checkGoals, checkPairedGoals, formatGoals } from './report/goals.ts';
import { formatMachine, machineInfo } from './report/machine-info.ts';
import { saveResults } from './report/save-results.ts';
import { runSoak } from './soak/run-soak.ts';
import { SCENARIOS } from './scenarios/index.ts';
import { PAIRED_SCENARIOS } from './scenarios/obs-overhead.ts';
import { ALONE_SCENARIOS } from './scenarios/obs-overhead-alone.ts';
import { selectScenarios, tableNames } from './scenarios/select-scenarios.ts';
import { installPortkey } from './targets/portkey.ts';

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
const REPO_ROOT = join(BENCH_DIR, '..');
const log = (s: string): void => void process.stderr.write(`${s}\n`);

/** CPUs for the gateway side and the load side (mock + load generator). */
function placement(): { gatewayCpu: number; loadCpu: number; text: string } {
  const n = os.cpus().length;
  if (n < 2) return { gatewayCpu: 0, loadCpu: 0, text: 'single CPU: gateway, mock and load generator share CPU 0 (figures are not comparable)' };
  return {
    gatewayCpu: 0,
    loadCpu: 1,
    text: `taskset: gateway / nginx / peer on CPU 0; mock + load generator (wrk -t1, SSE client) on CPU 1; bench runner on CPU 1${n > 2 ? ` (${n - 2} CPUs unused)` : ''}`,
  };
}

async function main(): Promise<void> {
  const opts = parseBenchArgs(process.argv.slice(2));
  if (opts.help) return void process.stdout.write(USAGE);
  installCleanup();
  const place = placement();
  // Keep the runner itself off the gateway's core.
  await runToEnd('taskset', 'taskset', ['-a', '-p', '-c', String(place.loadCpu), String(process.pid)]);
  if (opts.micro) return runMicro(join(BENCH_DIR, 'micro'), REPO_ROOT, place.gatewayCpu, log);
  if (opts.soak) {
    const soakTmp = mkdtempSync(join(os.tmpdir(), 'tollgate-soak-'));
    process.on('exit', () => rmSync(soakTmp, { recursive: true, force: true }));
    try {
      return await runSoak({ minutes: opts.soakMinutes, rate: opts.rate, save: opts.save, gatewayCpu: place.gatewayCpu, loadCpu: place.loadCpu,
        repoRoot: REPO_ROOT, tmpDir: soakTmp, resultsDir: join(BENCH_DIR, 'results'), log });
    } finally {
      killAllChildren();
    }
  }

  const known = [...SCENARIOS.map((s) => s.name), ...tableNames(SCENARIOS), ...PAIRED_SCENARIOS.map((p) => p.name), ...ALONE_SCENARIOS.map((a) => a.name)];
  const unknown = opts.only?.filter((n) => !known.includes(n)) ?? [];
  if (unknown.length) throw new Error(`unknown scenario(s): ${unknown.join(', ')}\n${USAGE}`);
  const scenarios = selectScenarios(SCENARIOS, opts.only, opts.full);
  const pairedScenarios = PAIRED_SCENARIOS.filter((p) => !opts.only || opts.only.includes(p.name));
  const aloneScenarios = ALONE_SCENARIOS.filter((a) => !opts.only || opts.only.includes(a.name));

  const wrk = await ensureTool('wrk', 'wrk', log);
  if (!wrk.ok) throw new Error(`no load generator: ${wrk.reason}`);
  const nginx = await ensureTool('nginx', 'nginx-light', log);
  if (!nginx.ok) log(`nginx reference skipped: ${nginx.reason}`);
  const peersDir = join(BENCH_DIR, '.peers');
  const portkey = opts.peers ? await installPortkey(peersDir, log) : null;
  if (portkey && !portkey.ok) log(`Portkey peer unavailable: ${portkey.reason}`);

  const machine = machineInfo(REPO_ROOT, { wrk: wrk.path, nginx: nginx.ok ? nginx.path : undefined }, place.text);
  if (portkey?.ok) machine.versions['@portkey-ai/gateway'] = portkey.version;
  log(formatMachine(machine));
  const tmpDir = mkdtempSync(join(os.tmpdir(), 'tollgate-bench-'));
  process.on('exit', () => rmSync(tmpDir, { recursive: true, force: true })); // also after Ctrl-C
  const ctx: BenchContext = {
    wrk: wrk.path,
    loadCpu: place.loadCpu,
    gatewayCpu: place.gatewayCpu,
    tmpDir,
    repoRoot: REPO_ROOT,
    sse: new SseClientProcess(place.loadCpu, REPO_ROOT),
    nginx,
    portkey,
    peersDir,
    durationS: opts.durationS,
    rounds: opts.rounds,
    warmupS: opts.warmupS,
    log,
  };
  const results: ScenarioResult[] = [];
  const paired: PairedResult[] = [];
  const alone: AloneResult[] = [];
  const started = Date.now();
  try {
    for (const s of scenarios) {
      for (const table of splitTables(s, await runScenario(s, ctx))) {
        results.push(table);
        process.stdout.write(`\n${formatScenario(table)}\n`);
      }
    }
    for (const p of pairedScenarios) {
      const r = await runPaired(p, { ...ctx, rounds: opts.pairedRounds ?? p.rounds, durationS: opts.pairedDurationS ?? p.durationS, warmupS: p.warmupS });
      paired.push(r);
      process.stdout.write(`\n${formatPaired(r)}\n`);
    }
    for (const a of aloneScenarios) {
      // --paired-rounds / --paired-duration set its windows per series and measured seconds per window too
      const r = await runAlone(a, { ...ctx, pairs: opts.pairedRounds ?? a.pairs, durationS: opts.pairedDurationS ?? a.durationS, warmupS: a.warmupS });
      alone.push(r);
      process.stdout.write(`\n${formatAlone(r)}\n`);
    }
  } finally {
    await ctx.sse.stop();
    killAllChildren();
  }
  const goals = [...checkGoals(results), ...checkPairedGoals(paired), ...checkAloneGoals(alone)];
  process.stdout.write(`\n## Targets\n\n${formatGoals(goals)}\n`);
  const settings = { full: opts.full, peers: opts.peers, only: opts.only, durationS: opts.durationS, rounds: opts.rounds,
    warmupS: opts.warmupS, pairedRounds: opts.pairedRounds, pairedDurationS: opts.pairedDurationS, elapsedS: Math.round((Date.now() - started) / 1000) };
  if (opts.save) {
    const files = saveResults(join(BENCH_DIR, 'results'), { machine, settings, scenarios: results, paired, alone, goals });
    log(`\nsaved ${files.json}\n      ${files.md}`);
  }
  log(`bench took ${settings.elapsedS} s`);
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`bench: ${(err as Error).message}\n`);
    killAllChildren();
    process.exit(1);
  },
);
