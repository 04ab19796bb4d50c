"""The demo's people who are not technicians (customers and staff), and the list of demo
logins ``seed-demo`` prints.
"""

from __future__ import annotations

from typing import Any

from server.auth.models import Role, User
from server.demo.builder import DemoBuilder


def accounts(city: dict[str, Any], total_techs: int) -> list[dict[str, str]]:
    """The demo logins (role, name, phone, password) ``seed-demo`` prints."""
    seed = city["demo_seed"]
    pw = seed["passwords"]
    out = [
        {"role": s["role"], "name": s["name"], "phone": str(s["phone"]), "password": pw["staff"]}
        for s in seed["staff"]
    ]
    tech_base = int(seed["phone_blocks"]["technician"])
    cust_base = int(seed["phone_blocks"]["customer"])
    out.append(
        {
            "role": "technician",
            "name": f"(technicians 1..{total_techs})",
            "phone": f"{tech_base + 1}..{tech_base + total_techs}",
            "password": pw["technician"],
        }
    )
    out.append(
        {
            "role": "customer",
            "name": f"(customers 1..{len(city['customer_names'])})",
            "phone": f"{cust_base + 1}..{cust_base + len(city['customer_names'])}",
            "password": pw["customer"],
        }
    )
    return out


class AccountsMixin(DemoBuilder):
    """Customers and staff accounts."""

    def customers(self) -> list[User]:
        base = int(self.seed["phone_blocks"]["customer"])
        password = self.seed["passwords"]["customer"]
        return [
            self._user(
                role=Role.customer, name=c["name"], phone=str(base + i + 1), password=password
            )
            for i, c in enumerate(self.city["customer_names"])
        ]

    def staff(self) -> list[User]:
        password = self.seed["passwords"]["staff"]
        return [
            self._user(
                role=Role(s["role"]), name=s["name"], phone=str(s["phone"]), password=password
            )
            for s in self.seed["staff"]
        ]
