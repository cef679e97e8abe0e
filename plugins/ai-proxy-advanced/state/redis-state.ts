// Shared state through Redis pub/sub (balancer.redis): one publishing and one subscribed
// connection per Redis server per worker, a channel per namespace. Each event carries its
// sender's id so a worker skips its own; members in the same worker hear each other through the
// same message. Written against the few calls it makes (ioredis provides them), so a test can
// hand it any client. Events sent while Redis is unreachable are dropped: balancing then carries
// on with each worker's own view, and joins up again when the connection comes back.
import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import { pluginLog } from '../../../core/log.ts'
import type { RedisConf } from '../schema.ts'
import { connectRedis } from '../../redis/connect-redis.ts'
import type { SharedState, StateChannel, StateEvent } from './types.ts'

/** The calls made on a Redis connection (ioredis's names). */
export interface PubSubClient {
  publish(channel: string, message: string): Promise<unknown>
  subscribe(channel: string): Promise<unknown>
  unsubscribe(channel: string): Promise<unknown>
  on(event: 'message', listener: (channel: string, message: string) => void): unknown
  quit(): Promise<unknown>
}

const PREFIX = 'tollgate:ai-proxy-advanced:'
const log = pluginLog('ai-proxy-advanced')

interface Member { id: string; on: (e: StateEvent) => void }

export class RedisState implements SharedState {
  private readonly channels = new Map<string, Member[]>()
  private readonly subscribed = new Map<string, Promise<void>>()

  constructor(private readonly pub: PubSubClient, private readonly sub: PubSubClient) {
    sub.on('message', (channel, message) => {
      const members = this.channels.get(channel)
      if (!members) return
      let m: { o: string; e: StateEvent }
      try { m = JSON.parse(message) as { o: string; e: StateEvent } } catch { return }
      for (const member of members) if (member.id !== m.o) member.on(m.e)
    })
  }

  join(ns: string, on: (e: StateEvent) => void): StateChannel {
    const channel = PREFIX + ns
    const self: Member = { id: randomUUID(), on }
    const members = this.channels.get(channel)
    let ready: Promise<void>
    if (members) {
      members.push(self)
      ready = this.subscribed.get(channel) ?? Promise.resolve()
    } else {
      this.channels.set(channel, [self])
      ready = this.sub.subscribe(channel).then(() => undefined, (err: unknown) => log.warn({ err }, 'redis subscribe failed: balancer state not shared'))
      this.subscribed.set(channel, ready)
    }
    return {
      ready,
      publish: (e) => {
        this.pub.publish(channel, JSON.stringify({ o: self.id, e })).catch((err: unknown) => log.debug({ err }, 'redis publish failed'))
      },
      leave: () => {
        const list = this.channels.get(channel)
        if (!list) return
        const rest = list.filter((m) => m !== self)
        if (rest.length > 0) { this.channels.set(channel, rest); return }
        this.channels.delete(channel)
        this.subscribed.delete(channel)
        this.sub.unsubscribe(channel).catch(() => { /* gone already */ })
      },
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.pub.quit(), this.sub.quit()])
  }
}

function connect(conf: RedisConf): Redis {
  return connectRedis(conf, {
    connectTimeout: conf.connect_timeout,
    commandTimeout: Math.max(conf.send_timeout, conf.read_timeout),
    // reconnects in the background (and subscribes again); a publish is given up after one retry
    maxRetriesPerRequest: 1,
  }, log)
}

const servers = new Map<string, RedisState>()

/** The worker's shared state for one Redis server (connections made once, reused by every config). */
export function redisState(conf: RedisConf): RedisState {
  const key = JSON.stringify([conf.host, conf.port, conf.database, conf.username, conf.password, conf.ssl, conf.server_name])
  let s = servers.get(key)
  if (!s) servers.set(key, (s = new RedisState(connect(conf), connect(conf))))
  return s
}

/** Closes every Redis connection this worker opened (tests, shutdown). */
export async function closeRedisStates(): Promise<void> {
  const all = [...servers.values()]
  servers.clear()
  await Promise.all(all.map((s) => s.close()))
}
