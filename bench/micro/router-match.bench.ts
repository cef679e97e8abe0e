// Router match cost on a ~500-route table (prefix, regex, host and wildcard-host routes), with
// the match cache (the steady state: clients repeat paths) and without it (index + match work).
//
//   node --import tsx bench/micro/router-match.bench.ts
//
// Prints ns/op per scenario. Results depend on the machine; compare runs on the same one.

import type { Route, Service } from '../../core/config/types.ts'
import { compileRouter, type Router, type RouterRequest } from '../../core/router/router.ts'

function route(id: string, over: Partial<Route>): Route {
  return {
    id, name: id, service: { id: 'svc' }, protocols: ['http', 'https'], methods: null, hosts: null, paths: null,
    headers: null, snis: null, strip_path: true, preserve_host: false, path_handling: 'v0', regex_priority: 0,
    https_redirect_status_code: 426, request_buffering: true, response_buffering: true, tags: null, ...over,
  }
}

const service: Service = {
  id: 'svc', name: 'svc', protocol: 'http', host: 'upstream.test', port: 80, path: '/base', retries: 5,
  connect_timeout: 60000, write_timeout: 60000, read_timeout: 60000, enabled: true, tls_verify: null, tags: null,
}

const routes: Route[] = []
for (let i = 0; i < 300; i++) routes.push(route(`prefix-${i}`, { paths: [`/svc${i}/v1`], methods: i % 3 === 0 ? ['GET', 'POST'] : null }))
for (let i = 0; i < 100; i++) routes.push(route(`regex-${i}`, { paths: [`~/items${i}/(?<id>\\d+)$`] }))
for (let i = 0; i < 80; i++) routes.push(route(`host-${i}`, { hosts: [`api${i}.example.com`], paths: i % 2 === 0 ? ['/'] : null }))
for (let i = 0; i < 20; i++) routes.push(route(`wild-${i}`, { hosts: [`*.tenant${i}.example.net`], paths: ['/v1'] }))
routes.push(route('catch-all-regex', { paths: ['~/(?:legacy|old)/.*'] }))

const headers = { accept: 'application/json', 'content-type': 'application/json', 'user-agent': 'bench/1.0' }
const scenarios: [string, RouterRequest][] = [
  ['prefix hit', { method: 'POST', host: 'gw.example.com', path: '/svc150/v1/chat/completions', headers }],
  ['regex hit', { method: 'GET', host: 'gw.example.com', path: '/items50/12345', headers }],
  ['host hit', { method: 'GET', host: 'api40.example.com:8000', path: '/anything/here', headers }],
  ['wildcard host hit', { method: 'GET', host: 'a.tenant7.example.net', path: '/v1/x', headers }],
  ['miss', { method: 'GET', host: 'gw.example.com', path: '/nope/x', headers }],
]

function time(router: Router, request: RouterRequest, n: number): number {
  let sink = 0
  for (let i = 0; i < n / 10; i++) sink += router.match(request) === null ? 0 : 1 // warm up
  const start = process.hrtime.bigint()
  for (let i = 0; i < n; i++) sink += router.match(request) === null ? 0 : 1
  const ns = Number(process.hrtime.bigint() - start) / n
  if (sink < 0) console.log(sink) // keep the loop from being optimized away
  return ns
}

const t0 = process.hrtime.bigint()
const cached = compileRouter(routes, [service])
const compileMs = Number(process.hrtime.bigint() - t0) / 1e6
const uncached = compileRouter(routes, [service], { cacheSize: 0 })

console.log(`router-match: ${routes.length} routes, compiled in ${compileMs.toFixed(2)} ms (node ${process.version})`)
console.log('scenario'.padEnd(20) + 'cached ns/op'.padStart(14) + 'uncached ns/op'.padStart(16) + '  matched')
for (const [name, request] of scenarios) {
  const hit = cached.match(request)?.route.name ?? '(none)'
  const c = time(cached, request, 2_000_000)
  const u = time(uncached, request, 500_000)
  console.log(name.padEnd(20) + c.toFixed(0).padStart(14) + u.toFixed(0).padStart(16) + '  ' + hit)
}
