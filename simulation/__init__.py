"""Simulation and benchmarks: the city simulation (``doorstep-simulate``), the Solomon VRPTW
benchmark, and the baselines the dispatch core is measured against (H3 and naive
spatial indexes, greedy and brute-force assignment).

Nothing here runs in production. This package imports ``server``; ``server`` never
imports it (an import contract in pyproject.toml checks that).
"""
