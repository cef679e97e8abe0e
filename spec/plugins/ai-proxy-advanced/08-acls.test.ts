// acls (Kong 3.14) as a table: each match type on its own and combined, allow and deny together,
// over three targets. A request is the consumer, client address, path and headers it comes with.
import { describe, expect, it } from 'vitest'
import type { Kong } from '../../../pdk/index.ts'
import { TargetAcl, type AclsConf } from '../../../plugins/ai-proxy-advanced/acls.ts'

const TARGETS = [
  { provider: 'openai', names: ['gpt-4o'] },
  { provider: 'openai', names: ['gpt-4o-mini', 'cheap'] },
  { provider: 'anthropic', names: ['claude-x'] },
]

interface Req { consumer?: { id: string; username: string | null; custom_id: string | null }; ip?: string; path?: string; headers?: Record<string, string> }

function kong(r: Req): Kong {
  return {
    client: { getConsumer: () => r.consumer ?? null, getIp: () => r.ip ?? '127.0.0.1' },
    request: { getPath: () => r.path ?? '/', getHeader: (n: string) => r.headers?.[n] },
  } as unknown as Kong
}

const ALICE = { id: '1', username: 'alice', custom_id: 'a-1' }
const m = (type: string, values: string[], key?: string) => ({ type, values, ...(key && { key }) })

describe('acls', () => {
  it.each([
    ['no rules: every target', {}, {}, [1, 1, 1]],
    ['allow by model alias', { allow: [{ match: [m('model', ['cheap'])] }] }, {}, [0, 1, 0]],
    ['allow by provider', { allow: [{ match: [m('provider', ['anthropic'])] }] }, {}, [0, 0, 1]],
    ['deny by provider', { deny: [{ match: [m('provider', ['openai'])] }] }, {}, [0, 0, 1]],
    ['consumer by username', { allow: [{ match: [m('consumer', ['alice'])] }] }, { consumer: ALICE }, [1, 1, 1]],
    ['consumer by custom_id', { allow: [{ match: [m('consumer', ['a-1'])] }] }, { consumer: ALICE }, [1, 1, 1]],
    ['consumer by id', { allow: [{ match: [m('consumer', ['1'])] }] }, { consumer: ALICE }, [1, 1, 1]],
    ['no consumer', { allow: [{ match: [m('consumer', ['alice'])] }] }, {}, [0, 0, 0]],
    ['consumer_group: this gateway has none', { allow: [{ match: [m('consumer_group', ['gold'])] }] }, { consumer: ALICE }, [0, 0, 0]],
    ['header, name case-insensitive', { allow: [{ match: [m('header', ['ai'], 'X-Team')] }] }, { headers: { 'x-team': 'ai' } }, [1, 1, 1]],
    ['header value is exact', { allow: [{ match: [m('header', ['ai'], 'x-team')] }] }, { headers: { 'x-team': 'AI' } }, [0, 0, 0]],
    ['ip in a CIDR', { deny: [{ match: [m('ip', ['10.0.0.0/8'])] }] }, { ip: '10.1.2.3' }, [0, 0, 0]],
    ['ip outside', { deny: [{ match: [m('ip', ['10.0.0.0/8', '::1'])] }] }, { ip: '192.168.0.1' }, [1, 1, 1]],
    ['ipv6 address', { deny: [{ match: [m('ip', ['::1'])] }] }, { ip: '::1' }, [0, 0, 0]],
    ['path exact', { allow: [{ match: [m('path', ['/v1/chat'])] }] }, { path: '/v1/chat' }, [1, 1, 1]],
    ['path exact is not a prefix', { allow: [{ match: [m('path', ['/v1/chat'])] }] }, { path: '/v1/chat/x' }, [0, 0, 0]],
    ['path prefix', { allow: [{ match: [m('path', ['/v1/*'])] }] }, { path: '/v1/chat/x' }, [1, 1, 1]],
    ['a rule is an AND: consumer and model', { deny: [{ match: [m('consumer', ['alice']), m('model', ['gpt-4o'])] }] }, { consumer: ALICE }, [0, 1, 1]],
    ['AND with a request match that fails', { deny: [{ match: [m('consumer', ['bob']), m('model', ['gpt-4o'])] }] }, { consumer: ALICE }, [1, 1, 1]],
    ['allow rules are an OR', { allow: [{ match: [m('model', ['gpt-4o'])] }, { match: [m('provider', ['anthropic'])] }] }, {}, [1, 0, 1]],
    ['deny wins over allow', { allow: [{ match: [m('provider', ['openai'])] }], deny: [{ match: [m('model', ['gpt-4o'])] }] }, {}, [0, 1, 0]],
  ] as const)('%s', (_n, acls, req, usable) => {
    const acl = new TargetAcl(acls as unknown as AclsConf, TARGETS)
    expect(Array.from(acl.usable(kong(req as Req)))).toEqual(usable)
  })

  it('hostile header and consumer values match nothing they do not name', () => {
    const acl = new TargetAcl({ allow: [{ match: [m('header', ['ai'], 'x-team') as never] }] }, TARGETS)
    for (const v of ['__proto__', 'constructor', 'ai ', ' ai', 'ai,ai', '']) {
      expect(Array.from(acl.usable(kong({ headers: { 'x-team': v } })))).toEqual([0, 0, 0])
    }
  })
})
