"""The technician app's state and actions — no UI in here.

Screens are thin: they read this object and call its async actions. Tests drive the
same object against a real server with no UI at all.

Why it is built around the offline queue: every field action (accept, depart, arrive,
start, SOP step, finish, transfer, chat, SOS, signature) is first written to
:class:`technician_app.offline.OfflineQueue` with the device time and an idempotency
key, applied to the local copy of the order ("pending sync"), then the queue is replayed.
With signal, that is immediate; without, the action waits and is replayed in order when
the connection returns. The technician keeps working either way.

Refusals: an action refused while the technician is looking (online, right now) is
shown as a message and the local order is reloaded. An action refused later, during a
replay (the order was cancelled meanwhile), stays on the "rejected" list until the
technician acknowledges it — never silently dropped. (Location points are the
exception: a refused point is logged, not put in front of the technician.)

Location: while a job is on its way (an order in the machine's ``tracking`` group:
accepted or en route) the device position is reported every ``location_interval``
seconds, so the customer sees the technician coming; while merely online for orders,
every ``idle_location_interval`` seconds (dispatch uses it); otherwise never. Points
taken without signal are batched into one queued post with their device times (the
server takes up to 100 per post, 30 posts a minute).

Web: one web server serves many browsers. With ``persist_session=False`` the state
never restores a saved login, and the queue and cache live in a folder per technician
(``data_dir/users/<user id>/``), opened at sign-in: a second browser never opens as
somebody else, nor replays their queue.

Where things are: the data is in the feature stores of ``stores``
(``state.work.orders``, ``state.me.earnings`` ...), which screens follow by name.
:class:`TechnicianState` is composed of one mixin per concern over
:class:`~technician_app.state.core.TechnicianCore` (the stores, queue, client,
``_guard``): ``account`` (sign-in, onboarding, going online, withdrawals), ``loading``
(what the screens show), ``field_work`` (the queued actions), ``delays`` (asking the
customer to move a visit, online only), ``sync`` (the queue replayed), ``location``
(position reports), ``alerts`` (notifications beyond the screen), ``live`` (feed and
poll), ``analytics`` (经营分析), ``customers`` (客户管理), ``knowledge`` (知识库, kept for offline
reading), ``training`` (培训: courses, quizzes, the monthly minimum) and
``notice_settings`` (通知设置: the channels and notices turned off). ``labels`` holds
the technician's texts, ``model`` the offers, notices and times.
"""

from __future__ import annotations

from technician_app.state.account import Account
from technician_app.state.alerts import UrgentAlerts
from technician_app.state.analytics import Analytics
from technician_app.state.core import (
    DEFAULT_IDLE_LOCATION_INTERVAL,
    DEFAULT_LOCATION_INTERVAL,
    DEFAULT_SERVER_URL,
    MIN_LOCATION_INTERVAL,
)
from technician_app.state.customers import CustomerNotes
from technician_app.state.delays import DelayRequests
from technician_app.state.field_work import FieldWork
from technician_app.state.inbox import Inbox
from technician_app.state.knowledge import Knowledge
from technician_app.state.labels import (
    ACTION_LABELS,
    LOCATION_HELP,
    STATUS_LABELS,
    STATUS_NOTES,
    VERIFICATION_LABELS,
    yuan,
)
from technician_app.state.live import LiveUpdates
from technician_app.state.loading import Loading
from technician_app.state.location import LOCATION_POINTS_PER_POST, LocationReports
from technician_app.state.model import (
    DEFAULT_CHECKIN_RADIUS_M,
    Notice,
    Offer,
    UnsentMessage,
    allows,
    in_group,
    normalize_offer,
    parse_time,
)
from technician_app.state.notice_settings import NoticeSettings
from technician_app.state.sync import OPTIMISTIC, QueueSync, foreseen
from technician_app.state.training import Training

__all__ = [
    "ACTION_LABELS",
    "DEFAULT_CHECKIN_RADIUS_M",
    "DEFAULT_IDLE_LOCATION_INTERVAL",
    "DEFAULT_LOCATION_INTERVAL",
    "DEFAULT_SERVER_URL",
    "LOCATION_HELP",
    "LOCATION_POINTS_PER_POST",
    "MIN_LOCATION_INTERVAL",
    "OPTIMISTIC",
    "STATUS_LABELS",
    "STATUS_NOTES",
    "VERIFICATION_LABELS",
    "Notice",
    "Offer",
    "TechnicianState",
    "UnsentMessage",
    "allows",
    "foreseen",
    "in_group",
    "normalize_offer",
    "parse_time",
    "yuan",
]


class TechnicianState(
    Account,
    Loading,
    FieldWork,
    DelayRequests,
    LocationReports,
    QueueSync,
    Inbox,
    UrgentAlerts,
    LiveUpdates,
    Analytics,
    CustomerNotes,
    Knowledge,
    Training,
    NoticeSettings,
):
    """Everything the technician app knows and does. One per signed-in device."""
