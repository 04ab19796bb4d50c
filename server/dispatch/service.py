"""Dispatch operations: load facts, run the pure core, persist decisions and offers.

Who may be offered an order is decided by ``eligibility`` and ``scoring`` on plain
facts loaded here; every change of an order goes through ``orders_service.move`` so
the machine's guards, optimistic locking and the timeline apply. The dispatcher runs
in rounds (``run_round``): expire overdue offers, then place each waiting order by the
configured mode (cascade offers, batch assignment, or the open pool). The background
task runs a round every second and at once when an order starts waiting.

This module is the domain's public face for routes and other domains; the use cases live
beside it, one module each:

- ``world``: the round's rules and the technicians' and jobs' facts (``load_world``)
- ``booking``: a day's open slots and the nearest able technician, for quotes
- ``cascade``, ``batch``, ``pool``: the three ways a waiting order finds a technician
- ``offers``: making, answering, expiring and closing offers
- ``decisions``: what each attempt decided and why (``explain``)
- ``dispatcher``: rounds and the background loop
- ``schedule``: the technician's day plan
- ``blocks``: customers' blocks
- ``operators``: manual assignment and reassignment (transfer)
- ``common``: helpers several of them share
"""

from server.dispatch.blocks import block, blocks, unblock
from server.dispatch.booking import day_slots, nearest_eligible_distance_m
from server.dispatch.decisions import explain
from server.dispatch.dispatcher import _unplaced, dispatch_task, run_round, wake_dispatcher
from server.dispatch.offers import (
    accept_offer,
    close_offers_on_move,
    decline_offer,
    expire_offers,
    my_offers,
)
from server.dispatch.operators import assign, reassign
from server.dispatch.pool import claim, may_view_in_pool, pool
from server.dispatch.schedule import schedule
from server.dispatch.world import (
    DispatchSettings,
    World,
    load_settings,
    load_world,
    reachable,
    travel_model,
)

__all__ = [
    "DispatchSettings",
    "World",
    "_unplaced",
    "accept_offer",
    "assign",
    "block",
    "blocks",
    "claim",
    "close_offers_on_move",
    "day_slots",
    "decline_offer",
    "dispatch_task",
    "expire_offers",
    "explain",
    "load_settings",
    "load_world",
    "may_view_in_pool",
    "my_offers",
    "nearest_eligible_distance_m",
    "pool",
    "reachable",
    "reassign",
    "run_round",
    "schedule",
    "travel_model",
    "unblock",
    "wake_dispatcher",
]
