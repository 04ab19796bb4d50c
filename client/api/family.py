"""家庭账户: the caller's family, invitations by phone (withdrawn while pending) and their
answers, removing or leaving, a member's monthly cap, and what a member may pay from the
family balance (``pay(order_id, provider="wallet", method="family", family=True)``
spends it)."""

from __future__ import annotations

from client.api.core import ClientCore
from client.models import FamilyAllowanceRead, FamilyInvitationRead, FamilyRead


class FamilyApi(ClientCore):
    async def family(self) -> FamilyRead:
        return await self._get("/me/family", model=FamilyRead)

    async def invite_to_family(
        self, phone: str, *, kind: str = "family", idempotency_key: str | None = None
    ) -> FamilyInvitationRead:
        """Invite a registered customer by phone; ``kind`` is family or staff."""
        body = {"phone": phone, "kind": kind}
        return await self._post(
            "/me/family/invitations", body, model=FamilyInvitationRead, key=idempotency_key
        )

    async def accept_family_invitation(self, invitation_id: str) -> FamilyRead:
        path = f"/me/family/invitations/{invitation_id}/accept"
        return await self._post(path, {}, model=FamilyRead)

    async def decline_family_invitation(self, invitation_id: str) -> FamilyInvitationRead:
        path = f"/me/family/invitations/{invitation_id}/decline"
        return await self._post(path, {}, model=FamilyInvitationRead)

    async def withdraw_family_invitation(self, invitation_id: str) -> FamilyRead:
        """The main account takes back an invitation still pending (409
        ``invite_not_pending`` once it is answered or lapsed)."""
        path = f"/me/family/invitations/{invitation_id}/withdraw"
        return await self._post(path, {}, model=FamilyRead)

    async def remove_family_member(self, member_id: str) -> FamilyRead:
        return await self._post(f"/me/family/members/{member_id}/remove", {}, model=FamilyRead)

    async def set_family_cap(self, member_id: str, monthly_cap: int | None) -> FamilyRead:
        """The member's monthly cap in fen on the family balance (None: no cap)."""
        path = f"/me/family/members/{member_id}/cap"
        return await self._put(path, {"monthly_cap": monthly_cap}, model=FamilyRead)

    async def leave_family(self) -> FamilyRead:
        return await self._post("/me/family/leave", {}, model=FamilyRead)

    async def family_allowance(self) -> FamilyAllowanceRead:
        return await self._get("/me/family/allowance", model=FamilyAllowanceRead)
