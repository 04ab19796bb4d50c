"""Contact details typed into chat are masked (deals off the platform are a severe violation)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.core.masking import MASK, mask_contacts


@pytest.mark.parametrize(
    "text",
    [
        "13812345678",
        "138 1234 5678",
        "+86-138-1234-5678",
        "0086 138.1234.5678",
        "１３８１２３４５６７８",
        "幺三八 一二三四 五六七八",
        "电话 010-12345678",
        "call me 4008123456",
    ],
)
def test_phone_numbers_are_masked(text: str) -> None:
    result = mask_contacts(text)
    assert result.masked and "phone" in result.kinds
    assert not re.search(r"\d{4}", result.text.replace(MASK, ""))


@pytest.mark.parametrize(
    ("text", "hidden"),
    [
        ("vx: abc_123", "abc_123"),
        ("微信 abc123", "abc123"),
        ("加我微信号是：zhang_san88 吧", "zhang_san88"),
        ("wechat is zhangsan", "zhangsan"),
        ("QQ 12345678", "12345678"),
        ("我的wxid_abcd1234", "wxid_abcd1234"),
        ("邮箱 me.home@example.com", "me.home@example.com"),
        ("加我V：abc_12345", "abc_12345"),
        ("微 信 abcdef12", "abcdef12"),
        ("加v zhang888", "zhang888"),
    ],
)
def test_messenger_ids_and_email_are_masked(text: str, hidden: str) -> None:
    result = mask_contacts(text)
    assert result.masked and hidden not in result.text and MASK in result.text


@pytest.mark.parametrize(
    "text",
    [
        "师傅您好，明天下午3点到可以吗？",
        "订单2026-06-01 10:00，价格200元",
        "the phone is broken, please fix the line",
        "卫生间大概6平米，厨房10平米",
        "门禁密码是1234#",
        "",
    ],
)
def test_ordinary_messages_pass_unchanged(text: str) -> None:
    result = mask_contacts(text)
    assert result.text == text and not result.masked


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_never_crashes_and_is_stable(text: str) -> None:
    once = mask_contacts(text)
    assert isinstance(once.text, str)
    assert mask_contacts(once.text).text == once.text  # nothing left to mask


@settings(max_examples=200, deadline=None)
@given(
    prefix=st.text(alphabet="你好请师傅明天的 ,。abc", max_size=20),
    digits=st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
    sep=st.sampled_from(["", " ", "-", ".", "  "]),
    suffix=st.text(alphabet="谢谢吧 !。xyz", max_size=20),
)
def test_any_mobile_number_with_separators_is_masked(
    prefix: str, digits: str, sep: str, suffix: str
) -> None:
    spaced = sep.join([digits[:3], digits[3:7], digits[7:]])
    result = mask_contacts(prefix + spaced + suffix)
    assert "phone" in result.kinds
    assert digits not in re.sub(r"[^0-9]", "", result.text)
