"""Risk (seed 002 §五 反欺诈与风控): flags for human review and the sign-in lockout.

Below the domains that raise flags (reviews, realtime, ops), above the rule book it reads.
"""
