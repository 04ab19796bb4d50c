"""Virtual number providers (AXB binding): the interface and a sandbox.

A real provider (Aliyun 号码隐私保护, Tencent 隐私号...) binds the two real phones to a
number X it owns; calls to X from either side are bridged. The sandbox hands numbers
out of a configured pool, never binding one number to two active orders.
"""

from __future__ import annotations

from collections.abc import Set
from typing import Protocol


class PoolExhausted(Exception):
    pass


class VirtualNumberProvider(Protocol):
    name: str

    def bind(self, *, order_id: str, phone_a: str, phone_b: str, in_use: Set[str]) -> str: ...

    def unbind(self, *, number: str, order_id: str) -> None: ...


class SandboxProvider:
    """Numbers ``<prefix><0000..>`` from a pool of ``size``; deterministic (first free)."""

    name = "sandbox"

    def __init__(self, prefix: str = "1700000", size: int = 1000) -> None:
        width = 11 - len(prefix)
        if width < 1 or size > 10**width:
            raise ValueError("pool prefix and size do not fit 11-digit numbers")
        self.pool = [f"{prefix}{i:0{width}d}" for i in range(size)]
        self.calls: list[tuple[str, str]] = []

    def bind(self, *, order_id: str, phone_a: str, phone_b: str, in_use: Set[str]) -> str:
        for number in self.pool:
            if number not in in_use:
                self.calls.append(("bind", order_id))
                return number
        raise PoolExhausted("no free virtual number")

    def unbind(self, *, number: str, order_id: str) -> None:
        self.calls.append(("unbind", order_id))
