// `node --import tollgate/register`: lets files outside the gateway import `tollgate/plugin`,
// `tollgate/testing` and `typebox` and get the gateway's own copies, with TypeScript through tsx.
// For a plugin's tests run with `node --test` (the gateway registers the same hooks itself when
// it loads plugins).
import { registerPluginHooks } from '../core/plugins/register-hooks.mjs'

await registerPluginHooks()
