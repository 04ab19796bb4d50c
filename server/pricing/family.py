"""Family accounts (家庭账户 / 企业员工): a main account invites registered customers by
phone; each is told in his inbox and accepts or declines in his app within 7 days (the
main account may withdraw an invitation still pending). Members share the better
membership level (``customers.customer_facts``) and may pay from the main account's
wallet within a monthly cap (``payments.family_pay``); each keeps his own addresses
and orders, which the main account never sees."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NoReturn

from fastapi import Request
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from server.auth import service as auth_service
from server.auth.dependencies import CustomerUser
from server.auth.models import Role, User
from server.core.crypto import FieldCipher, mask_phone
from server.core.deps import UowDep
from server.core.errors import Conflict, NotFound, Unprocessable
from server.core.ids import new_id
from server.core.ratelimit import enforce
from server.core.routing import api_router
from server.core.uow import UnitOfWork
from server.notifications import centre
from server.pricing.family_models import (
    FamilyCapIn,
    FamilyInvitation,
    FamilyInvitationRead,
    FamilyInviteIn,
    FamilyLink,
    FamilyPersonRead,
    FamilyRead,
)

MAX_MEMBERS = 5
INVITE_DAYS = 7
INVITES_PER_HOUR = 20
INVITED = "family.invited"  # the invitee's inbox notice; in no group (inbox only)
FAMILY_ROUTE = "/family"  # the customer app's family screen, where he answers

# --- pure -----------------------------------------------------------------------------------


def invite_refusal(
    *,
    inviter_is_member: bool,
    invitee_is_customer: bool,
    same_person: bool,
    invitee_is_member: bool,
    invitee_is_main: bool,
    taken_places: int,
) -> str | None:
    """Why an invitation may not be sent (its error code), or None. ``taken_places`` counts
    members and pending invitations."""
    if not invitee_is_customer:
        return "not_a_customer"
    if same_person:
        return "family_invite_self"
    if inviter_is_member or invitee_is_member:
        return "already_in_family"
    if invitee_is_main:
        return "family_main_cannot_join"
    if taken_places >= MAX_MEMBERS:
        return "family_full"
    return None


def is_expired(invitation: FamilyInvitation, now: datetime) -> bool:
    return invitation.status == "pending" and invitation.expires_at <= now


# --- reads ------------------------------------------------------------------------------------


def link_of(session: Session, member_id: str) -> FamilyLink | None:
    """The caller's membership of a family, if he is a member."""
    return session.get(FamilyLink, member_id)


def members_of(session: Session, main_id: str) -> list[FamilyLink]:
    return list(
        session.exec(
            select(FamilyLink)
            .where(FamilyLink.main_id == main_id)
            .order_by(col(FamilyLink.joined_at))
        ).all()
    )


def _pending(session: Session, now: datetime, **where: str) -> list[FamilyInvitation]:
    query = select(FamilyInvitation).where(
        FamilyInvitation.status == "pending", FamilyInvitation.expires_at > now
    )
    for field, value in where.items():
        query = query.where(getattr(FamilyInvitation, field) == value)
    return list(session.exec(query.order_by(col(FamilyInvitation.created_at))).all())


def _person(
    user: User, cipher: FieldCipher, link: FamilyLink | None = None, *, show_cap: bool = False
) -> FamilyPersonRead:
    return FamilyPersonRead(
        user_id=user.id,
        name=user.name,
        phone_masked=mask_phone(auth_service.phone_of(user, cipher)),
        kind=link.kind if link else None,
        monthly_cap=link.monthly_cap if link and show_cap else None,
        joined_at=link.joined_at if link else None,
    )


def _invitation_read(uow: UnitOfWork, row: FamilyInvitation) -> FamilyInvitationRead:
    main = auth_service.get(uow, user_id=row.main_id)
    member = auth_service.get(uow, user_id=row.member_id)
    status = "expired" if is_expired(row, uow.clock.now()) else row.status
    return FamilyInvitationRead(
        invitation_id=row.id,
        kind=row.kind,
        status=status,
        main=_person(main, uow.cipher),
        member=_person(member, uow.cipher),
        created_at=row.created_at,
        expires_at=row.expires_at,
    )


def family(uow: UnitOfWork, *, user: User) -> FamilyRead:
    """The caller's family as he may see it: a main account sees his members with their
    caps; a member sees the main account, the others and his own cap. Phones masked."""
    session, now = uow.session, uow.clock.now()
    link = link_of(session, user.id)
    main_id = link.main_id if link else user.id
    links = members_of(session, main_id)
    role = "member" if link else ("main" if links else "none")
    sent = _pending(session, now, main_id=user.id) if not link else []
    if role == "none" and sent:
        role = "main"
    return FamilyRead(
        role=role,
        max_members=MAX_MEMBERS,
        main=_person(auth_service.get(uow, user_id=main_id), uow.cipher) if link else None,
        members=[
            _person(
                auth_service.get(uow, user_id=row.member_id),
                uow.cipher,
                row,
                show_cap=row.main_id == user.id or row.member_id == user.id,
            )
            for row in links
        ],
        invitations_sent=[_invitation_read(uow, row) for row in sent],
        invitations_received=[
            _invitation_read(uow, row) for row in _pending(session, now, member_id=user.id)
        ],
    )


