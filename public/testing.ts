// `tollgate/testing`: runs a plugin in a real gateway (uWebSockets.js on 127.0.0.1) in front of a
// fake upstream, so a plugin's test sends real requests and asserts on the answer and on what the
// upstream received. The project's own plugin tests use the same harness (public/testing/): it lives
// outside spec/ so that what plugin authors import is not a test-tree file that may change freely.
//
//   const h = await pluginHarness({ plugins: [myPlugin], enable: [{ name: 'my-plugin', config: { header: 'x-hi' } }] })
//   const res = await h.request('/anything')
//   assert.equal(res.headers['x-hi'], 'hi'); assert.equal(h.upstream.received[0]!.headers['x-added'], '1')
//   await h.close()
export { pluginHarness, type PluginHarness, type HarnessOptions, type HarnessResponse, type PluginEntityInput } from './testing/plugin-harness.ts'
export { startUpstream, type FakeUpstream, type Handler as UpstreamHandler } from './testing/upstream.ts'
