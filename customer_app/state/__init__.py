"""The customer app's state and behaviour, free of any UI.

Screens read the feature stores of :class:`CustomerState` (``state.booking.quote``,
:mod:`customer_app.state.stores`) and call its async actions; tests drive the same
object against a real server. Every step ends in ``_changed()``, which tells the screens
that follow a store it changed (each screen re-renders on the stores it names).

Endpoints that other parts of the platform add over time (slots, coupons, points,
technician pages, reviews, chat, ...) are used when the server has them; a route the
server does not know is recorded in ``session.missing`` and the screen says "not available
yet" instead of failing.

:class:`CustomerState` is composed of one mixin per use case, each in its own module
over :class:`~customer_app.state.core.StateCore` (the stores, their flushing, server
calls, navigation): ``account`` (sign-in, the "me" page), ``browse`` (home, search,
service and technician pages), ``customer_app.booking`` (place, slot, price, order and
pay), ``order_page`` (one order, kept current), ``order_actions`` (cancel, change
requests, confirm, review, complain), ``delays`` (answering the technician's request to
move the visit), ``chat`` (order chat, support), ``inbox`` (notifications),
``notice_settings`` (通知设置: the channels and notices turned off), ``live_feed``
(pushes and the technician's way here), ``wallet`` (储值余额: top-ups, paying from the
balance), ``family`` (家庭账户: invitations, members, caps, paying from the family
balance) and ``routes`` (a screen opened by its address).
``store`` is the app's own storage.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from client.api import DoorstepClient
from client.citytime import CITY_TZ
from client.position import Locate
from customer_app.booking import BookingFlow
from customer_app.model import Address, BookingDraft, Slot, allows, in_group, parse_time
from customer_app.state.account import Account
from customer_app.state.browse import Browsing
from customer_app.state.chat import Chat
from customer_app.state.core import FeedFactory
from customer_app.state.delays import DelayAnswers
from customer_app.state.family import FamilyAccount
from customer_app.state.inbox import Inbox
from customer_app.state.live_feed import LiveUpdates
from customer_app.state.mall import Mall
from customer_app.state.notice_settings import NoticeSettings
from customer_app.state.order_actions import REVIEW_DIMENSIONS, OrderActions
from customer_app.state.order_page import OrderPage
from customer_app.state.routes import Routes
from customer_app.state.store import LocalStore, SessionKeeper, default_store_path
from customer_app.state.tracking import Tracking, estimate_eta_minutes
from customer_app.state.wallet import StoredValue

__all__ = [
    "CITY_TZ",
    "REVIEW_DIMENSIONS",
    "Address",
    "BookingDraft",
    "CustomerState",
    "LocalStore",
    "Slot",
    "Tracking",
    "allows",
    "default_store_path",
    "estimate_eta_minutes",
    "in_group",
    "parse_time",
]


class CustomerState(
    Account,
    Browsing,
    OrderPage,
    OrderActions,
    DelayAnswers,
    Chat,
    Inbox,
    NoticeSettings,
    Mall,
    LiveUpdates,
    BookingFlow,
    StoredValue,
    FamilyAccount,
    Routes,
):
    def __init__(
        self,
        client: DoorstepClient,
        *,
        store: LocalStore | None = None,
        now: Callable[[], datetime] | None = None,
        feed_factory: FeedFactory | None = None,
        persist_session: bool = True,
        sessions: SessionKeeper | None = None,
        locate: Locate | None = None,
        choices: SessionKeeper | None = None,
        live_quotes: bool = False,
    ) -> None:
        super().__init__(
            client,
            store=store,
            now=now,
            feed_factory=feed_factory,
            persist_session=persist_session,
            sessions=sessions,
            locate=locate,
            choices=choices,
        )
        self._init_booking(live_quotes=live_quotes)
