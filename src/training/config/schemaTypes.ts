/**
 * The building blocks of config schemas, shared by src/training/config/schema.ts and the method
 * descriptors that declare their own options (src/training/{models,weighting}/*, engine/optimizers.ts).
 */
import { Kind, Type, TypeRegistry } from '@sinclair/typebox';

/**
 * The TypeBox kind of `oneOf` schemas. A plain `Type.Unsafe` has kind "Unsafe", which TypeBox's
 * `Value.Check` / `Value.Errors` reject as an unknown type (they throw), so the kind is registered
 * here with a check that matches the emitted `enum` exactly.
 */
export const STRING_ENUM_KIND = 'MtlStringEnum';
if (!TypeRegistry.Has(STRING_ENUM_KIND)) {
  TypeRegistry.Set<{ enum: string[] }>(STRING_ENUM_KIND, (schema, value) => typeof value === 'string' && schema.enum.includes(value));
}

/** A closed set of strings. Emitted as `enum` so editors offer completion. */
export function oneOf<const T extends readonly string[]>(values: T, options: { description: string; default?: T[number] }) {
  return Type.Unsafe<T[number]>({ [Kind]: STRING_ENUM_KIND, type: 'string', enum: [...values], ...options });
}

export const identifier = (description: string) => Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', description });

export const layerSizes = (description: string, dflt: number[]) => Type.Array(Type.Integer({ minimum: 1, maximum: 65536 }), { maxItems: 16, description, default: dflt });
