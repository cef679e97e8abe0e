// The TypeBox field builders the AI plugins' config schemas are written with. Each keeps its
// static type (a union of literals stays that union), so config types are `Static<typeof schema>`
// and never written a second time by hand.
import { Type, type TLiteral, type TObject, type TOptional, type TSchema, type TString, type TBoolean, type TNumber, type TUnion } from 'typebox'

export const str = (): TOptional<TString> => Type.Optional(Type.String())
export const bool = (): TOptional<TBoolean> => Type.Optional(Type.Boolean())
export const num = (): TOptional<TNumber> => Type.Optional(Type.Number())

type Literals<T extends readonly string[]> = { -readonly [K in keyof T]: TLiteral<T[K]> }

/** Kong's `one_of` as a union of literals (schema-errors.ts reports it as "expected one of: ..."). */
export function oneOf<const T extends readonly string[]>(values: T, opts: Record<string, unknown> = {}): TUnion<Literals<T>> {
  // map() cannot keep a tuple's element types; the literals are exactly `values`, in order
  return Type.Union(values.map((v) => Type.Literal(v)), opts) as TUnion<Literals<T>>
}

/** A record that refuses unknown fields ("unknown field"), as Kong's records do. */
export const record = <P extends Record<string, TSchema>>(props: P, opts: Record<string, unknown> = {}): TObject<P> =>
  Type.Object(props, { additionalProperties: false, ...opts })

/**
 * A schema's type with every field optional, at every depth: what drivers and auth strategies
 * accept, since they also serve configs built in code (semantic routing's embeddings model) where
 * the loader's defaults were never applied, so they must not rely on a default being there.
 */
export type OptionalDeep<T> = {
  [K in keyof T]?: NonNullable<T[K]> extends readonly unknown[] ? T[K] : NonNullable<T[K]> extends object ? OptionalDeep<NonNullable<T[K]>> : T[K]
}
