"""The ceiling for bench/load.py: the least a booking API could do per request.

A FastAPI + SQLModel app whose one endpoint reads a JSON body, INSERTs one row and
commits, on the same database, engine settings (``server.core.db.make_engine``) and
uvicorn settings as the real server. Bookings per second are reported as a share of
this app's inserts per second, measured in the same run.

    DOORSTEP_DATABASE_URL=sqlite:///x.db uvicorn bench.ceiling_app:app
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from fastapi import FastAPI
from pydantic import BaseModel
from sqlmodel import Field, Session, SQLModel

from server.core.db import make_engine


class CeilingRow(SQLModel, table=True):
    __tablename__ = "bench_ceiling_row"

    id: int | None = Field(default=None, primary_key=True)
    customer: str = Field(max_length=40)
    created_at: datetime


class InsertIn(BaseModel):
    customer: str


engine = make_engine(os.environ["DOORSTEP_DATABASE_URL"])
CeilingRow.metadata.create_all(engine, tables=[CeilingRow.__table__])  # type: ignore[attr-defined]
app = FastAPI()


@app.post("/insert", status_code=201)
def insert(body: InsertIn) -> dict[str, int]:
    with Session(engine) as session:
        row = CeilingRow(customer=body.customer, created_at=datetime.now(UTC))
        session.add(row)
        session.commit()
        assert row.id is not None
        return {"id": row.id}


@app.get("/readyz")
def ready() -> dict[str, str]:
    return {"status": "ready"}
