"""The agreements a person accepts at sign-up: the customer's 用户协议 and 隐私政策, the
technician's 技师服务协议 and 技师隐私政策 (his work is different: a platform fee, the
position reported while he works, his identity papers). Their words, each role's
version, and the record of who agreed to which version when. Sign-up without the role's
current version ticked is refused (PIPL: consent before processing)."""

from __future__ import annotations

from datetime import datetime

from server.auth.models import PoliciesRead, PolicyConsent, PolicyDocument, Role, User
from server.core.errors import Unprocessable
from server.core.uow import UnitOfWork

POLICY_VERSION = "2026-06-01"  # the customer's; a new text is a new version, agreed to anew
TECHNICIAN_POLICY_VERSION = "2026-12-01"

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


_TECHNICIAN_TERMS = """欢迎加入上门服务平台成为服务技师。注册即表示您同意：
一、您以独立服务者身份通过平台承接上门服务订单，平台提供派单、收款结算与售后支持。
二、您应提交真实的身份信息、技能证书与健康证明，并在证件到期前更新；资料不实的，平台可暂停接单。
三、平台收取订单金额的 15% 作为服务费，其余为您的收入；客户确认完工后 T+1 结算。
四、请准时上门，按服务步骤 (SOP) 作业并拍照留证；增项经客户确认方可收费，不得私下收费。
五、客户投诉经核实属实的，平台可扣减相应收入、暂停派单或降低等级；您可在订单中申诉。
六、接单期间如遇危险，可使用一键求助 (SOS)，平台将立即联系您并通知紧急联系人。
七、本协议更新时，平台将在您下次登录时提示您重新阅读并同意。"""

_TECHNICIAN_PRIVACY = """我们依照《个人信息保护法》处理您作为技师的个人信息：
一、我们收集的信息：手机号、姓名、身份证件与证书照片、健康证明、收款账户、接单期间的位置、服务照片与签名。
二、位置信息：仅在您开启接单或有进行中的订单时收集，用于派单、到达签到与让客户查看您的位置；收工后不再收集。
三、使用目的：仅用于资质审核、派单、结算、售后处理与人身安全保障。
四、共享范围：客户在您接单后可看到您的姓名、头像、评分与途中位置，不会看到您的真实手机号（双方通过虚拟号码联系）。
五、存储与安全：证件与手机号加密存储于中国境内，按法定期限保存。
六、您的权利：您可以查询、更正、导出或删除您的个人信息，也可以注销账户。"""

_DOCUMENTS: dict[Role, tuple[str, list[PolicyDocument]]] = {
    Role.customer: (
        POLICY_VERSION,
        [
            PolicyDocument(code="terms", title="用户协议", text=_TERMS),
            PolicyDocument(code="privacy", title="隐私政策", text=_PRIVACY),
        ],
    ),
    Role.technician: (
        TECHNICIAN_POLICY_VERSION,
        [
            PolicyDocument(code="terms", title="技师服务协议", text=_TECHNICIAN_TERMS),
            PolicyDocument(code="privacy", title="技师隐私政策", text=_TECHNICIAN_PRIVACY),
        ],
    ),
}


def version_for(role: Role | str) -> str:
    """The current version of the agreements ``role`` signs up under."""
    return _DOCUMENTS[Role(role)][0]


def policies(role: Role = Role.customer) -> PoliciesRead:
    version, documents = _DOCUMENTS[role]
    return PoliciesRead(role=role.value, version=version, documents=documents)


def require_consent(role: Role, version: str | None) -> None:
    """Refuse a sign-up that did not tick the role's current agreement and privacy policy."""
    if version != version_for(role):
        raise Unprocessable(
            "agree to the agreement and the privacy policy to sign up",
            code="consent_required",
            details={"policy_version": version_for(role), "role": role.value},
        )


def record_consent(uow: UnitOfWork, *, user: User, version: str, now: datetime) -> None:
    uow.session.add(PolicyConsent(user_id=user.id, policy_version=version, agreed_at=now))
