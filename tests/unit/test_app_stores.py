"""The apps' feature stores: a change reaches the screens that follow that store, once
per step, and no others."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from client.store import Store, StoreSet


class Counter(Store):
    name = "counter"

    def __init__(self) -> None:
        super().__init__()
        self.count = 0
        self.items: list[int] = []


class Words(Store):
    name = "words"

    def __init__(self) -> None:
        super().__init__()
        self.text = ""


def make() -> tuple[Counter, Words, StoreSet]:
    counter, words = Counter(), Words()
    return counter, words, StoreSet([counter, words])


def test_only_the_changed_store_is_told() -> None:
    counter, words, stores = make()
    told: list[str] = []
    stores.subscribe(lambda: told.append("counter screen"), ["counter"])
    stores.subscribe(lambda: told.append("words screen"), ["words"])
    counter.count = 1
    stores.flush()
    assert told == ["counter screen"]
    words.text = "hello"
    stores.flush()
    assert told == ["counter screen", "words screen"]


def test_a_screen_of_two_changed_stores_is_told_once_per_step() -> None:
    counter, words, stores = make()
    told: list[int] = []
    stores.subscribe(lambda: told.append(1), ["counter", "words"])
    counter.count, words.text = 2, "two"
    stores.flush()
    stores.flush()  # nothing changed since
    assert told == [1]


def test_writing_the_same_value_is_no_change_and_in_place_needs_a_touch() -> None:
    counter, _, stores = make()
    told: list[int] = []
    stores.subscribe(lambda: told.append(1), ["counter"])
    items = counter.items
    counter.items = items  # the same list
    counter.count = 0  # an equal value
    counter.items = []  # an equal list
    counter.items.append(3)  # in place: not seen by itself
    stores.flush()
    assert told == []
    stores.flush(counter)  # the step says what it changed in place
    assert told == [1]


def test_unsubscribed_screens_and_unknown_stores() -> None:
    counter, _, stores = make()
    told: list[int] = []
    dispose = stores.subscribe(lambda: told.append(1), ["counter", "words"])
    dispose()
    counter.count = 5
    stores.flush()
    assert told == []
    with pytest.raises(KeyError):
        stores.subscribe(lambda: None, ["nowhere"])


def test_a_broken_listener_does_not_stop_the_others() -> None:
    counter, _, stores = make()
    told: list[int] = []

    def broken() -> None:
        raise RuntimeError("a screen failed")

    stores.subscribe(broken, ["counter"])
    stores.subscribe(lambda: told.append(1), ["counter"])
    counter.count = 1
    stores.flush()
    assert told == [1]


@given(st.lists(st.tuples(st.sampled_from(["counter", "words", "both", "none"]), st.booleans())))
def test_every_listener_hears_exactly_the_steps_that_changed_its_stores(
    steps: list[tuple[str, bool]],
) -> None:
    counter, words, stores = make()
    heard = {"counter": 0, "words": 0, "both": 0, "all": 0}
    stores.subscribe(lambda: heard.__setitem__("counter", heard["counter"] + 1), ["counter"])
    stores.subscribe(lambda: heard.__setitem__("words", heard["words"] + 1), ["words"])
    stores.subscribe(lambda: heard.__setitem__("both", heard["both"] + 1), ["counter", "words"])
    stores.subscribe(lambda: heard.__setitem__("all", heard["all"] + 1))
    expected = {"counter": 0, "words": 0, "both": 0, "all": 0}
    for which, in_place in steps:
        touched: list[Store] = []
        if which in ("counter", "both"):
            if in_place:
                counter.items.append(1)
                touched.append(counter)
            else:
                counter.count += 1
        if which in ("words", "both"):
            words.text += "x"
        stores.flush(*touched)
        expected["counter"] += which in ("counter", "both")
        expected["words"] += which in ("words", "both")
        expected["both"] += which != "none"
        expected["all"] += which != "none"
    assert heard == expected
