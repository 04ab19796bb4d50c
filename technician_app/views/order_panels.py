"""The order screen's panels, each for one phase of the visit: the electronic work order
the customer signs, the SOP checklist with its photos, extra items proposed on site, and
the chat with the customer."""

from __future__ import annotations

import flet as ft

from client.models import OrderRead, ServiceRead
from technician_app.components.signature_pad import SignaturePad
from technician_app.components.widgets import (
    GO,
    HUGE,
    MUTED,
    PRIMARY,
    STOP,
    WARN,
    big_button,
    card,
    outline_button,
    text_field,
)
from technician_app.state import TechnicianState, UnsentMessage, in_group, yuan


async def pick_photo() -> bytes | None:
    files = await ft.FilePicker().pick_files(file_type=ft.FilePickerFileType.IMAGE, with_data=True)
    return files[0].bytes if files and files[0].bytes else None


def work_order_panel(
    order: OrderRead,
    service: ServiceRead | None,
    strokes,
    set_strokes,
    sign,  # noqa: ANN001
) -> ft.Control:
    lines = order.price_snapshot.get("lines") or []
    items = [
        ft.Row(
            [
                ft.Text(line.get("label", line.get("code", "")), size=16, expand=True),
                ft.Text(yuan(line.get("amount")), size=16),
            ]
        )
        for line in lines
    ]
    criteria = service.acceptance_criteria_zh if service else ""
    if order.work_order_confirmed_at is not None:
        return card(
            ft.Text(
                "电子工单已确认",
                size=20,
                weight=ft.FontWeight.BOLD,
                color=GO,
                key="work_order_confirmed",
            ),
            ft.Text("工单 PDF 已保存到订单", size=14, color=MUTED),
        )
    return card(
        ft.Text("电子工单（服务前由客户确认）", size=20, weight=ft.FontWeight.BOLD),
        *items,
        ft.Row(
            [
                ft.Text("合计", size=18, weight=ft.FontWeight.BOLD, expand=True),
                ft.Text(yuan(order.total), size=24, weight=ft.FontWeight.BOLD, color=GO),
            ]
        ),
        ft.Text(f"验收标准：{criteria}" if criteria else "", size=15),
        ft.Text("客户可在 APP 中确认，或在下方签名：", size=15, color=MUTED),
        SignaturePad(strokes, set_strokes),
        ft.Row(
            [
                big_button("客户签字确认", sign, key="sign_work_order", color=PRIMARY),
                outline_button(
                    "清除", lambda _e: set_strokes([]), key="clear_signature", expand=False
                ),
            ]
        ),
    )


def sop_panel(state: TechnicianState, order: OrderRead) -> ft.Control:
    steps = order.sop
    next_step = next((s for s in steps if not s.done_at), None)
    rows: list[ft.Control] = [ft.Text("服务步骤 (SOP)", size=22, weight=ft.FontWeight.BOLD)]
    for step in steps:
        done = step.done_at is not None
        rows.append(
            ft.Row(
                [
                    ft.Icon(
                        ft.Icons.CHECK_CIRCLE if done else ft.Icons.RADIO_BUTTON_UNCHECKED,
                        size=32,
                        color=GO if done else MUTED,
                    ),
                    ft.Text(
                        f"{step.no}. {step.title_zh}",
                        size=18,
                        expand=True,
                        weight=ft.FontWeight.BOLD if step is next_step else None,
                    ),
                    ft.Icon(ft.Icons.PHOTO_CAMERA, size=24, color=WARN)
                    if step.photo
                    else ft.Container(),
                ]
            )
        )
    if next_step is not None and in_group(order, "working"):
        no, needs_photo = next_step.no, next_step.photo

        async def tick(_e) -> None:  # noqa: ANN001
            photo = await pick_photo() if needs_photo else None
            if needs_photo and photo is None:
                state.notify("此步骤需要拍照", "error", "sop_photo_required")
                return
            await state.sop_done(order.id, no, photo=photo)

        label = f"拍照并完成第 {no} 步" if needs_photo else f"完成第 {no} 步"
        rows.append(
            ft.Row(
                [
                    big_button(
                        label,
                        tick,
                        key=f"sop_{no}",
                        color=GO,
                        icon=ft.Icons.PHOTO_CAMERA if needs_photo else ft.Icons.CHECK,
                    )
                ]
            )
        )
    done_count = sum(1 for s in steps if s.done_at)
    rows.insert(
        1,
        ft.Text(
            f"{done_count} / {len(steps)}",
            size=HUGE,
            weight=ft.FontWeight.BOLD,
            color=PRIMARY,
            key="sop_progress",
        ),
    )
    return card(*rows)


def extras_panel(state: TechnicianState, order: OrderRead, rate_card, form, propose) -> ft.Control:  # noqa: ANN001
    """Extra items: pick one from the rate card, how many, and why (the customer reads the
    reason when deciding); the photo is taken on submit. ``form``: each field's value and
    setter by name (``code``, ``quantity``, ``reason``)."""
    (code, set_code), (quantity, set_quantity), (reason, set_reason) = (
        form["code"],
        form["quantity"],
        form["reason"],
    )
    requests = state.change_requests.get(order.id, [])
    status_zh = {
        "awaiting_support": "等待平台审核",
        "awaiting_customer": "等待客户确认",
        "answered": "客户已答复",
        "approved": "客户已同意",
        "rejected": "客户已拒绝",
    }
    rows = [
        ft.Text(
            f"{', '.join(f'{i.name or i.code} ×{i.quantity}' for i in r.items)} · "
            f"{yuan(r.total)} · {status_zh.get(r.status, '处理中')}\n"
            f"原因：{'；'.join(i.reason for i in r.items)}",
            size=16,
        )
        for r in requests
    ]
    options = [
        ft.DropdownOption(key=i["code"], text=f"{i['name_zh']} {yuan(i['price'])}")
        for i in rate_card
    ]
    return card(
        ft.Text("增项（需客户确认后生效）", size=20, weight=ft.FontWeight.BOLD),
        ft.Dropdown(
            label="选择增项",
            value=code or None,
            options=options,
            key="extra_item",
            on_select=lambda e: set_code(e.control.value or ""),
        ),
        text_field(
            "数量", quantity, set_quantity, key="extra_quantity", keyboard=ft.KeyboardType.NUMBER
        ),
        text_field("增项原因（客户可见）", reason, set_reason, key="extra_reason", multiline=True),
        ft.Row([outline_button("拍照并提交增项", propose, key="propose_extra", icon=ft.Icons.ADD)]),
        *rows,
        ft.Text(
            "增项功能暂不可用" if "change_requests" in state.unavailable else "",
            size=14,
            color=STOP,
        ),
    )


def chat_panel(state: TechnicianState, order_id: str, text: str, set_text, send) -> ft.Control:  # noqa: ANN001
    messages = state.messages.get(order_id, [])[-8:]
    rows = [
        ft.Text(
            ("我：" if m.sender_role == "technician" else "客户：")
            + m.text
            + (" (待发送)" if isinstance(m, UnsentMessage) else ""),
            size=16,
        )
        for m in messages
    ]
    return card(
        ft.Text("与客户沟通", size=20, weight=ft.FontWeight.BOLD),
        *rows,
        ft.Row(
            [
                ft.Container(text_field("消息", text, set_text, key="chat_input"), expand=True),
                big_button("发送", send, key="chat_send", expand=False, height=56),
            ]
        ),
        ft.Text("聊天功能暂不可用" if "chat" in state.unavailable else "", size=14, color=STOP),
    )
