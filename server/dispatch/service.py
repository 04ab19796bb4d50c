"""Dispatch operations: load facts, run the pure core, persist decisions and offers.

Who may be offered an order is decided by ``eligibility`` and ``scoring`` on plain
facts loaded here; every change of an order goes through ``orders_service.move`` so
the machine's guards, optimistic locking and the timeline apply. The dispatcher runs
in rounds (``run_round``): expire overdue offers, then place each waiting order by the
configured mode (cascade offers, batch assignment, or the open pool). Rounds are jobs,
one partition at a time, deferred with whatever changes the answer (``dispatcher``).

This module is the domain's public face for routes and other domains; the use cases live
beside it, one module each:

- ``world``: the round's rules and the technicians' and jobs' facts (``load_world``)
- ``booking``: a day's open slots and the nearest able technician, for quotes
- ``cascade``, ``batch``, ``pool``: the three ways a waiting order finds a technician
- ``offers``: making, answering, expiring and closing offers
- ``decisions``: what each attempt decided and why (``explain``)
- ``dispatcher``: rounds and the jobs that run them
- ``schedule``: the technician's day plan
- ``blocks``: customers' blocks
- ``operators``: manual assignment and reassignment (transfer)
- ``common``: helpers several of them share
"""

from server.dispatch.blocks import block, blocks, unblock
from server.dispatch.booking import day_slots, nearest_eligible_distance_m
from server.dispatch.decisions import explain, left_in_pool
from server.dispatch.dispatcher import (
    ROUND_JOB,
    _unplaced,
    deadline_sweep,
    round_job,
    run_round,
    safety_sweep,
    wake,
    wake_dispatcher,
    wake_moved,
    wake_near,
)
from server.dispatch.offers import (
    accept_offer,
    close_offers_on_move,
    decline_offer,
    expire_offers,
    my_offers,
)
from server.dispatch.operators import assign, reassign
from server.dispatch.pool import claim, may_view_in_pool, pool, pool_viewers
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
    "ROUND_JOB",
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
    "deadline_sweep",
    "expire_offers",
    "explain",
    "left_in_pool",
    "load_settings",
    "load_world",
    "may_view_in_pool",
    "my_offers",
    "nearest_eligible_distance_m",
    "pool",
    "pool_viewers",
    "reachable",
    "reassign",
    "round_job",
    "run_round",
    "safety_sweep",
    "schedule",
    "travel_model",
    "unblock",
    "wake",
    "wake_dispatcher",
    "wake_moved",
    "wake_near",
]
