"""The HTTP edge: the blueprint, route contracts, body reading, the error envelope, request ids.

Views import what they need from here; services and the store never do.
"""
from jobs.http.blueprint import bp
from jobs.http.body import json_body
from jobs.http.contract import contract

__all__ = ["bp", "contract", "json_body"]
