// Which matchers can possibly match a request, found without scanning the route table. Matchers
// with a plain host are filed under that host; the rest (no hosts, or a wildcard host) under
// "any host". Inside each, a radix tree holds matchers under their prefixes (a regex under its
// literal start, `/items/` for `~/items/(?<id>\d+)`); the rest sit in a list. Every list is in
// rank order, so the router merges the few lists a request selects and the first matcher that
// fully matches is the winner.

import type { Matcher } from './route-matcher.ts'
import { PrefixTree } from './prefix-tree.ts'

class Bucket {
  readonly prefixes = new PrefixTree<Matcher>()
  /** pathless matchers and regexes without a literal start, which the tree cannot pre-filter */
  readonly others: Matcher[] = []

  add(m: Matcher): void {
    if (m.indexKeys !== null) for (const key of m.indexKeys) this.prefixes.insert(key, m)
    else this.others.push(m)
  }

  collect(path: string, out: Matcher[][], n: number): number {
    if (this.others.length > 0) out[n++] = this.others
    return this.prefixes.collect(path, out, n)
  }
}

export class CandidateIndex {
  private readonly byHost = new Map<string, Bucket>()
  private readonly anyHost = new Bucket()
  /** false when no route has hosts: the request host need not even be parsed */
  readonly usesHosts: boolean

  /** `matchers` must already be in rank order. */
  constructor(matchers: readonly Matcher[]) {
    let usesHosts = false
    for (const m of matchers) {
      if (m.hosts === null) {
        this.anyHost.add(m)
        continue
      }
      usesHosts = true
      // a.com and a.com:8080 on one route share a bucket: file the matcher there once
      const exact = new Set(m.hosts.filter((h) => h.kind === 'exact').map((h) => h.value))
      for (const host of exact) {
        let bucket = this.byHost.get(host)
        if (bucket === undefined) this.byHost.set(host, (bucket = new Bucket()))
        bucket.add(m)
      }
      if (m.hosts.some((h) => h.kind !== 'exact')) this.anyHost.add(m)
    }
    this.usesHosts = usesHosts
  }

  /**
   * Write the rank-ordered candidate lists for a request into `out`; return how many. `host` is
   * the lowercase host without port ('' when none). A matcher may appear in two lists (a route
   * with both a plain and a wildcard host); it then comes up twice in a row in the merge.
   */
  collect(host: string, path: string, out: Matcher[][]): number {
    let n = 0
    const bucket = this.usesHosts ? this.byHost.get(host) : undefined
    if (bucket !== undefined) n = bucket.collect(path, out, n)
    return this.anyHost.collect(path, out, n)
  }
}
