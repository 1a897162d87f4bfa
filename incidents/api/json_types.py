"""Which JSON type a serializer field takes: the one its schema names, nothing DRF coerces."""

from __future__ import annotations

from rest_framework import serializers

# The JSON type each kind of field takes, as the schema says: DRF alone would turn 0 into
# "0" or False, and {} into an empty list. (field class, Python types, what to say)
_JSON_TYPES: list[tuple[type, tuple[type, ...], str]] = [
    (serializers.BooleanField, (bool,), "true or false"),
    (serializers.IntegerField, (int,), "a whole number"),
    (serializers.PrimaryKeyRelatedField, (int,), "an id (a whole number)"),
    (serializers.ManyRelatedField, (list,), "a list"),
    (serializers.DecimalField, (str,), 'a number as a string, e.g. "12.5"'),
    (serializers.ChoiceField, (str,), "a string"),
    (serializers.CharField, (str,), "a string"),
    (serializers.SlugRelatedField, (str,), "a string"),
    (serializers.DateTimeField, (str,), "a date-time string"),
    (serializers.DateField, (str,), "a date string"),
]


def json_type_mismatch(field: serializers.Field, value) -> str | None:
    """What the field wants, if the value is of another JSON type; null is the field's call."""
    if value is None:
        return None
    if isinstance(field, serializers.DecimalField) and isinstance(value, str) and not value.strip():
        # DRF would read a blank as null; the schema's pattern does not allow it.
        return 'a number as a string, e.g. "12.5", or null'
    for field_class, types, wanted in _JSON_TYPES:
        if isinstance(field, field_class):
            # bool is an int in Python but not a number in JSON.
            if isinstance(value, bool) and bool not in types:
                return wanted
            # JSON has one number type: 3.0 is a whole number, as JSON Schema says.
            if int in types and isinstance(value, float) and value.is_integer():
                return None
            return None if isinstance(value, types) else wanted
    return None
