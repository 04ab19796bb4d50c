"""Technician onboarding, verification, availability and the facts dispatch reads.

Flow (seed 002/003): a technician registers, fills in the profile (skills from the
catalog), uploads certificates (POST /files kind=certificate, then POST
/technician/certificates) and draws a service area; an operator reviews the queue and
approves or rejects; only a verified technician may go online. Operators suspend and
reinstate. The rating and workload figures are kept here for dispatch scoring: order
moves update acceptance, transfers and completions through ``count_order_moves``; the reviews
domain calls ``update_review_stats``.

This module is the domain's face for the routes and the other domains; the code lives by
use case beside it: ``profiles`` (loading and shaping), ``own_record`` (what the technician
edits), ``certificates``, ``public_profile`` (what customers see), ``verification``
(operators), ``dispatch_facts`` (what dispatch reads) and ``work_stats`` (figures other
domains write).
"""

from __future__ import annotations

from server.technicians.certificates import add_certificate, get_certificate, list_certificates
from server.technicians.dispatch_facts import (
    handed_back,
    is_available,
    list_dispatchable,
    recent_transfers,
    skilled_positions,
    update_location,
    whereabouts,
)
from server.technicians.models import Level
from server.technicians.own_record import (
    came_present,
    read_availability,
    read_own,
    read_service_area,
    set_availability,
    set_online,
    set_service_area,
    update_profile,
)
from server.technicians.profiles import ensure_profile, get_profile, local_today, to_read
from server.technicians.public_profile import file_is_public, public_read
from server.technicians.verification import (
    queue_item,
    reinstate,
    review_certificate,
    review_queue,
    set_level,
    suspend,
    verify,
)
from server.technicians.work_stats import (
    count_order_moves,
    update_complaint_rate,
    update_review_stats,
)

__all__ = [
    "Level",
    "add_certificate",
    "came_present",
    "count_order_moves",
    "ensure_profile",
    "file_is_public",
    "get_certificate",
    "get_profile",
    "handed_back",
    "is_available",
    "list_certificates",
    "list_dispatchable",
    "local_today",
    "public_read",
    "queue_item",
    "read_availability",
    "read_own",
    "read_service_area",
    "recent_transfers",
    "reinstate",
    "review_certificate",
    "review_queue",
    "set_availability",
    "set_level",
    "set_online",
    "set_service_area",
    "skilled_positions",
    "suspend",
    "to_read",
    "update_complaint_rate",
    "update_location",
    "update_profile",
    "update_review_stats",
    "verify",
    "whereabouts",
]
