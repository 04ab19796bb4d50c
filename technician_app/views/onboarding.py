"""Onboarding: profile, skills, service area, availability, certificate photos, and a
clear "waiting for verification" state until an operator approves."""

from __future__ import annotations

from typing import Any

import flet as ft

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
from technician_app.state import VERIFICATION_LABELS
from technician_app.views.area_editor import CITY_CENTER, AreaEditor, polygon_unfinished

CERTIFICATE_STATUS = {
    "pending": "待审核",
    "verified": "已通过",
    "rejected": "未通过",
    "expired": "已过期",
}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@ft.component
def Onboarding():  # noqa: ANN201
    state = use_app()
    profile = state.profile
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
            "area": {"center": state.location or CITY_CENTER, "radius_km": 10.0},
            **latest,
        }
        if polygon_unfinished(now["area"]):
            state.notify("服务范围至少要点3个点", "error", "service_area_polygon_invalid")
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
            state.notify("资料已保存，等待平台审核", "success")

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
            VERIFICATION_LABELS.get(status, "资料审核中"),
            size=28,
            weight=ft.FontWeight.BOLD,
            color=WARN,
            key="verification_status",
        ),
        ft.Text(
            (
                "你的账号已暂停接单：期间不会收到新订单，已接的订单已交回平台重新派单。"
                "如有疑问请联系运营；恢复后会通知你，上线即可接单。"
                if status == "suspended"
                else "请选择技能、设置服务区域与时间并保存，再上传证书照片；"
                "提交后平台会在 1-3 个工作日内审核。"
                if status == "not_submitted"
                else "平台会在 1-3 个工作日内审核你的资料与证书；审核通过后即可上线接单。"
            )
            + (f"\n{'暂停原因' if status == 'suspended' else '审核意见'}：{note}" if note else ""),
            size=16,
            key="verification_explained",
        ),
        ft.Row([outline_button("刷新审核状态", recheck, key="verification_refresh")]),
    )
    skill_chips = ft.Row(
        [
            ft.Chip(
                label=ft.Text(skill.name_zh, size=16),
                selected=skill.code in skills,
                on_select=toggle(skill.code),
                key=f"skill_{skill.code}",
            )
            for skill in skill_choices
        ],
        wrap=True,
        spacing=8,
    )
    certs = [
        ft.Text(
            f"{c.type_name_zh or '证书'} · {CERTIFICATE_STATUS.get(c.status, '处理中')}", size=16
        )
        for c in state.certificates
    ]
    return ft.Column(
        [
            waiting,
            card(
                ft.Text("1. 技能", size=20, weight=ft.FontWeight.BOLD),
                skill_chips
                if skill_choices
                else ft.Text("正在读取技能列表…", size=16, key="skills_loading"),
                text_field(
                    "从业年限",
                    years,
                    set_years,
                    key="profile_years",
                    keyboard=ft.KeyboardType.NUMBER,
                ),
                text_field("个人简介", bio, set_bio, key="profile_bio", multiline=True),
            ),
            card(
                ft.Text("2. 服务区域与时间", size=20, weight=ft.FontWeight.BOLD),
                AreaEditor(lambda area: latest.update(area=area)),
                text_field("每天可接单时间", hours, set_hours, key="availability_hours"),
            ),
            ft.Row([big_button("保存资料", save, key="profile_save", color=GO)]),
            card(
                ft.Text("3. 证书照片", size=20, weight=ft.FontWeight.BOLD),
                ft.Dropdown(
                    label="证书类型",
                    value=cert_type,
                    key="cert_type",
                    options=[
                        ft.DropdownOption(key=c.code, text=c.name_zh) for c in certificate_choices
                    ],
                    on_select=lambda e: set_cert_type(e.control.value or "health"),
                ),
                text_field("证书编号", cert_no, set_cert_no, key="cert_number"),
                ft.Row(
                    [
                        outline_button(
                            "拍照/选择证书照片上传",
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
