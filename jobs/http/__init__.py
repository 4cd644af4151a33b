"""The HTTP edge: the blueprint, route contracts, body reading, list pages, the error
envelope, request ids.

Views import what they need from here; services and the store never do.
"""
from jobs.http.blueprint import bp, pages_bp
from jobs.http.body import json_body
from jobs.http.contract import ListPage, Versioned, contract
from jobs.http.running import load_body, load_query

__all__ = ["ListPage", "Versioned", "bp", "contract", "json_body", "load_body", "load_query",
           "pages_bp"]
