// Worker threads start here: TypeScript is loaded through tsx, as on the main thread.
import { register } from 'tsx/esm/api'

register()
await import('./worker.ts')
