"""Quotes, promotions and on-site change requests.

A quote prices a booking with everything the customer asked for (coupons, points, a
service card) and is kept for a while; an order takes it once and keeps its price
snapshot forever. The promotions a quote used are reserved when the order is created
(conditional updates, so two orders can't spend one coupon) and given back if the order
is cancelled. Points, yearly spend and referral rewards follow completed orders.

This module is the domain's face for the routes and the other domains; the use cases
live beside it: ``customers`` (what pricing knows of a customer), ``quotes``,
``rewards`` (reacting to order moves), ``wallet`` (coupons, points, cards, referral)
and ``change_totals``.
"""

from server.pricing.change_totals import pending_change_amount, pending_change_requests
from server.pricing.common import pricing_error, rules_versioned
from server.pricing.customers import customer_facts, ensure_welcome_coupon, yearly_spend
from server.pricing.quotes import (
    card_value_for_order,
    create_quote,
    get_quote_for,
    mark_quote_used,
    take_quote,
    to_read,
)
from server.pricing.rewards import promotions_on_move
from server.pricing.wallet import (
    activate_card,
    apply_referral,
    card_products,
    claim_coupon,
    create_campaign,
    list_campaigns,
    open_service_card,
    open_wallet,
    referral_code_for,
    wallet,
)

__all__ = [
    "activate_card",
    "apply_referral",
    "card_products",
    "card_value_for_order",
    "claim_coupon",
    "create_campaign",
    "create_quote",
    "customer_facts",
    "ensure_welcome_coupon",
    "get_quote_for",
    "list_campaigns",
    "mark_quote_used",
    "open_service_card",
    "pending_change_amount",
    "pending_change_requests",
    "pricing_error",
    "promotions_on_move",
    "open_wallet",
    "referral_code_for",
    "rules_versioned",
    "take_quote",
    "to_read",
    "wallet",
    "yearly_spend",
]
