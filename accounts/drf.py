"""Strictness for the API: JSON only, types taken as they are, no unknown fields.

DRF's own BooleanField reads "yes", "1" and 1 as true and IntegerField reads "7" as 7; for
clinical answers a wrong type is a client bug that must be reported, not guessed at. Likewise a
field the contract does not have (a typo, or `risk_group` sent by the client) is an error, not
silently ignored.
"""

from collections.abc import Mapping
from typing import Any

from drf_spectacular.extensions import OpenApiSerializerExtension
from rest_framework import serializers
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class StrictJSONParser(JSONParser):
    """JSONParser that answers absurdly nested bodies with a 400 instead of a RecursionError."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise ParseError("JSON parse error - nested too deeply") from error


class StrictInputSerializer(serializers.Serializer[dict[str, Any]]):
    """Rejects keys it does not declare, each with its own message."""

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({key: ["Unknown field."] for key in unknown})
        return dict(super().to_internal_value(data))


class StrictInputSchema(OpenApiSerializerExtension):
    """In the OpenAPI schema, a strict input says what the server enforces: no other keys."""

    target_class = StrictInputSerializer
    match_subclasses = True

    def map_serializer(self, auto_schema: Any, direction: Any) -> Any:
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        schema["additionalProperties"] = False
        return schema


class StrictBooleanField(serializers.BooleanField):
    default_error_messages = {"invalid": "Must be true or false."}

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class StrictIntegerField(serializers.IntegerField):
    default_error_messages = {"invalid": "Must be a whole number."}

    def to_internal_value(self, data: Any) -> int:
        if not isinstance(data, int) or isinstance(data, bool):
            self.fail("invalid")
        return int(super().to_internal_value(data))


class StrictCharField(serializers.CharField):
    """A string, never a number or boolean turned into one."""

    default_error_messages = {"invalid": "Must be a string."}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return str(super().to_internal_value(data))


def paginated(
    serializer: type[serializers.Serializer[Any]], name: str
) -> type[serializers.Serializer[Any]]:
    """The schema of a page of `serializer` rows, as PageNumberPagination answers."""
    return type(
        name,
        (serializers.Serializer,),
        {
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer(many=True),
        },
    )


ERROR_RESPONSE = {
    "description": "",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "description": "`detail`, or a list of messages per field.",
                "additionalProperties": True,
            }
        }
    },
}
ERRORS = {
    "400": "Invalid input: a message per field, or a parse error.",
    "401": "Not signed in.",
    "403": "Not allowed.",
    "404": "Not found, or not one of your patients.",
    "405": "Method not allowed.",
    "406": "Only JSON is returned.",
    "415": "Only JSON is accepted.",
}


def document_errors(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular hook: every operation documents the error answers DRF can give."""
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            wanted = ["400", "401", "403", "405", "406"]
            if "{" in path:
                wanted.append("404")
            if method in ("post", "put", "patch"):
                wanted.append("415")
            for status in wanted:
                responses.setdefault(status, {**ERROR_RESPONSE, "description": ERRORS[status]})
    return result
