"""A small JSON Schema checker for the subset docs/schemas/ uses (type, const, required, properties,
patternProperties, items, anyOf, minimum), so the tests validate the logger's output against the published
files without a third-party validator. Independent of the logger: it knows only the schema."""

import json
import os
import re

SCHEMAS = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "schemas")
_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool) or isinstance(v, float) and v.is_integer(),
}
_KNOWN = {"$schema", "title", "description", "type", "const", "required", "properties", "patternProperties",
          "items", "anyOf", "minimum"}


def load(name):
    with open(os.path.join(SCHEMAS, name + ".schema.json"), encoding="utf-8") as f:
        return json.load(f)


def errors(schema, value, path="/"):
    """The ways ``value`` breaks ``schema``, as "path: message" strings (empty when valid)."""
    unknown = set(schema) - _KNOWN
    if unknown:
        raise ValueError("schema keyword(s) this checker does not know: %s" % sorted(unknown))
    if "anyOf" in schema:
        if all(errors(alt, value, path) for alt in schema["anyOf"]):
            return ["%s: matches no alternative" % path]
        return []
    out = []
    if "type" in schema and not _TYPES[schema["type"]](value):
        return ["%s: expected %s, got %r" % (path, schema["type"], value)]
    if "const" in schema and value != schema["const"]:
        out.append("%s: expected %r" % (path, schema["const"]))
    if "minimum" in schema and value < schema["minimum"]:
        out.append("%s: below %r" % (path, schema["minimum"]))
    if isinstance(value, dict):
        for key in schema.get("required", []):
            if key not in value:
                out.append("%s: missing %r" % (path, key))
        for key, child in value.items():
            if key in schema.get("properties", {}):
                out += errors(schema["properties"][key], child, path + key + "/")
            for pattern, sub in schema.get("patternProperties", {}).items():
                if re.search(pattern, key):
                    out += errors(sub, child, path + key + "/")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            out += errors(schema["items"], item, "%s%d/" % (path, i))
    return out


def record_errors(record):
    kind = record.get("kind") if isinstance(record, dict) else None
    if kind not in ("train", "eval", "event"):
        return ["/kind: %r is not train, eval or event" % kind]
    return errors(load(kind + "-record"), record)
