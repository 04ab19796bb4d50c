"""Walk one order by hand through every state to COMPLETED, over the HTTP API.

Registers a customer and a technician, has the operator verify the technician, books
and pays an order through the sandbox, lets dispatch offer it (or claims it from the
pool), then works it: depart, check in at the door, work order confirmed by the
customer, every SOP step (photos where needed), finish, customer confirms. Prints the
order's timeline at the end. Needs a running server (`doorstep serve`) with an operator
account (`doorstep seed-demo` makes 13600000001 / staff1234).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import struct
import sys
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from client.api import ApiError, DoorstepClient  # noqa: E402
from client.models import TokenPair  # noqa: E402

ADDRESS = {
    "lat": 39.9334,
    "lng": 116.4540,
    "text": "朝阳区三里屯路19号院3号楼2单元501",
    "district": "三里屯",
}


def tiny_png() -> bytes:
    """A valid 1×1 PNG (photos and certificate scans need real image bytes)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x80\x00"))
        + chunk(b"IEND", b"")
    )


def phone() -> str:
    return "135" + "".join(random.choice("0123456789") for _ in range(8))


async def sign_up(client: DoorstepClient, *, name: str, role: str) -> TokenPair:
    """Sign-up proves the phone with a texted code: the sandbox SMS provider hands it back
    (a server with a real gateway cannot be walked by a script)."""
    number = phone()
    sent = await client.request_phone_code(number)
    if not sent.sandbox_code:
        raise SystemExit("this server texts real codes: walk it with the sandbox SMS provider")
    # a customer signs up having agreed to the current 用户协议 and 隐私政策
    version = (await client.policies(role)).version
    return await client.register(
        phone=number,
        password="walk-the-order",
        name=name,
        role=role,
        code=sent.sandbox_code,
        accepted_policy_version=version,
    )


async def walk(
    server: str, operator_phone: str, operator_password: str, wait_seconds: float
) -> int:
    async with (
        DoorstepClient(server) as operator,
        DoorstepClient(server) as customer,
        DoorstepClient(server) as tech,
    ):
        await operator.login(phone=operator_phone, password=operator_password)
        await sign_up(customer, name="走单客户", role="customer")
        me = await sign_up(tech, name="走单师傅", role="technician")
        tech_id = me.user.id
        print(f"customer and technician registered ({tech_id})")

        await tech.update_profile(
            gender="female", experience_years=5, skills=["cleaning"], bio="日常保洁五年"
        )
        await tech.set_service_area(
            center={"lat": ADDRESS["lat"], "lng": ADDRESS["lng"]}, radius_km=5, max_distance_km=10
        )
        await tech.set_availability(
            weekly={
                d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
            }
        )
        scan = await tech.upload(
            tiny_png(), kind="certificate", filename="health.png", content_type="image/png"
        )
        expires = (datetime.now(UTC) + timedelta(days=365)).date().isoformat()
        await tech.add_certificate(
            type="health", file_id=scan.id, number="JK-2026-001", expires_on=expires
        )
        await operator.ops_verify_technician(tech_id, decision="approve", note="证件齐全")
        await tech.send_location(
            [
                {
                    "lat": ADDRESS["lat"] + 0.003,
                    "lng": ADDRESS["lng"],
                    "occurred_at": datetime.now(UTC).isoformat(),
                }
            ]
        )
        await tech.set_status(online=True)
        print("technician verified by the operator and online")

        start = datetime.now(UTC) + timedelta(hours=3)
        quote = await customer.quote(
            service_id="svc_daily_cleaning",
            address=ADDRESS,
            scheduled_start=start.isoformat(),
            units=2,
        )
        print(
            "quote:",
            ", ".join(f"{line.label} ¥{line.amount / 100:.2f}" for line in quote.lines),
            f"= ¥{quote.total / 100:.2f}",
        )
        order = await customer.create_order(quote_id=quote.quote_id, notes="请带鞋套")
        order_id = order.id
        payment = await customer.pay(order_id, provider="sandbox", method="wechat")
        await customer.sandbox_approve(payment.payment_id)
        print(f"order {order_id} paid")

        taken = False
        now = asyncio.get_running_loop().time
        deadline = now() + wait_seconds
        pool_after = now() + wait_seconds / 2  # wait for an offer first: it walks OFFERED too
        while not taken and now() < deadline:
            for offer in await tech.offers():
                if offer.order_id == order_id:
                    await tech.accept_offer(offer.offer_id)
                    print("dispatch offered the order; the technician accepted")
                    taken = True
            if (
                not taken
                and now() > pool_after
                and any(item.order_id == order_id for item in await tech.pool())
            ):
                await tech.claim(order_id)
                print("the technician claimed the order from the pool")
                taken = True
            if not taken:
                await asyncio.sleep(1)
        if not taken:
            print(
                "dispatch did not offer the order to this technician in time (is the server's "
                "dispatch loop on, and is another technician nearer?)",
                file=sys.stderr,
            )
            return 1

        await tech.depart(order_id)
        try:
            await tech.arrive(order_id, lat=ADDRESS["lat"] + 0.01, lng=ADDRESS["lng"])
        except ApiError as refused:
            print(f"check-in 1.1 km away refused: {refused.code} ({refused.message})")
        await tech.arrive(order_id, lat=ADDRESS["lat"] + 0.0003, lng=ADDRESS["lng"])
        await customer.confirm_work_order(order_id)
        order = await tech.start(order_id)
        for step in order.sop:
            photo = None
            if step.photo:
                photo = (
                    await tech.upload(
                        tiny_png(),
                        kind="photo",
                        filename=f"step{step.no}.png",
                        content_type="image/png",
                        order_id=order_id,
                    )
                ).id
            await tech.sop_done(order_id, step.no, photo_file_id=photo)
        await tech.finish(order_id)
        order = await customer.confirm(order_id)
        print(f"order status: {order.status}")
        print("timeline:")
        for event in await customer.order_events(order_id):
            print(
                f"  {event.seq:>2}  {event.type:<32} {event.actor_role:<10} "
                f"{event.occurred_at.isoformat()}"
            )
        return 0 if order.status == "COMPLETED" else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="http://127.0.0.1:8000")
    parser.add_argument("--operator-phone", default="13600000001")
    parser.add_argument("--operator-password", default="staff1234")
    parser.add_argument("--wait", type=float, default=90.0, help="seconds to wait for dispatch")
    args = parser.parse_args()
    raise SystemExit(
        asyncio.run(walk(args.server, args.operator_phone, args.operator_password, args.wait))
    )


if __name__ == "__main__":
    main()
