import { Kind, type StringOptions, type TUnsafe, Type, TypeRegistry } from '@sinclair/typebox'

interface TextOptions extends Pick<StringOptions, 'minLength' | 'maxLength' | 'description'> {
  /** Characters refused besides lone surrogates, as the body of a regular-expression class (e.g. '\\u0000'). */
  excluding?: string
  /** The field's message when invalid (see problem-handler.ts). */
  error?: string
  example?: string
}

/**
 * TypeBox measures a string's length in UTF-16 code units, so 60 emoji were "120
 * characters" to it, while the published JSON Schema, PostgreSQL's char_length and
 * the contract count characters (code points). Text counts characters, and refuses
 * a lone surrogate (JSON can carry one, UTF-8 cannot: it would be stored as U+FFFD).
 */
TypeRegistry.Set<{ minLength?: number; maxLength?: number; pattern: string }>('Text', (schema, value) => {
  if (typeof value !== 'string') return false
  const length = [...value].length
  if (schema.minLength !== undefined && length < schema.minLength) return false
  if (schema.maxLength !== undefined && length > schema.maxLength) return false
  // JSON Schema patterns are Unicode-aware, as with the u flag: a lone surrogate is one character.
  return new RegExp(schema.pattern, 'u').test(value)
})

/** A string of well-formed Unicode whose lengths count characters; published as a plain JSON Schema string. */
export function Text({ excluding = '', ...options }: TextOptions = {}): TUnsafe<string> {
  const pattern = `^[^${excluding}\\uD800-\\uDFFF]*$`
  return { ...Type.Unsafe<string>({ type: 'string', pattern, ...options }), [Kind]: 'Text' }
}
