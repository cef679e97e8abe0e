// This node's id: stable for the life of the process, the same in every worker thread (passed
// down through the environment by the main thread).
import { randomUUID } from 'node:crypto'

export const nodeId: string = (process.env.TOLLGATE_NODE_ID ??= randomUUID())
