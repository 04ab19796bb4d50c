"""The knowledge base through the API: the list with versions, an article whose SOP is
the catalog's, search that finds a fault, and who may read it."""

from __future__ import annotations

import pytest


@pytest.fixture
def tech(api):  # noqa: ANN001, ANN201
    return api.register("technician", "李师傅")


def test_the_list_has_every_active_service_with_a_version(api, tech):
    r = api.get("/knowledge", tech)
    assert r.status_code == 200, r.text
    articles = r.json()
    services = api.get("/catalog/services").json()
    assert [a["service_id"] for a in articles] == [s["id"] for s in services]
    assert all(len(a["version"]) == 16 and a["updated_at"].endswith("Z") for a in articles)
    assert len({a["version"] for a in articles}) == len(articles)


def test_an_article_takes_its_sop_from_the_catalog(api, tech):
    r = api.get("/knowledge/svc_ac_repair", tech)
    assert r.status_code == 200, r.text
    article = r.json()
    service = api.get("/catalog/services/svc_ac_repair").json()
    assert article["sop"] == service["sop"]
    assert article["name_zh"] == "空调维修" and article["category_zh"] == "家电维修"
    assert 3 <= len(article["faults"]) <= 5 and 2 <= len(article["safety"]) <= 4
    assert any("漏水" in f["problem"] for f in article["faults"])
    listed = {a["service_id"]: a["version"] for a in api.get("/knowledge", tech).json()}
    assert listed["svc_ac_repair"] == article["version"]


@pytest.mark.parametrize(
    ("q", "first", "hint_has"),
    [
        ("空调 漏水", "svc_ac_repair", "漏水"),
        ("马桶堵了", "svc_toilet_unclog", None),
        ("新生儿黄疸", "svc_maternity_nurse_26d", "黄疸"),
        ("漏电 跳闸", "svc_circuit_repair", "跳闸"),
        ("燃气 检漏", "svc_gas_appliance_repair", None),
    ],
)
def test_search_finds_the_article_with_the_fault(api, tech, q, first, hint_has):
    r = api.get("/knowledge", tech, params={"q": q})
    assert r.status_code == 200, r.text
    found = r.json()
    assert found and found[0]["service_id"] == first, [a["service_code"] for a in found]
    if hint_has:
        assert hint_has in found[0]["hint"]


def test_search_without_an_answer_is_empty(api, tech):
    r = api.get("/knowledge", tech, params={"q": "量子计算机"})
    assert r.status_code == 200 and r.json() == []


def test_only_technicians_and_staff_read_it(api, tech):
    customer = api.register("customer", "赵女士")
    assert api.get("/knowledge").status_code == 401
    r = api.get("/knowledge", customer)
    assert r.status_code == 403 and r.json()["error"]["code"] == "role_forbidden"
    assert api.get("/knowledge/svc_ac_repair", customer).status_code == 403
    assert api.get("/knowledge/svc_ac_repair", api.staff("support")).status_code == 200
    assert api.get("/knowledge", api.staff("operator")).status_code == 200


def test_an_unknown_service_is_not_found(api, tech):
    r = api.get("/knowledge/svc_nothing", tech)
    assert r.status_code == 404 and r.json()["error"]["code"] == "service_not_found"


def test_a_service_loaded_after_start_has_no_article_yet(api, tech):
    from server.catalog.models import Service
    from tests.unit_of_work import unit_of_work

    with unit_of_work(api.app) as uow:
        row = uow.session.get(Service, "svc_ac_repair")
        data = {**row.model_dump(), "id": "svc_new_thing", "code": "new_thing", "position": 99}
        uow.session.add(Service(**data))
    r = api.get("/knowledge/svc_new_thing", tech)
    assert r.status_code == 404 and r.json()["error"]["code"] == "knowledge_not_found"
    assert "svc_new_thing" not in {a["service_id"] for a in api.get("/knowledge", tech).json()}
