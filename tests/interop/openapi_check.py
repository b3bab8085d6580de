#!/usr/bin/env python3
"""Validates an OpenAPI document read on stdin with openapi-spec-validator
(an implementation independent of Relais); prints {"valid": bool, "error"}."""
import json
import sys

from openapi_spec_validator import validate

doc = json.load(sys.stdin)
try:
    validate(doc)
    print(json.dumps({"valid": True}))
except Exception as e:  # the validator's message, for the test
    print(json.dumps({"valid": False, "error": str(e)[:2000]}))
