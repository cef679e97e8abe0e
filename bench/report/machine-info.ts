/** The machine, software versions, git commit and process placement a run's results belong to. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

export interface MachineInfo {
  date: string;
  cpu: string;
  cores: number;
  memoryGb: number;
  os: string;
  kernel: string;
  node: string;
  versions: Record<string, string>;
  git: { commit: string; dirty: boolean };
  placement: string;
  /** 1/5/15-minute load average when the bench started (others sharing the machine show up here). */
  loadAverage: number[];
}

/** stdout and stderr of a command (nginx -v writes to stderr). */
function sh(cmd: string, args: string[], cwd?: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
}

function pkgVersion(repoRoot: string, name: string): string {
  try {
    return JSON.parse(readFileSync(join(repoRoot, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return 'not installed';
  }
}

export function machineInfo(repoRoot: string, tools: { wrk?: string; nginx?: string }, placement: string): MachineInfo {
  const osRelease = (() => {
    try {
      return /PRETTY_NAME="([^"]+)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? os.type();
    } catch {
      return os.type();
    }
  })();
  const versions: Record<string, string> = {
    'uWebSockets.js': pkgVersion(repoRoot, 'uWebSockets.js'),
    undici: pkgVersion(repoRoot, 'undici'),
  };
  if (tools.wrk) versions.wrk = sh(tools.wrk, ['-v']).split('\n')[0].replace(/^wrk /, '').replace(/ Copyright.*/, '');
  if (tools.nginx) versions.nginx = sh(tools.nginx, ['-v']).replace('nginx version: ', '');
  const commit = sh('git', ['rev-parse', 'HEAD'], repoRoot);
  return {
    date: new Date().toISOString(),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    os: osRelease,
    kernel: os.release(),
    node: process.version,
    versions,
    git: { commit: /^[0-9a-f]{40}$/.test(commit) ? commit : 'unknown', dirty: sh('git', ['status', '--porcelain'], repoRoot) !== '' },
    loadAverage: os.loadavg().map((x) => Number(x.toFixed(2))),
    placement,
  };
}

export function formatMachine(m: MachineInfo): string {
  return [
    `- date: ${m.date}`,
    `- machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB; ${m.os}, kernel ${m.kernel}`,
    `- software: Node ${m.node}; ${Object.entries(m.versions).map(([k, v]) => `${k} ${v}`).join('; ')}`,
    `- git: ${m.git.commit}${m.git.dirty ? ' (working tree has uncommitted changes)' : ''}`,
    `- placement: ${m.placement}`,
    `- load average at start: ${m.loadAverage.join(' / ')}`,
  ].join('\n');
}
