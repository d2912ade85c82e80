"""Job kinds and the functions that handle them."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from django.conf import settings

Handler = Callable[[dict[str, Any]], Any]
HANDLERS: dict[str, Handler] = {}


def job_handler(kind: str) -> Callable[[Handler], Handler]:
    """Register ``function(payload) -> result`` as the handler of jobs of ``kind``.

    A handler runs inside the transaction that marks its job done, so its database
    writes commit exactly once: if the worker dies mid-job, they roll back and the job
    runs again after its lease expires. Handlers with effects outside the database
    (sending a message) must make them idempotent with a key of their own.
    """

    def register(function: Handler) -> Handler:
        if kind in HANDLERS and HANDLERS[kind] is not function:
            raise ValueError(f"job kind {kind!r} already has a handler")
        HANDLERS[kind] = function
        return function

    return register


def import_configured_modules() -> None:
    for module in ("concord.web.jobs.builtin", *settings.JOB_MODULES):
        importlib.import_module(module)
