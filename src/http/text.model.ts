import { Kind, type StringOptions, type TUnsafe, Type, TypeRegistry } from '@sinclair/typebox'

interface TextOptions extends Pick<StringOptions, 'minLength' | 'maxLength' | 'pattern' | 'description'> {
  /** The field's message when invalid (see problem-handler.ts). */
  error?: string
  example?: string
}

/**
 * TypeBox measures a string's length in UTF-16 code units, so 60 emoji were "120
 * characters" to it, while the published JSON Schema, PostgreSQL's char_length and
 * the contract count characters (code points). A lone surrogate, which JSON can
 * carry but UTF-8 cannot, would be stored as U+FFFD: it is refused here instead.
 */
TypeRegistry.Set<TextOptions>('Text', (schema, value) => {
  if (typeof value !== 'string' || !value.isWellFormed()) return false
  const length = [...value].length
  if (schema.minLength !== undefined && length < schema.minLength) return false
  if (schema.maxLength !== undefined && length > schema.maxLength) return false
  // JSON Schema patterns are Unicode-aware regular expressions.
  return schema.pattern === undefined || new RegExp(schema.pattern, 'u').test(value)
})

/** A string of well-formed Unicode whose lengths count characters; published as a plain JSON Schema string. */
export function Text(options: TextOptions = {}): TUnsafe<string> {
  return { ...Type.Unsafe<string>({ type: 'string', ...options }), [Kind]: 'Text' }
}
