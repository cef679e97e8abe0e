/** `npm run bench -- --micro`: every bench/micro/*.bench.ts in its own process, pinned to the quiet core. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnPinned } from '../proc/children.ts';

export async function runMicro(dir: string, repoRoot: string, cpu: number, log: (s: string) => void): Promise<void> {
  const files = readdirSync(dir).filter((f) => f.endsWith('.bench.ts')).sort();
  let failed = 0;
  for (const f of files) {
    log(`\n== ${f} (CPU ${cpu})`);
    const child = spawnPinned(f, process.execPath, ['--import', 'tsx', join(dir, f)], {
      cpu,
      cwd: repoRoot,
      onStdout: (t) => void process.stdout.write(t),
    });
    const code = await child.exited;
    if (code !== 0) {
      failed++;
      log(`${f} failed (${code}):\n${child.output().slice(-2000)}`);
    }
  }
  if (failed) throw new Error(`${failed} micro-benchmark file(s) failed`);
}
