// Route and Service entities with Kong's defaults (kong/db/schema/entities/), for router specs.

import type { Route, Service } from '../../../core/config/types.ts'
import type { RouterRequest } from '../../../core/router/router.ts'

type Writable<T> = { -readonly [K in keyof T]: T[K] }

let seq = 0

export function makeService(over: Partial<Writable<Service>> = {}): Service {
  const id = over.id ?? `service-${++seq}`
  return {
    id,
    name: id,
    protocol: 'http',
    host: 'upstream.test',
    port: 80,
    path: null,
    retries: 5,
    connect_timeout: 60000,
    write_timeout: 60000,
    read_timeout: 60000,
    enabled: true,
    tls_verify: null,
    tags: null,
    ...over,
  }
}

export function makeRoute(over: Partial<Writable<Route>> = {}): Route {
  const id = over.id ?? `route-${++seq}`
  return {
    id,
    name: id,
    service: null,
    protocols: ['http', 'https'],
    methods: null,
    hosts: null,
    paths: null,
    headers: null,
    snis: null,
    strip_path: true,
    preserve_host: false,
    path_handling: 'v0',
    regex_priority: 0,
    https_redirect_status_code: 426,
    request_buffering: true,
    response_buffering: true,
    tags: null,
    ...over,
  }
}

export function req(method: string, path: string, host = 'example.com', headers: Record<string, string> = {}): RouterRequest {
  return { method, path, host, headers }
}
