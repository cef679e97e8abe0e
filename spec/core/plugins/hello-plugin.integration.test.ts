// The example third-party plugin, loaded by path through the plugin harness, as an author would.
import { afterAll, beforeAll, expect, it, vi } from 'vitest'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { pluginHarness, type PluginHarness } from '../../../public/testing/plugin-harness.ts'

const path = fileURLToPath(new URL('../../fixtures/plugins/hello-plugin/index.ts', import.meta.url))
const { greeted } = (await import(pathToFileURL(path).href)) as { greeted: string[] }
let h: PluginHarness

beforeAll(async () => {
  h = await pluginHarness({ pluginPaths: [path], enable: [{ name: 'hello-plugin', config: { greeting: 'Hi' } }] })
})
afterAll(() => h.close())

it('greets the caller downstream and tells the upstream', async () => {
  const res = await h.request('/?name=ada')
  expect(res.status).toBe(200)
  expect(res.headers['x-hello']).toBe('Hi, ada!')
  expect(h.upstream.received.at(-1)!.headers['x-greeted']).toBe('ada')
  await vi.waitFor(() => expect(greeted).toContain('ada:200'))
})
