// A radix tree over prefix paths. Kong's prefix match is a plain string prefix (`/foo` matches
// `/foobar`), so segments cannot be the index key. Walking the tree along the request path
// finds every stored prefix of it in O(path length) and touches no unrelated route.

interface Node<T> {
  /** the edge label leading to this node (the root has none) */
  label: string
  children: Map<number, Node<T>> | null
  /** values stored under the exact key ending here, in insertion order */
  values: T[] | null
}

export class PrefixTree<T> {
  private readonly root: Node<T> = { label: '', children: null, values: null }

  /** Store `value` under `key`. Inserting the same value twice in a row under one key is a no-op. */
  insert(key: string, value: T): void {
    let node = this.root
    let i = 0
    for (;;) {
      if (i === key.length) break
      const c = key.charCodeAt(i)
      const child = node.children?.get(c)
      if (child === undefined) {
        const leaf: Node<T> = { label: key.slice(i), children: null, values: null }
        ;(node.children ??= new Map()).set(c, leaf)
        node = leaf
        break
      }
      const label = child.label
      let k = 0
      while (k < label.length && i + k < key.length && label.charCodeAt(k) === key.charCodeAt(i + k)) k++
      if (k < label.length) {
        // the key leaves (or ends inside) this edge: split it
        const mid: Node<T> = { label: label.slice(0, k), children: new Map([[label.charCodeAt(k), child]]), values: null }
        child.label = label.slice(k)
        node.children!.set(c, mid)
        node = mid
        i += k
        continue
      }
      node = child
      i += k
    }
    const values = (node.values ??= [])
    if (values[values.length - 1] !== value) values.push(value)
  }

  /**
   * Write into `out` from index `n` the value lists of every stored key that is a prefix of
   * `s`, shortest first; return the new count. Allocates nothing.
   */
  collect(s: string, out: T[][], n: number): number {
    let node = this.root
    let i = 0
    for (;;) {
      if (node.values !== null) out[n++] = node.values
      if (node.children === null || i >= s.length) return n
      const child = node.children.get(s.charCodeAt(i))
      if (child === undefined || !s.startsWith(child.label, i)) return n
      node = child
      i += child.label.length
    }
  }
}
