"""The notification rules (the ``notifications`` section of the rule book): which notices
go out, when, and through which channels besides the in-app inbox and the live feed.

Defined here, beside the decisions that read them (``due``), so the notification centre
stays below the rule book in the layers; ``server/rules/notifications.py`` hands the
model to the book like every other section.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

# Beyond the inbox (always written: it is the record) and the live feed (always tried).
Channel = Literal["push", "sms", "email"]
DAY = 24 * 60
PUSH: tuple[Channel, ...] = ("push",)


class NoticeRule(BaseModel):
    """A notice sent on an event (the technician departed, an invoice was issued)."""

    enabled: bool = True
    channels: list[Channel] = Field(default_factory=lambda: list(PUSH), max_length=3)
    # an event older than this when its notice would go out sends nothing (the deliveries
    # are recorded ``skipped``): a departure replayed from an offline queue hours later, or
    # the demo's weeks of past visits, is no news. The periodic checks' notices are judged
    # at their moment by ``stale_after_minutes`` instead.
    max_age_minutes: int = Field(default=DAY, ge=1, le=30 * DAY)

    @field_validator("channels")
    @classmethod
    def _once_each(cls, value: list[Channel]) -> list[Channel]:
        if len(set(value)) != len(value):
            raise ValueError("each channel at most once")
        return value


class TimedRule(NoticeRule):
    """A notice sent ``minutes`` before or after a moment (what moment: the rule's name)."""

    minutes: int = Field(ge=1, le=7 * DAY)


class OverrunRule(NoticeRule):
    """A visit still in service ``minutes`` past its booked duration (0: at once)."""

    minutes: int = Field(default=30, ge=0, le=4 * 60)


class NotificationRules(BaseModel):
    # the customer, before the visit: the day before and one hour before
    reminder_day_before: TimedRule = Field(
        default_factory=lambda: TimedRule(minutes=DAY, channels=["push", "sms"])
    )
    reminder_hour_before: TimedRule = Field(default_factory=lambda: TimedRule(minutes=60))
    # the technician has not set off this long after the visit's start: pushed to him, and
    # support is alerted (in their inbox and on the live feed)
    not_departed: TimedRule = Field(
        default_factory=lambda: TimedRule(minutes=15, channels=["push", "sms"])
    )
    # the customer: the technician is on the way; he has not arrived this long after the start
    # (news while he is on the way: not once he could have arrived)
    technician_departed: NoticeRule = Field(default_factory=lambda: NoticeRule(max_age_minutes=60))
    technician_late: TimedRule = Field(
        default_factory=lambda: TimedRule(minutes=10, channels=["push", "sms"])
    )
    # in service past its booked duration plus this margin: pushed to the technician, and
    # support is alerted (in their inbox and on the live feed)
    service_overrun: OverrunRule = Field(default_factory=OverrunRule)
    # the technician: a certificate expires within the current month (once per month)
    certificate_expiring: NoticeRule = Field(default_factory=NoticeRule)
    # the customer: an unpaid booking lapses (``orders.payment_timeout_minutes``) within this
    payment_lapsing: TimedRule = Field(default_factory=lambda: TimedRule(minutes=10))
    # the issued invoice's PDF to the e-mail address the customer gave for it
    invoice_email: NoticeRule = Field(default_factory=lambda: NoticeRule(channels=["email"]))
    # moving a visit (改约): the customer is asked (an answer is due before the visit);
    # the technician hears the answer, and both hear when the order goes back to dispatch
    delay_requested: NoticeRule = Field(
        default_factory=lambda: NoticeRule(channels=["push", "sms"])
    )
    delay_answered: NoticeRule = Field(default_factory=NoticeRule)
    # a check that finds a visit's moment further past than this sends nothing (a worker
    # that was down for a day does not wake everyone up with stale reminders)
    stale_after_minutes: int = Field(default=6 * 60, ge=15, le=7 * DAY)

    @model_validator(mode="after")
    def _check(self) -> NotificationRules:
        if self.reminder_hour_before.minutes >= self.reminder_day_before.minutes:
            raise ValueError("the early reminder must come before the late one")
        if "email" not in self.invoice_email.channels and self.invoice_email.enabled:
            raise ValueError("the invoice is sent by e-mail: keep the email channel")
        return self
