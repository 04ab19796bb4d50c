"""Onboarding: profile, skills, service area, availability, certificate photos, and a
clear "waiting for verification" state until an operator approves."""

from __future__ import annotations

from typing import Any

import flet as ft

from client.models import CertificateRead
from technician_app.components.hooks import use_stable
from technician_app.components.widgets import (
    GO,
    WARN,
    big_button,
    card,
    outline_button,
    text_field,
)
from technician_app.context import use_app
from technician_app.i18n import local_name, t
from technician_app.state import VERIFICATION_LABELS
from technician_app.views.area_editor import CITY_CENTER, AreaEditor, polygon_unfinished

CERTIFICATE_STATUSES = ("pending", "verified", "rejected", "expired")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@ft.component
def Onboarding():  # noqa: ANN201
    state = use_app("me", "live")
    lang = state.session.lang
    profile = state.me.profile
    listed_skills: list[str] = list(profile.skills) if profile else []
    skills, set_skills = ft.use_state(listed_skills)
    # What was typed or picked last, for "save": a tap can arrive before the re-render that
    # carries the last keystroke into this function's locals.
    latest = use_stable(dict[str, Any])

    def kept(name: str, value: object) -> tuple:  # noqa: ANN202
        current, setter = ft.use_state(value)

        def set_value(new: object) -> None:
            latest[name] = new
            setter(new)

        return latest.get(name, current), set_value

    bio, set_bio = kept("bio", profile.bio if profile else "")
    years, set_years = kept("years", str(profile.experience_years or "") if profile else "")
    hours, set_hours = kept("hours", "08:00-20:00")
    cert_type, set_cert_type = ft.use_state("health")
    cert_no, set_cert_no = ft.use_state("")

    def load_choices():  # noqa: ANN202
        ft.context.page.run_task(state.load_onboarding_choices)

    ft.use_effect(load_choices, [])
    skill_choices = state.onboarding_choices("skills")
    certificate_choices = state.onboarding_choices("certificate_types")

    def toggle(code: str):  # noqa: ANN202
        return lambda _e: set_skills(
            lambda cur: [s for s in cur if s != code] if code in cur else [*cur, code]
        )

    async def save(_e) -> None:  # noqa: ANN001
        now = {
            "bio": bio,
            "years": years,
            "hours": hours,
            "area": {"center": state.live.location or CITY_CENTER, "radius_km": 10.0},
            **latest,
        }
        if polygon_unfinished(now["area"]):
            state.notify(
                t(lang, "onboarding.polygon_short"), "error", "service_area_polygon_invalid"
            )
            return
        typed_years = str(now["years"])
        ok = await state.save_profile(
            skills=skills,
            bio=now["bio"],
            experience_years=int(typed_years) if typed_years.isdigit() else None,
        )
        ok = await state.save_service_area(**now["area"]) and ok
        start, _, end = str(now["hours"]).partition("-")
        ok = (
            await state.save_availability(
                weekly={d: [[start.strip(), end.strip()]] for d in WEEKDAYS}
            )
            and ok
        )
        if ok:
            state.notify(t(lang, "onboarding.saved"), "success")

    async def upload(_e) -> None:  # noqa: ANN001
        files = await ft.FilePicker().pick_files(
            file_type=ft.FilePickerFileType.IMAGE, with_data=True
        )
        if files and files[0].bytes:
            name = files[0].name or "certificate.jpg"
            ctype = "image/png" if name.lower().endswith(".png") else "image/jpeg"
            await state.upload_certificate(
                cert_type=cert_type,
                data=files[0].bytes,
                number=cert_no,
                filename=name,
                content_type=ctype,
            )

    async def recheck(_e) -> None:  # noqa: ANN001
        await state.refresh()

    status = state.verification_stage
    note = profile.verification_note if profile else ""
    waiting = card(
        ft.Text(
            VERIFICATION_LABELS[lang].get(status, t(lang, "verification.pending")),
            size=28,
            weight=ft.FontWeight.BOLD,
            color=WARN,
            key="verification_status",
        ),
        ft.Text(
            _verification_explained(lang, status, note),
            size=16,
            key="verification_explained",
        ),
        ft.Row(
            [outline_button(t(lang, "onboarding.recheck"), recheck, key="verification_refresh")]
        ),
    )
    skill_chips = ft.Row(
        [
            ft.Chip(
                label=ft.Text(local_name(lang, skill.name_zh, skill.name_en), size=16),
                selected=skill.code in skills,
                on_select=toggle(skill.code),
                key=f"skill_{skill.code}",
            )
            for skill in skill_choices
        ],
        wrap=True,
        spacing=8,
    )
    certs = [ft.Text(_certificate_line(lang, c), size=16) for c in state.me.certificates]
    return ft.Column(
        [
            waiting,
            card(
                ft.Text(t(lang, "onboarding.skills"), size=20, weight=ft.FontWeight.BOLD),
                skill_chips
                if skill_choices
                else ft.Text(t(lang, "onboarding.skills_loading"), size=16, key="skills_loading"),
                text_field(
                    t(lang, "onboarding.years"),
                    years,
                    set_years,
                    key="profile_years",
                    keyboard=ft.KeyboardType.NUMBER,
                ),
                text_field(
                    t(lang, "onboarding.bio"), bio, set_bio, key="profile_bio", multiline=True
                ),
            ),
            card(
                ft.Text(t(lang, "onboarding.area"), size=20, weight=ft.FontWeight.BOLD),
                AreaEditor(lambda area: latest.update(area=area)),
                text_field(t(lang, "onboarding.hours"), hours, set_hours, key="availability_hours"),
            ),
            ft.Row([big_button(t(lang, "onboarding.save"), save, key="profile_save", color=GO)]),
            card(
                ft.Text(t(lang, "onboarding.certificates"), size=20, weight=ft.FontWeight.BOLD),
                ft.Dropdown(
                    label=t(lang, "onboarding.cert_type"),
                    value=cert_type,
                    key="cert_type",
                    options=[
                        ft.DropdownOption(key=c.code, text=local_name(lang, c.name_zh, c.name_en))
                        for c in certificate_choices
                    ],
                    on_select=lambda e: set_cert_type(e.control.value or "health"),
                ),
                text_field(
                    t(lang, "onboarding.cert_number"), cert_no, set_cert_no, key="cert_number"
                ),
                ft.Row(
                    [
                        outline_button(
                            t(lang, "onboarding.cert_upload"),
                            upload,
                            key="cert_upload",
                            icon=ft.Icons.PHOTO_CAMERA,
                        )
                    ]
                ),
                *certs,
            ),
        ],
        spacing=14,
    )


def _verification_explained(lang: str, status: str, note: str) -> str:
    """What the verification stage means for the technician, with the operator's note."""
    if status == "suspended":
        text = t(lang, "onboarding.suspended")
    elif status == "not_submitted":
        text = t(lang, "onboarding.not_submitted")
    else:
        text = t(lang, "onboarding.reviewing")
    if note:
        key = "onboarding.suspension_reason" if status == "suspended" else "onboarding.review_note"
        text += "\n" + t(lang, key, note=note)
    return text


def _certificate_line(lang: str, cert: CertificateRead) -> str:
    """A submitted certificate: its type and where its review stands."""
    name = local_name(lang, cert.type_name_zh, cert.type_name_en)
    known = cert.status in CERTIFICATE_STATUSES
    status = t(lang, f"certificate.{cert.status}" if known else "certificate.other")
    return f"{name or t(lang, 'onboarding.certificate')} · {status}"