# --- use cases ----------------------------------------------------------------------------------


def invite(uow: UnitOfWork, *, user: User, body: FamilyInviteIn) -> FamilyInvitationRead:
    """A main account invites a registered customer by phone; asked again while an
    invitation to him is pending, the same invitation."""
    session, now = uow.session, uow.clock.now()
    invitee = auth_service.find_by_phone(uow, phone=body.phone)
    is_customer = invitee is not None and invitee.role == Role.customer.value
    if invitee is not None and is_customer:
        for row in _pending(session, now, main_id=user.id, member_id=invitee.id):
            return _invitation_read(uow, row)
    taken = len(members_of(session, user.id)) + len(_pending(session, now, main_id=user.id))
    refusal = invite_refusal(
        inviter_is_member=link_of(session, user.id) is not None,
        invitee_is_customer=is_customer,
        same_person=invitee is not None and invitee.id == user.id,
        invitee_is_member=invitee is not None and link_of(session, invitee.id) is not None,
        invitee_is_main=invitee is not None and bool(members_of(session, invitee.id)),
        taken_places=taken,
    )
    if refusal is not None or invitee is None:
        _refuse(refusal or "not_a_customer", taken=taken)
    row = FamilyInvitation(
        id=new_id("fin"),
        main_id=user.id,
        member_id=invitee.id,
        kind=body.kind,
        created_at=now,
        expires_at=now + timedelta(days=INVITE_DAYS),
    )
    session.add(row)
    _tell_invitee(uow, inviter=user, row=row)
    return _invitation_read(uow, row)


def _tell_invitee(uow: UnitOfWork, *, inviter: User, row: FamilyInvitation) -> None:
    """The invitee learns of it in his inbox (no outside channel: an invitation waits 7
    days for his answer, and his app lists it on the family screen the notice leads to).
    Keyed by the invitation, so it is told once."""
    who = inviter.name or mask_phone(auth_service.phone_of(inviter, uow.cipher))
    kind = "企业员工" if row.kind == "staff" else "家人"
    centre.post(
        uow,
        user_id=row.member_id,
        kind=INVITED,
        title=f"{who}邀请您加入家庭账户",
        body=f"以{kind}身份加入，{INVITE_DAYS} 天内在「我的 → 家庭账户」接受或拒绝",
        data={"route": FAMILY_ROUTE, "invitation_id": row.id, "kind": row.kind},
        key=f"{INVITED}:{row.id}",
    )


def _refuse(code: str, **details: object) -> NoReturn:
    if code in ("not_a_customer", "family_invite_self"):
        raise Unprocessable("this person cannot be invited", code=code)
    if code == "family_full":
        raise Conflict(
            "the family is full", code=code, details={"max_members": MAX_MEMBERS, **details}
        )
    raise Conflict("this person cannot join the family", code=code)


def _received(uow: UnitOfWork, *, user: User, invitation_id: str) -> FamilyInvitation:
    """The caller's own pending invitation; anyone else's looks missing."""
    row = uow.session.get(FamilyInvitation, invitation_id)
    if row is None or row.member_id != user.id:
        raise NotFound("invitation not found", code="invite_not_found")
    if is_expired(row, uow.clock.now()):
        row.status = "expired"
        uow.session.add(row)
        uow.keep()  # the expiry is recorded even though the answer is refused
        raise Conflict("the invitation has expired", code="invite_expired")
    _still_pending(row)
    return row


def _still_pending(row: FamilyInvitation) -> None:
    if row.status == "withdrawn":
        raise Conflict("the inviter withdrew the invitation", code="invite_withdrawn")
    if row.status != "pending":
        raise Conflict(
            "the invitation was answered", code="invite_answered", details={"status": row.status}
        )


def _lock_family(session: Session, main_id: str) -> None:
    """Changes to one family's members and invitations take turns on its main account."""
    session.exec(select(User.id).where(User.id == main_id).with_for_update()).first()


def accept(uow: UnitOfWork, *, user: User, invitation_id: str) -> FamilyRead:
    session, now = uow.session, uow.clock.now()
    row = _received(uow, user=user, invitation_id=invitation_id)
    if link_of(session, user.id) is not None:
        _refuse("already_in_family")
    if members_of(session, user.id):
        _refuse("family_main_cannot_join")
    if link_of(session, row.main_id) is not None:
        raise Conflict("the inviter joined another family", code="family_main_is_member")
    # two members accepting at once, or the main account withdrawing, queue here: the
    # count below holds the limit, and a withdrawal that went first is seen
    _lock_family(session, row.main_id)
    session.refresh(row)
    _still_pending(row)
    count = session.exec(
        select(func.count()).select_from(FamilyLink).where(FamilyLink.main_id == row.main_id)
    ).one()
    if count >= MAX_MEMBERS:
        _refuse("family_full", taken=count)
    row.status, row.answered_at = "accepted", now
    session.add(row)
    try:
        with session.begin_nested():
            session.add(
                FamilyLink(member_id=user.id, main_id=row.main_id, kind=row.kind, joined_at=now)
            )
    except IntegrityError:
        _refuse("already_in_family")
    return family(uow, user=user)


