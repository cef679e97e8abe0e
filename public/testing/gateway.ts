// Starts a real gateway node in this process (uWS on 127.0.0.1, port 0): what pluginHarness runs,
// and what the project's integration tests start directly.
import { startNode, type RunningNode } from '../../core/node.ts'
import { readSettings, type Settings } from '../../core/settings.ts'
import type { AnyPlugin } from '../../core/plugins/contract.ts'
import { BUNDLED } from '../../plugins/index.ts'

export interface TestGateway {
  node: RunningNode
  proxy: string
  admin: string
  close(): Promise<void>
}

export async function startGateway(configYaml: string, opts: { plugins?: AnyPlugin[]; env?: Record<string, string>; settings?: Partial<Settings> } = {}): Promise<TestGateway> {
  const settings: Settings = {
    ...readSettings({ KONG_PROXY_LISTEN: '127.0.0.1:0', KONG_ADMIN_LISTEN: '127.0.0.1:0', KONG_NGINX_WORKER_PROCESSES: '1', ...opts.env }),
    ...opts.settings,
  }
  const bundled = [...BUNDLED, ...(opts.plugins ?? [])]
  const node = await startNode({ settings, configText: configYaml, bundled })
  return {
    node,
    proxy: `http://127.0.0.1:${node.proxyPort}`,
    admin: `http://127.0.0.1:${node.adminPort}`,
    close: () => node.close(),
  }
}
