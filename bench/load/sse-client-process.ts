/**
 * The SSE client as one long-lived process on the load core (bench/load/sse-client.ts --serve): each run is a
 * JSON line in and a JSON line out, so runs do not pay a Node start-up and the client stays JIT-warm.
 */
import { fileURLToPath } from 'node:url';
import { spawnPinned, type Child } from '../proc/children.ts';
import type { SseOptions, SseRun } from './sse-client.ts';

const CLIENT = fileURLToPath(new URL('./sse-client.ts', import.meta.url));

export class SseClientProcess {
  private child: Child | null = null;
  private buf = '';
  private waiting: ((line: string) => void) | null = null;

  constructor(private readonly cpu: number, private readonly cwd: string) {}

  private start(): Child {
    const child = spawnPinned('sse-client', process.execPath, ['--import', 'tsx', CLIENT, '--serve'], {
      cpu: this.cpu,
      cwd: this.cwd,
      stdin: true,
      onStdout: (t) => {
        this.buf += t;
        const nl = this.buf.indexOf('\n');
        if (nl < 0 || !this.waiting) return;
        const line = this.buf.slice(0, nl);
        this.buf = this.buf.slice(nl + 1);
        const w = this.waiting;
        this.waiting = null;
        w(line);
      },
    });
    child.exited.then(() => {
      if (this.child === child) this.child = null;
      this.waiting?.(`exited: ${child.output().slice(-400)}`);
      this.waiting = null;
    });
    return child;
  }

  run(o: SseOptions): Promise<SseRun> {
    this.child ??= this.start();
    const child = this.child;
    return new Promise((resolve, reject) => {
      this.waiting = (line) => (line.startsWith('{') ? resolve(JSON.parse(line) as SseRun) : reject(new Error(`sse client: ${line}`)));
      child.proc.stdin!.write(JSON.stringify(o) + '\n');
    });
  }

  async stop(): Promise<void> {
    await this.child?.stop();
    this.child = null;
  }
}
