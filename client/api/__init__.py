"""Typed async client for the Doorstep HTTP API (ARCHITECTURE.md §10).

Both Flet apps talk to the server only through this package and ``client.feed``.

Why it looks the way it does:

* Tokens live in a small :class:`Session` the app may persist (``to_dict`` /
  ``from_dict``); ``on_session_change`` fires whenever tokens rotate so the app can
  save them. A 401 ``token_expired`` is answered by one refresh and one retry.
* Every POST carries an ``Idempotency-Key``. Callers may pass their own key (the
  technician app's offline queue stores it with the action so a replay is recognised)
  and a device ``occurred_at`` (the time the action really happened).
* Server errors become :class:`ApiError` with the machine-readable ``code`` from the
  server's ``{"error": {...}}`` shape; connection failures become
  :class:`NetworkError` so an offline queue can tell "no signal" (keep and retry)
  from "refused" (show the technician, never drop).
* Every reply is validated into its route's model of ``client.models`` (generated from
  the server's OpenAPI; ``make client-models``), so the apps read attributes, never raw
  JSON; a reply that does not validate is a :class:`BadReplyError` (``bad_reply``).

Where things are: the request loop, tokens, ``parse_reply`` and the ``_get`` /
``_get_list`` / ``_post`` / ``_put`` helpers in ``core``; the endpoints by area in
``auth``, ``catalog`` (places, catalog, quotes), ``orders`` (with change requests),
``delays`` (moving a visit), ``payments``, ``technician``, ``training`` (courses),
``messages`` (files, chat, support), ``ops``, ``quality`` (the deposit, spot checks),
``mall`` (积分商城) and ``family`` (家庭账户), each a mixin of :class:`DoorstepClient`.
"""

from __future__ import annotations

from client.api.auth import AuthApi
from client.api.catalog import CatalogApi
from client.api.core import API_PREFIX, ClientCore, api_root, new_idempotency_key
from client.api.delays import DelaysApi
from client.api.errors import ApiError, BadReplyError, DoorstepError, NetworkError
from client.api.family import FamilyApi
from client.api.mall import MallApi
from client.api.messages import MessagesApi
from client.api.ops import OpsApi
from client.api.orders import OrdersApi
from client.api.payments import PaymentsApi
from client.api.quality import QualityApi
from client.api.session import JSON, Session
from client.api.technician import TechnicianApi
from client.api.training import TrainingApi


class DoorstepClient(
    AuthApi,
    CatalogApi,
    OrdersApi,
    DelaysApi,
    PaymentsApi,
    TechnicianApi,
    TrainingApi,
    MessagesApi,
    OpsApi,
    QualityApi,
    MallApi,
    FamilyApi,
):
    """One client per app (per signed-in user); share it through a Flet context."""


__all__ = [
    "API_PREFIX",
    "JSON",
    "ApiError",
    "BadReplyError",
    "ClientCore",
    "DoorstepClient",
    "DoorstepError",
    "NetworkError",
    "Session",
    "api_root",
    "new_idempotency_key",
]