def decline(uow: UnitOfWork, *, user: User, invitation_id: str) -> FamilyInvitationRead:
    row = _received(uow, user=user, invitation_id=invitation_id)
    row.status, row.answered_at = "declined", uow.clock.now()
    uow.session.add(row)
    return _invitation_read(uow, row)


def withdraw(uow: UnitOfWork, *, user: User, invitation_id: str) -> FamilyRead:
    """The main account takes back an invitation nobody answered yet, freeing its place.
    Anyone else's looks missing (404); one no longer pending is a 409
    ``invite_not_pending`` naming its status (a lapsed one is recorded ``expired``)."""
    now = uow.clock.now()
    _lock_family(uow.session, user.id)  # an acceptance under way finishes first
    row = uow.session.get(FamilyInvitation, invitation_id, populate_existing=True)
    if row is None or row.main_id != user.id:
        raise NotFound("invitation not found", code="invite_not_found")
    if is_expired(row, now):
        row.status = "expired"
        uow.session.add(row)
        uow.keep()  # the expiry is recorded even though the withdrawal is refused
    if row.status != "pending":
        raise Conflict(
            "the invitation is no longer pending",
            code="invite_not_pending",
            details={"status": row.status},
        )
    row.status, row.answered_at = "withdrawn", now  # answered_at: when it was closed
    uow.session.add(row)
    uow.session.flush()
    return family(uow, user=user)


def _own_member(uow: UnitOfWork, *, main: User, member_id: str) -> FamilyLink:
    link = link_of(uow.session, member_id)
    if link is None or link.main_id != main.id:
        raise NotFound("not a member of your family", code="not_family_member")
    return link


def remove(uow: UnitOfWork, *, user: User, member_id: str) -> FamilyRead:
    uow.session.delete(_own_member(uow, main=user, member_id=member_id))
    uow.session.flush()
    return family(uow, user=user)


def leave(uow: UnitOfWork, *, user: User) -> FamilyRead:
    link = link_of(uow.session, user.id)
    if link is None:
        raise NotFound("you are not a member of a family", code="not_family_member")
    uow.session.delete(link)
    uow.session.flush()
    return family(uow, user=user)


def set_cap(uow: UnitOfWork, *, user: User, member_id: str, body: FamilyCapIn) -> FamilyRead:
    """The main account's monthly cap on what a member pays from his wallet (None: none)."""
    link = _own_member(uow, main=user, member_id=member_id)
    link.monthly_cap = body.monthly_cap
    uow.session.add(link)
    return family(uow, user=user)


# --- routes -------------------------------------------------------------------------------------

router = api_router(tags=["pricing"])


@router.get("/me/family", response_model=FamilyRead)
def get_family(user: CustomerUser, uow: UowDep) -> FamilyRead:
    return family(uow, user=user)


@router.post("/me/family/invitations", response_model=FamilyInvitationRead, status_code=201)
def post_invitation(
    body: FamilyInviteIn, user: CustomerUser, uow: UowDep, request: Request
) -> FamilyInvitationRead:
    """``not_a_customer`` tells whether a phone has an account: invitations are metered
    per account (``INVITES_PER_HOUR``) so that cannot be asked in bulk."""
    limiter = request.app.state.rate_limiter
    enforce(limiter, f"family_invite:{user.id}", limit=INVITES_PER_HOUR, window_seconds=3600)
    return invite(uow, user=user, body=body)


@router.post("/me/family/invitations/{invitation_id}/accept", response_model=FamilyRead)
def post_accept(invitation_id: str, user: CustomerUser, uow: UowDep) -> FamilyRead:
    return accept(uow, user=user, invitation_id=invitation_id)


@router.post("/me/family/invitations/{invitation_id}/decline", response_model=FamilyInvitationRead)
def post_decline(invitation_id: str, user: CustomerUser, uow: UowDep) -> FamilyInvitationRead:
    return decline(uow, user=user, invitation_id=invitation_id)


@router.post("/me/family/invitations/{invitation_id}/withdraw", response_model=FamilyRead)
def post_withdraw(invitation_id: str, user: CustomerUser, uow: UowDep) -> FamilyRead:
    return withdraw(uow, user=user, invitation_id=invitation_id)


@router.post("/me/family/members/{member_id}/remove", response_model=FamilyRead)
def post_remove(member_id: str, user: CustomerUser, uow: UowDep) -> FamilyRead:
    return remove(uow, user=user, member_id=member_id)


@router.put("/me/family/members/{member_id}/cap", response_model=FamilyRead)
def put_cap(member_id: str, body: FamilyCapIn, user: CustomerUser, uow: UowDep) -> FamilyRead:
    return set_cap(uow, user=user, member_id=member_id, body=body)


@router.post("/me/family/leave", response_model=FamilyRead)
def post_leave(user: CustomerUser, uow: UowDep) -> FamilyRead:
    return leave(uow, user=user)
