"""``doorstep seed-demo``: a believable district to try the platform with.

Loads the catalog, then builds the city of ``assets/demo_city.yaml``: verified and
online technicians of every trade (skills and certificates derived from the catalog
services of that trade, some certificates expiring soon), a few technicians waiting in
the verification queue, customers, staff accounts, and past orders walked through the
order machine to COMPLETED with their full timeline. Deterministic (seeded random) and
idempotent: a second run finds the demo admin account and changes nothing.

The package, by what a maintainer looks for: ``seed`` (the entry point: the city file, the
idempotency check, the counts), ``builder`` (the state of one run, accounts and files),
``accounts`` (customers, staff and the demo logins), ``technicians`` (profiles,
certificates, areas and availability) and ``orders`` (past orders walked through the order
machine). Everything importing ``server.demo`` gets its names from here.
"""

from server.demo.builder import png_bytes
from server.demo.seed import DEFAULT_CITY, SeedResult, seed_demo

__all__ = ["DEFAULT_CITY", "SeedResult", "png_bytes", "seed_demo"]
