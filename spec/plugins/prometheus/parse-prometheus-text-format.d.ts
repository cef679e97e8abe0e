// The parser ships no types: it returns the metric families it read, and throws on an invalid line.
declare module 'parse-prometheus-text-format' {
  export default function parse(text: string): unknown[]
}
