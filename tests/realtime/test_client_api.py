"""The shared API client against the in-process server (ASGI transport, no sockets)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from client import ApiError, BadReplyError, DoorstepClient, NetworkError, Session
from server.auth.consent import POLICY_VERSION


def _client(app, **kwargs) -> DoorstepClient:  # noqa: ANN001
    return DoorstepClient("http://testserver", transport=httpx.ASGITransport(app=app), **kwargs)


async def _sign_up(c: DoorstepClient, phone: str) -> None:
    code = (await c.request_phone_code(phone)).sandbox_code
    await c.register(
        phone=phone,
        password="correct horse",
        name="客户",
        role="customer",
        code=code,
        accepted_policy_version=POLICY_VERSION,
    )


async def test_register_login_quote_order_and_errors(app, clock) -> None:  # noqa: ANN001
    saved: list[dict] = []
    async with _client(app, on_session_change=lambda s: saved.append(s.to_dict())) as c:
        sent = await c.request_phone_code("13900000001")
        assert sent.expires_in == 600 and sent.sandbox_code
        reply = await c.register(
            phone="13900000001",
            password="correct horse",
            name="客户",
            role="customer",
            code=sent.sandbox_code,
            accepted_policy_version=POLICY_VERSION,
        )
        assert c.session.signed_in and c.session.role == "customer"
        assert saved and saved[-1]["access_token"] == reply.access_token
        assert saved[-1]["user"]["id"] == reply.user.id  # the user kept as JSON
        me = await c.me()
        assert me.id == c.session.user_id and c.session.user == me
        assert any(s.id == "svc_daily_cleaning" for s in await c.services())
        quote = await c.quote(
            service_id="svc_daily_cleaning",
            address={"lat": 39.93, "lng": 116.45, "text": "朝阳区某路1号", "district": "三里屯"},
            scheduled_start=clock.now() + timedelta(hours=26),
        )
        order = await c.create_order(quote_id=quote.quote_id, idempotency_key="k-order-1")
        again = await c.create_order(quote_id=quote.quote_id, idempotency_key="k-order-1")
        assert again == order  # same key, same reply
        assert [o.id for o in await c.orders()] == [order.id]
        with pytest.raises(ApiError) as err:
            await c.order("ord_does_not_exist")
        assert err.value.status == 404 and err.value.code
        with pytest.raises(ApiError) as err:
            await c.login(phone="13900000001", password="wrong password")
        assert err.value.status == 401


async def test_expired_access_token_is_refreshed_once(app, clock) -> None:  # noqa: ANN001
    async with _client(app) as c:
        await _sign_up(c, "13900000002")
        old = c.session.access_token
        clock.advance(minutes=app.state.settings.access_token_minutes + 1)
        me = await c.me()  # 401 token_expired → refresh → retry
        assert me.id == c.session.user_id
        assert c.session.access_token != old


async def test_session_round_trips_and_bad_refresh_clears_it(app) -> None:  # noqa: ANN001
    async with _client(app) as c:
        await _sign_up(c, "13900000003")
        restored = Session.from_dict(c.session.to_dict())
    async with _client(app, session=restored) as c2:
        assert restored.user is not None and restored.user == c.session.user
        assert (await c2.me()).id == restored.user_id
        c2.session.refresh_token = "garbage"
        with pytest.raises(ApiError):
            await c2.refresh()
        assert not c2.session.signed_in


async def test_connection_refused_is_network_error() -> None:
    async with DoorstepClient("http://127.0.0.1:9", timeout=2) as c:
        with pytest.raises(NetworkError) as err:
            await c.services()
        assert err.value.maybe_delivered is False


def test_ws_url() -> None:
    assert DoorstepClient("https://x.example/").ws_url() == "wss://x.example/api/v1/ws"
    assert DoorstepClient("http://h:8000/api/v1").ws_url() == "ws://h:8000/api/v1/ws"


async def test_places_and_saved_addresses_through_the_client(app) -> None:  # noqa: ANN001
    async with _client(app) as c:
        await _sign_up(c, "13900000009")
        found = await c.search_places("三里屯", near=(39.93, 116.45))
        assert found and "三里屯" in found[0].name
        here = await c.place_at(found[0].lat, found[0].lng)
        assert "三里屯" in here.name and here.district == "三里屯"
        saved = await c.save_address(
            {
                "label": "家",
                "text": here.name,
                "lat": here.lat,
                "lng": here.lng,
                "district": here.district,
                "detail": "3号楼2单元502",
            }
        )
        assert [a.id for a in await c.saved_addresses()] == [saved.id]
        moved = await c.update_address(
            saved.id, {**saved.model_dump(mode="json"), "detail": "5号楼"}
        )
        assert moved.detail == "5号楼"
        await c.delete_address(saved.id)
        assert await c.saved_addresses() == []
        with pytest.raises(ApiError) as err:
            await c.place_at(91, 0)
        assert err.value.status == 422 and err.value.code == "coordinates_invalid"


async def test_a_reply_the_models_do_not_describe_is_a_bad_reply_error() -> None:
    """A server (or a proxy in front of it) answering with something else: a clear,
    non-retryable ``bad_reply`` naming the route and the model, never a crash in a view."""

    def reply(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/catalog/services"):
            return httpx.Response(200, json={"not": "a list"})
        return httpx.Response(200, json={"id": "ord_1", "status": "ACCEPTED"})

    async with DoorstepClient("http://x", transport=httpx.MockTransport(reply)) as c:
        with pytest.raises(BadReplyError) as err:
            await c.order("ord_1")
        assert err.value.code == "bad_reply" and not err.value.retryable
        assert err.value.details["path"] == "/orders/ord_1"
        assert err.value.details["expected"] == "OrderRead" and err.value.details["errors"]
        with pytest.raises(BadReplyError) as err:
            await c.services()
        assert err.value.details["expected"] == "list[ServiceSummary]"


def test_a_stored_user_that_no_longer_reads_is_dropped_not_fatal() -> None:
    restored = Session.from_dict(
        {"access_token": "a", "refresh_token": "r", "user": {"id": "usr_1"}}
    )
    assert restored.signed_in and restored.user is None and restored.refresh_token == "r"
