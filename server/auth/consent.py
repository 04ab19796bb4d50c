"""The 用户协议 and the 隐私政策 a customer agrees to at sign-up: their words, their
version, and the record of who agreed to which version when. Sign-up without the
current version ticked is refused (PIPL: consent before processing)."""

from __future__ import annotations

from datetime import datetime

from server.auth.models import PoliciesRead, PolicyConsent, PolicyDocument, User
from server.core.errors import Unprocessable
from server.core.uow import UnitOfWork

POLICY_VERSION = "2026-06-01"  # a new text is a new version, agreed to anew

_TERMS = """欢迎使用上门服务平台。注册即表示您同意：
一、平台为您与服务技师提供预约、支付与售后等信息服务，服务由技师上门提供。
二、您应提供真实的联系方式与服务地址，并按约定时间在场或安排他人接待。
三、订单价格以下单时显示的报价为准；取消订单按取消时间收取相应费用，详见下单页说明。
四、服务费用由平台托管，您确认完工后结算给技师；对服务有异议可在订单中发起投诉。
五、请勿利用平台从事违法活动或骚扰技师；违反本协议的，平台可限制或终止您的账户。
六、本协议更新时，平台将在您下次登录时提示您重新阅读并同意。"""

_PRIVACY = """我们重视您的个人信息保护，并依照《个人信息保护法》处理您的信息：
一、我们收集的信息：手机号（注册与联系）、姓名、服务地址与位置（派单与上门）、订单与支付记录。
二、使用目的：仅用于为您提供上门服务、派单、支付结算、售后与安全保障。
三、共享范围：为完成服务，技师在接单后可看到您的服务地址与联系方式；支付机构处理支付所需的信息。我们不出售您的个人信息。
四、存储与安全：您的手机号与地址加密存储于中国境内，服务完成后按法定期限保存。
五、您的权利：您可以查询、更正、导出或删除您的个人信息，也可以注销账户。
六、联系我们：可在"我的—联系客服"中提出个人信息相关请求。"""


def policies() -> PoliciesRead:
    return PoliciesRead(
        version=POLICY_VERSION,
        documents=[
            PolicyDocument(code="terms", title="用户协议", text=_TERMS),
            PolicyDocument(code="privacy", title="隐私政策", text=_PRIVACY),
        ],
    )


def require_consent(version: str | None) -> None:
    """Refuse a sign-up that did not tick the current 用户协议 and 隐私政策."""
    if version != POLICY_VERSION:
        raise Unprocessable(
            "agree to the user agreement and the privacy policy to sign up",
            code="consent_required",
            details={"policy_version": POLICY_VERSION},
        )


def record_consent(uow: UnitOfWork, *, user: User, version: str, now: datetime) -> None:
    uow.session.add(PolicyConsent(user_id=user.id, policy_version=version, agreed_at=now))
