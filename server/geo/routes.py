"""Address search for booking and for a technician's service area."""

from __future__ import annotations

from fastapi import Query, Request
from pydantic import BaseModel

from server.auth.dependencies import CipherDep, CurrentUser, CustomerUser
from server.core.deps import SettingsDep, UowDep
from server.core.errors import NotFound, Unprocessable
from server.core.ratelimit import enforce
from server.core.routing import api_router
from server.geo import addresses, service
from server.geo.models import SavedAddressIn, SavedAddressRead

router = api_router(tags=["geo"])


class PlaceRead(BaseModel):
    name: str
    address: str
    district: str
    lat: float  # WGS-84
    lng: float


def _near(near: str | None) -> tuple[float, float] | None:
    if not near:
        return None
    try:
        lat, lng = (float(part) for part in near.split(","))
    except ValueError as exc:
        raise Unprocessable(
            "near is lat,lng", code="coordinates_invalid", details={"near": near}
        ) from exc
    return lat, lng


def _metered(request: Request, user_id: str) -> None:
    """Address search spends the provider's quota: a user gets ``geocoder_requests_per_minute``."""
    settings = request.app.state.settings
    enforce(
        request.app.state.rate_limiter,
        f"geo:{user_id}",
        limit=settings.geocoder_requests_per_minute,
        window_seconds=60,
    )


@router.get("/geo/search", response_model=list[PlaceRead])
def search(
    request: Request,
    user: CurrentUser,
    settings: SettingsDep,
    q: str = Query(min_length=1, max_length=100),
    near: str | None = Query(default=None, max_length=60, description="lat,lng to rank by"),
    limit: int = Query(default=10, ge=1, le=20),
) -> list[PlaceRead]:
    """Places whose name, alias or pinyin matches ``q``, for autocomplete."""
    _metered(request, user.id)
    places = service.search(settings, q, _near(near), limit)
    return [PlaceRead(**vars(p)) for p in places]


@router.get("/geo/reverse", response_model=PlaceRead)
def reverse(
    request: Request, user: CurrentUser, settings: SettingsDep, lat: float, lng: float
) -> PlaceRead:
    """The named place at a point (the customer's "use my location", a dropped pin)."""
    _metered(request, user.id)
    place = service.reverse(settings, lat, lng)
    if place is None:
        raise NotFound("no named place near this point", code="place_not_found")
    return PlaceRead(**vars(place))


# --- saved addresses ----------------------------------------------------------------------


@router.get("/me/addresses", response_model=list[SavedAddressRead])
def list_addresses(user: CustomerUser, uow: UowDep, cipher: CipherDep) -> list[SavedAddressRead]:
    return [addresses.to_read(r, cipher) for r in addresses.list_for(uow, customer=user)]


@router.post("/me/addresses", response_model=SavedAddressRead, status_code=201)
def add_address(
    body: SavedAddressIn, user: CustomerUser, uow: UowDep, cipher: CipherDep
) -> SavedAddressRead:
    row = addresses.add(uow, customer=user, body=body)
    return addresses.to_read(row, cipher)


@router.put("/me/addresses/{address_id}", response_model=SavedAddressRead)
def replace_address(
    address_id: str, body: SavedAddressIn, user: CustomerUser, uow: UowDep, cipher: CipherDep
) -> SavedAddressRead:
    row = addresses.replace(uow, customer=user, address_id=address_id, body=body)
    return addresses.to_read(row, cipher)


@router.delete("/me/addresses/{address_id}", status_code=204)
def remove_address(address_id: str, user: CustomerUser, uow: UowDep) -> None:
    addresses.remove(uow, customer=user, address_id=address_id)
