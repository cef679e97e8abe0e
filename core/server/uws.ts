// Loads uWebSockets.js and tells whether its native binary is in use. The pinned build
// (@trufflesuite/uws-js-unofficial) silently falls back to a pure-JS server, several times slower,
// when its binary does not load for this Node ABI; start-up refuses that unless allowed.
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type * as UWS from 'uWebSockets.js'

const require = createRequire(import.meta.url)

export const uws: typeof UWS = require('uWebSockets.js')

function detectNative(): { native: boolean; why: string } {
  const binary = join(
    dirname(require.resolve('uWebSockets.js/package.json')),
    'binaries',
    `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`,
  )
  try {
    return require(binary) === uws
      ? { native: true, why: `native binary ${binary}` }
      : { native: false, why: 'uWebSockets.js returned its JavaScript fallback (UWS_USE_FALLBACK set?)' }
  } catch (e) {
    return { native: false, why: `no native uWebSockets.js binary for this platform/Node ABI (${(e as Error).message.split('\n')[0]})` }
  }
}

export const uwsNative = detectNative()
