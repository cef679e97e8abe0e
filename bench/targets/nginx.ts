/**
 * nginx as the speed-of-light reverse proxy: one worker, upstream keep-alive, access log off, written to a temp
 * prefix and started in the foreground on the gateway's core. `buffering: false` for SSE.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnPinned } from '../proc/children.ts';
import { freePort, waitForHttp } from '../proc/loopback.ts';
import { lastLines, type Started } from './types.ts';

function nginxConf(dir: string, port: number, upstreamPort: number, buffering: boolean): string {
  return `daemon off;
master_process on;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
worker_rlimit_nofile 16384;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  keepalive_requests 1000000;
  upstream mock {
    server 127.0.0.1:${upstreamPort};
    keepalive 256;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:${port} reuseport backlog=4096;
    location / {
      proxy_pass http://mock;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering ${buffering ? 'on' : 'off'};
    }
  }
}
`;
}

export async function startNginx(opts: { nginx: string; cpu: number; tmpDir: string; name: string; upstreamPort: number; buffering: boolean }): Promise<Started> {
  const dir = join(opts.tmpDir, `nginx-${opts.name}`);
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  chmodSync(dir, 0o755);
  const port = await freePort();
  writeFileSync(join(dir, 'nginx.conf'), nginxConf(dir, port, opts.upstreamPort, opts.buffering));
  const child = spawnPinned('nginx', opts.nginx, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { cpu: opts.cpu });
  try {
    await waitForHttp(`http://127.0.0.1:${port}/`, { timeoutMs: 10000, gone: child.exited });
  } catch (err) {
    await child.stop();
    return { ok: false, reason: `nginx did not start: ${(err as Error).message} ${lastLines(child.output())}` };
  }
  return { ok: true, port, pid: child.pid, stop: () => child.stop() };
}
