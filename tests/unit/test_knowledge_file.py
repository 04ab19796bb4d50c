"""The knowledge file is checked against the catalog: a gap or a typo stops the start."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from server.catalog import knowledge
from server.catalog.knowledge import KnowledgeFileError, parse

ASSETS = Path(__file__).resolve().parents[2] / "assets"
CATALOG = yaml.safe_load((ASSETS / "catalog.yaml").read_text(encoding="utf-8"))
DATA = yaml.safe_load((ASSETS / "knowledge.yaml").read_text(encoding="utf-8"))


def test_the_shipped_file_covers_every_service_of_the_catalog():
    kb = knowledge.load()
    codes = {
        s["code"] for c in CATALOG["categories"] for ch in c["children"] for s in ch["services"]
    }
    assert set(kb.entries) == codes
    for entry in kb.entries.values():
        assert 3 <= len(entry.faults) <= 5 and 2 <= len(entry.safety) <= 4
    assert kb.updated_at.tzinfo is UTC


def test_a_service_missing_from_the_file_is_refused():
    data = copy.deepcopy(DATA)
    del data["services"]["ac_repair"]
    with pytest.raises(KnowledgeFileError, match="ac_repair"):
        parse(data, CATALOG)


def test_an_unknown_code_is_refused():
    data = copy.deepcopy(DATA)
    data["services"]["ac_repiar"] = data["services"]["ac_repair"]
    with pytest.raises(KnowledgeFileError, match="ac_repiar"):
        parse(data, CATALOG)


@pytest.mark.parametrize("faults", [[["只有问题"]], [["", "处理"]], "不是列表", [["问题", "处理"]]])
def test_a_malformed_or_thin_fault_list_is_refused(faults):
    data = copy.deepcopy(DATA)
    data["services"]["ac_repair"]["faults"] = faults
    data["categories"]["appliance_repair"]["faults"] = []
    with pytest.raises(KnowledgeFileError, match="ac_repair|fault"):
        parse(data, CATALOG)


def test_a_naive_update_time_is_refused():
    data = copy.deepcopy(DATA)
    data["updated_at"] = datetime(2026, 12, 1)
    with pytest.raises(KnowledgeFileError, match="aware"):
        parse(data, CATALOG)


def test_broken_yaml_fails_loudly(tmp_path):
    bad = tmp_path / "knowledge.yaml"
    bad.write_text("version: 1\nservices: [oops\n", encoding="utf-8")
    with pytest.raises(KnowledgeFileError, match="not YAML"):
        knowledge.load(bad)
