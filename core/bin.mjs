#!/usr/bin/env node
// The `tollgate` command: registers the TypeScript loader, then runs the CLI.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('./cli.ts')
process.exitCode = await main(process.argv.slice(2))
