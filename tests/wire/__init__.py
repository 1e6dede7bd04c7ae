"""The wire, checked against Authlete's official OpenAPI document (a copy: SOURCE.md)."""
