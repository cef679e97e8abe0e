/**
 * Finds a command, installing its Debian package with apt-get when it is missing and we run as root.
 * Returns the command's path, or a reason why it is unavailable.
 */
import { execFileSync } from 'node:child_process';
import { runToEnd } from './children.ts';

export type Tool = { ok: true; path: string } | { ok: false; reason: string };

function which(cmd: string): string | null {
  for (const dir of ['/usr/bin', '/usr/sbin', '/usr/local/bin', '/usr/local/sbin', '/bin', '/sbin']) {
    try {
      execFileSync('test', ['-x', `${dir}/${cmd}`]);
      return `${dir}/${cmd}`;
    } catch {
      /* next */
    }
  }
  return null;
}

let aptUpdated = false;

export async function ensureTool(cmd: string, debPackage: string, log: (s: string) => void): Promise<Tool> {
  const found = which(cmd);
  if (found) return { ok: true, path: found };
  if (process.getuid?.() !== 0) return { ok: false, reason: `${cmd} not installed (run as root, or apt-get install ${debPackage})` };
  log(`installing ${debPackage} with apt-get ...`);
  // Debian's policy-rc.d / a missing init keep nginx's own service from starting; the bench runs its own.
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = await runToEnd('apt-get', 'apt-get', ['install', '-y', '-q', '--no-install-recommends', debPackage], { env });
  if (r.code !== 0 && !aptUpdated) {
    aptUpdated = true;
    await runToEnd('apt-get', 'apt-get', ['update', '-q'], { env });
    r = await runToEnd('apt-get', 'apt-get', ['install', '-y', '-q', '--no-install-recommends', debPackage], { env });
  }
  const path = which(cmd);
  if (path) return { ok: true, path };
  return { ok: false, reason: `apt-get install ${debPackage} failed: ${r.out.trim().split('\n').slice(-2).join(' ')}` };
}
