"""Cross-cutting behaviour: idempotency keys, error shape, uploads, request ids."""

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_idempotent_post_replays_the_first_reply(api):
    customer = api.register()
    q = api.quote(customer)
    headers = {"Idempotency-Key": "order-1"}
    first = api.post("/orders", customer, json={"quote_id": q["quote_id"]}, headers=headers)
    second = api.post("/orders", customer, json={"quote_id": q["quote_id"]}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert second.headers.get("idempotent-replay") == "true"
    assert len(api.get("/orders", customer).json()) == 1


def test_idempotency_key_with_another_body_is_refused(api):
    customer = api.register()
    q1, q2 = api.quote(customer), api.quote(customer)
    headers = {"Idempotency-Key": "k"}
    assert api.post("/orders", customer, json={"quote_id": q1["quote_id"]}, headers=headers).status_code == 201
    r = api.post("/orders", customer, json={"quote_id": q2["quote_id"]}, headers=headers)
    assert r.status_code == 409 and r.json()["error"]["code"] == "idempotency_key_reused"


def test_idempotency_keys_are_per_caller(api):
    a, b = api.register(), api.register()
    qa, qb = api.quote(a), api.quote(b)
    headers = {"Idempotency-Key": "same"}
    assert api.post("/orders", a, json={"quote_id": qa["quote_id"]}, headers=headers).status_code == 201
    assert api.post("/orders", b, json={"quote_id": qb["quote_id"]}, headers=headers).status_code == 201


def test_errors_have_one_shape_and_a_request_id(api):
    r = api.client.get("/api/v1/nope")
    assert r.status_code == 404 and set(r.json()["error"]) == {"code", "message", "details"}
    assert r.headers["X-Request-ID"]
    r = api.client.post("/api/v1/auth/login", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error"


def test_upload_limits(api, settings):
    user = api.register()
    r = api.post("/files", user, files={"file": ("x.exe", b"MZ\x90\x00" * 10, "image/png")}, data={"kind": "photo"})
    assert r.status_code == 415 and r.json()["error"]["code"] == "file_type_not_allowed"
    big = PNG + b"\x00" * settings.upload_max_bytes
    r = api.post("/files", user, files={"file": ("big.png", big, "image/png")}, data={"kind": "photo"})
    assert r.status_code == 413
    r = api.post("/files", user, files={"file": ("a.png", PNG, "image/png")}, data={"kind": "weird"})
    assert r.status_code == 422
    r = api.post("/files", user, files={"file": ("a.png", PNG, "image/png")}, data={"kind": "photo"})
    assert r.status_code == 201
    file_id = r.json()["id"]
    assert api.get(f"/files/{file_id}", user).content == PNG
    stranger = api.register()
    assert api.get(f"/files/{file_id}", stranger).status_code == 404
    assert api.get(f"/files/{file_id}").status_code == 401


def test_catalog_search_and_tree(api):
    tree = api.get("/catalog/categories").json()
    assert len(tree) >= 12
    assert all(node["children"] for node in tree)
    services = [s for node in tree for child in node["children"] for s in child["services"]]
    assert len(services) >= 40
    hits = api.get("/catalog/services", params={"q": "擦玻璃"}).json()
    assert hits and any("window" in h["code"] for h in hits)
    by_cat = api.get("/catalog/services", params={"category_id": tree[0]["id"]}).json()
    assert by_cat and all(s["top_category_id"] == tree[0]["id"] for s in by_cat)
    detail = api.get(f"/catalog/services/{hits[0]['id']}").json()
    assert detail["sop"] and detail["sop"][0]["no"] == 1
    assert api.get("/catalog/services/svc_nope").status_code == 404


def test_newborn_care_requires_maternity_certificate(api):
    services = api.get("/catalog/services", params={"q": "新生儿"}).json()
    assert services
    detail = api.get(f"/catalog/services/{services[0]['id']}").json()
    assert "maternity_nurse" in detail["certificates"]


def test_idempotency_key_survives_a_token_refresh(api):
    """The offline queue replays with fresh tokens: the key is the user's, not the header's."""
    customer = api.register()
    q = api.quote(customer)
    headers = {"Idempotency-Key": "offline-1"}
    first = api.post("/orders", customer, json={"quote_id": q["quote_id"]}, headers=headers)
    refreshed = api.post("/auth/refresh", json={"refresh_token": customer["refresh_token"]}).json()
    again = api.client.post("/api/v1/orders", json={"quote_id": q["quote_id"]},
                            headers={**headers, "Authorization": f"Bearer {refreshed['access_token']}"})
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
