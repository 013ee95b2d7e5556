"""The record stage: one hash-chained, signed audit record per request, and what reads it.

``trail`` wires it together (:class:`~aigc_gateway.audit.trail.AuditTrail` is what the pipeline
calls); ``records`` builds a record's body, ``chain`` links and verifies, ``signing`` holds the
Ed25519 key, ``store`` / ``sqlite`` / ``postgres`` persist, ``writer`` commits in groups,
``energy`` and ``grid`` estimate energy and carbon, ``export`` and ``report`` read the trail.
This package imports nothing at import time, so ``config`` may read ``grid`` from it.
"""
