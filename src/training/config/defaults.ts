/**
 * Schema defaults. Written here rather than with TypeBox's `Value.Default` because that one turns an
 * array given where an object belongs into an object (`"model": [1]` would become `{"0": 1}` and be
 * reported as an unknown key "0" instead of "expected an object"), and because the resolved config is
 * written to a run's config.json: its keys follow the schema's order, so every run reads the same.
 */
import type { TSchema } from '@sinclair/typebox';
import { isPlainObject } from './issues';

interface SchemaShape {
  default?: unknown;
  type?: string;
  properties?: Record<string, SchemaShape>;
  items?: SchemaShape;
  anyOf?: SchemaShape[];
}

/** The object schema that describes a plain-object value: the schema itself or its one object member. */
function objectSchemaOf(schema: SchemaShape): SchemaShape | undefined {
  if (schema.type === 'object' && schema.properties) return schema;
  return schema.anyOf?.find((member) => member.type === 'object' && member.properties);
}

function fill(schema: SchemaShape, value: unknown): unknown {
  let current = value;
  if (current === undefined) {
    if (!('default' in schema)) return undefined;
    current = structuredClone(schema.default);
  }
  if (isPlainObject(current)) {
    const objectSchema = objectSchemaOf(schema);
    if (!objectSchema?.properties) return current;
    const out: Record<string, unknown> = {};
    const put = (key: string, v: unknown) => Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
    for (const [key, propertySchema] of Object.entries(objectSchema.properties)) {
      const filled = fill(propertySchema, Object.hasOwn(current, key) ? current[key] : undefined);
      if (filled !== undefined) put(key, filled);
    }
    // Unknown keys stay (last), so that validation reports them.
    for (const key of Object.keys(current)) if (!Object.hasOwn(objectSchema.properties, key)) put(key, current[key]);
    return out;
  }
  if (Array.isArray(current) && schema.type === 'array' && schema.items) {
    const items = schema.items;
    return current.map((item) => fill(items, item));
  }
  return current;
}

/**
 * A copy of `value` with every absent key that has a schema default filled in (recursively: an absent
 * `training` becomes the object of training defaults), keys in schema order. Values of the wrong type
 * are left as they are, for validation to report.
 */
export function fillDefaults(schema: TSchema, value: unknown): unknown {
  return fill(schema as unknown as SchemaShape, value);
}
