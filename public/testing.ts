// `tollgate/testing`: runs a plugin in a real gateway (uWebSockets.js on 127.0.0.1) in front of a
// fake upstream, so a plugin's test sends real requests and asserts on the answer and on what the
// upstream received. The project's own plugin tests use the same harness.
//
//   const h = await pluginHarness({ plugins: [myPlugin], enable: [{ name: 'my-plugin', config: { header: 'x-hi' } }] })
//   const res = await h.request('/anything')
//   assert.equal(res.headers['x-hi'], 'hi'); assert.equal(h.upstream.received[0]!.headers['x-added'], '1')
//   await h.close()
export { pluginHarness, type PluginHarness, type HarnessOptions, type HarnessResponse, type PluginEntityInput } from '../spec/helpers/plugin-harness.ts'
export { startUpstream, type FakeUpstream, type Handler as UpstreamHandler } from '../spec/helpers/upstream.ts'
