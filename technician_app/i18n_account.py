"""The technician's texts around the job: signing in and up, onboarding and
verification, the home screen, the pool, ratings, and money (the earnings page, its
charts and statement lines). Merged into :data:`technician_app.i18n.TEXTS`."""

from __future__ import annotations

from client.i18n import Texts

ACCOUNT_TEXTS: Texts = {
    "app.window_title": {"zh": "Doorstep 技师", "en": "Doorstep Technician"},
    # sign in and up
    "login.title": {"zh": "技师登录", "en": "Technician sign-in"},
    "login.brand": {"zh": "Doorstep 技师端", "en": "Doorstep for technicians"},
    "login.tagline": {
        "zh": "接单 · 导航 · 签到 · 规范服务",
        "en": "Orders · Navigation · Check-in · Service by the book",
    },
    "login.phone": {"zh": "手机号", "en": "Phone"},
    "login.password": {"zh": "密码", "en": "Password"},
    "login.submit": {"zh": "登录", "en": "Sign in"},
    "login.to_signup": {"zh": "注册成为技师", "en": "Sign up as a technician"},
    "signup.title": {"zh": "注册技师账号", "en": "Technician sign-up"},
    "signup.code": {"zh": "短信验证码", "en": "SMS code"},
    "signup.resend": {"zh": "重新发送验证码", "en": "Send the code again"},
    "signup.name": {"zh": "姓名", "en": "Name"},
    "signup.password": {"zh": "密码（至少8位）", "en": "Password (8 characters or more)"},
    "signup.submit": {"zh": "注册", "en": "Sign up"},
    "signup.consent": {
        # short enough for one line on a phone (a checkbox's label does not wrap): the
        # two documents are named by their links right below
        "zh": "我已阅读并同意下列两份协议",
        "en": "I agree to the two documents below",
    },
    "signup.consent_needed": {
        "zh": "请先阅读并勾选同意《技师服务协议》和《技师隐私政策》",
        "en": "Please read and tick the technician agreement and privacy policy first",
    },
    "signup.policy_version": {"zh": "版本 {version}", "en": "Version {version}"},
    "signup.next_steps": {
        "zh": "注册后请完善技能、服务区域、可接单时间并上传证书，平台审核通过后即可接单。",
        "en": "After signing up, add your skills, service area, working hours and "
        "certificates; once the platform approves them you can take orders.",
    },
    "notice.not_technician": {
        "zh": "该账号不是技师账号",
        "en": "This account is not a technician account",
    },
    "notice.code_sent": {
        "zh": "验证码已发送至 {phone}，请查收短信",
        "en": "Code sent to {phone}; check your text messages",
    },
    # onboarding and verification
    "onboarding.title": {"zh": "完善资料", "en": "Your profile"},
    "verification.pending": {"zh": "资料审核中", "en": "Under review"},
    "verification.verified": {"zh": "已认证", "en": "Verified"},
    "verification.approved": {"zh": "已认证", "en": "Verified"},
    "verification.rejected": {"zh": "审核未通过", "en": "Not approved"},
    "verification.suspended": {"zh": "已暂停接单", "en": "Suspended from orders"},
    "verification.incomplete": {"zh": "资料未完善", "en": "Profile incomplete"},
    "verification.not_submitted": {
        "zh": "资料未提交，请完善资料",
        "en": "Profile not submitted; please complete it",
    },
    "onboarding.suspended": {
        "zh": "你的账号已暂停接单：期间不会收到新订单，已接的订单已交回平台重新派单。"
        "如有疑问请联系运营；恢复后会通知你，上线即可接单。",
        "en": "Your account is suspended from orders: no new orders come meanwhile, and "
        "your accepted ones went back to dispatch. Questions go to operations; you are "
        "told when it ends, then go online to take orders.",
    },
    "onboarding.not_submitted": {
        "zh": "请选择技能、设置服务区域与时间并保存，再上传证书照片；"
        "提交后平台会在 1-3 个工作日内审核。",
        "en": "Choose your skills, set your service area and hours and save, then upload "
        "certificate photos; the platform reviews them within 1-3 working days.",
    },
    "onboarding.reviewing": {
        "zh": "平台会在 1-3 个工作日内审核你的资料与证书；审核通过后即可上线接单。",
        "en": "The platform reviews your profile and certificates within 1-3 working days; "
        "once approved you can go online for orders.",
    },
    "onboarding.suspension_reason": {"zh": "暂停原因：{note}", "en": "Reason: {note}"},
    "onboarding.review_note": {"zh": "审核意见：{note}", "en": "Reviewer's note: {note}"},
    "onboarding.recheck": {"zh": "刷新审核状态", "en": "Check review status"},
    "onboarding.skills": {"zh": "1. 技能", "en": "1. Skills"},
    "onboarding.skills_loading": {"zh": "正在读取技能列表…", "en": "Loading skills…"},
    "onboarding.years": {"zh": "从业年限", "en": "Years of experience"},
    "onboarding.bio": {"zh": "个人简介", "en": "About you"},
    "onboarding.area": {"zh": "2. 服务区域与时间", "en": "2. Service area and hours"},
    "onboarding.hours": {"zh": "每天可接单时间", "en": "Daily working hours"},
    "onboarding.save": {"zh": "保存资料", "en": "Save profile"},
    "onboarding.saved": {
        "zh": "资料已保存，等待平台审核",
        "en": "Profile saved; waiting for the platform's review",
    },
    "onboarding.polygon_short": {
        "zh": "服务范围至少要点3个点",
        "en": "Mark at least 3 points for the service area",
    },
    "onboarding.certificates": {"zh": "3. 证书照片", "en": "3. Certificate photos"},
    "onboarding.cert_type": {"zh": "证书类型", "en": "Certificate type"},
    "onboarding.cert_number": {"zh": "证书编号", "en": "Certificate number"},
    "onboarding.cert_upload": {
        "zh": "拍照/选择证书照片上传",
        "en": "Take or choose a certificate photo",
    },
    "onboarding.certificate": {"zh": "证书", "en": "Certificate"},
    "certificate.pending": {"zh": "待审核", "en": "Awaiting review"},
    "certificate.verified": {"zh": "已通过", "en": "Approved"},
    "certificate.rejected": {"zh": "未通过", "en": "Not approved"},
    "certificate.expired": {"zh": "已过期", "en": "Expired"},
    "certificate.other": {"zh": "处理中", "en": "In progress"},
    "notice.certificate_sent": {
        "zh": "证书已提交，等待审核",
        "en": "Certificate submitted; waiting for review",
    },
    # the service area editor
    "area.circle": {"zh": "圆形范围", "en": "Circle"},
    "area.polygon": {"zh": "画多边形", "en": "Draw a polygon"},
    "area.map": {"zh": "服务区域地图", "en": "Service area map"},
    "area.corners": {"zh": "已标 {n} 个点", "en": "{n} points marked"},
    "area.corners_min": {"zh": "（至少3个）", "en": " (at least 3)"},
    "area.undo": {"zh": "撤销上一点", "en": "Undo last point"},
    "area.clear": {"zh": "清除重画", "en": "Clear and redraw"},
    "area.polygon_hint": {
        "zh": "依次点地图标出服务范围的各个角，范围内的订单会派给您",
        "en": "Tap the corners of your service area on the map; orders inside it come to you",
    },
    "area.here": {"zh": "以当前位置为中心", "en": "Centre on my position"},
    "area.centred_here": {"zh": "中心：我的当前位置", "en": "Centre: where I am now"},
    "area.centred_map": {
        "zh": "中心：地图上点选的位置",
        "en": "Centre: the point tapped on the map",
    },
    "area.radius": {"zh": "服务半径（公里）", "en": "Service radius (km)"},
    "area.circle_hint": {
        "zh": "点地图选择服务区域中心，圆圈内的订单会派给您",
        "en": "Tap the map to set the centre; orders inside the circle come to you",
    },
    # home
    "home.title": {"zh": "今日工作", "en": "Today"},
    "home.offer_title": {"zh": "新订单", "en": "New order"},
    "home.location_fixed": {
        "zh": "开发者模式：使用固定位置，不读取设备定位",
        "en": "Developer mode: a fixed position, the device's is not read",
    },
    "home.location_needed": {"zh": "需要定位", "en": "Location needed"},
    "home.retry_location": {"zh": "重新获取定位", "en": "Try location again"},
    "home.sos_note": {"zh": "首页一键求助", "en": "Emergency call from the home screen"},
    "home.travel": {"zh": "路程约 {n} 分钟", "en": "About {n} min away"},
    "home.position_unknown": {"zh": "位置未知", "en": "Position unknown"},
    "home.open_order": {"zh": "打开订单 {n}", "en": "Open order {n}"},
    "home.no_orders": {
        "zh": "今天暂无订单。上线后新订单会在这里弹出。",
        "en": "No orders today. Go online and new orders pop up here.",
    },
    "home.working": {"zh": "接单中", "en": "Taking orders"},
    "home.offline": {"zh": "已下线", "en": "Offline"},
    "home.online_toggle": {"zh": "上线接单", "en": "Online for orders"},
    "home.earned_today": {"zh": "今日收入", "en": "Earned today"},
    "home.orders_today": {"zh": "今日订单", "en": "Orders today"},
    "home.pending": {"zh": "待同步", "en": "To sync"},
    "home.route": {"zh": "今日路线", "en": "Today's route"},
    "home.upcoming": {"zh": "以后的订单", "en": "Later orders"},
    "home.view_order": {"zh": "查看订单", "en": "View order"},
    "home.sos": {"zh": "SOS 紧急求助", "en": "SOS emergency"},
    "home.logout": {"zh": "退出", "en": "Sign out"},
    "day.tomorrow": {"zh": "明日", "en": "Tomorrow"},
    "day.after_tomorrow": {"zh": "后天", "en": "Day after tomorrow"},
    "day.date": {"zh": "{month}月{day}日", "en": "{month_name} {day}"},
    "day.date_time": {"zh": "{month}月{day}日 {time}", "en": "{month_name} {day}, {time}"},
    # navigation between screens
    "nav.pool": {"zh": "抢单池", "en": "Order pool"},
    "nav.earnings": {"zh": "收入", "en": "Earnings"},
    "nav.ratings": {"zh": "评价与投诉", "en": "Ratings and complaints"},
    "nav.sync": {"zh": "同步记录", "en": "Sync log"},
    # the pool
    "pool.unavailable": {"zh": "服务器暂未开放抢单池", "en": "The order pool is not open yet"},
    "pool.empty": {"zh": "暂无可抢订单", "en": "No open orders right now"},
    "pool.refresh": {"zh": "刷新", "en": "Refresh"},
    # ratings and complaints
    "ratings.complaint": {"zh": "投诉", "en": "Complaint"},
    "ratings.my_answer": {"zh": "我的答复：{text}", "en": "My answer: {text}"},
    "ratings.status": {"zh": "状态：{status}", "en": "Status: {status}"},
    "ratings.answer_field": {"zh": "我的申诉/说明", "en": "My answer"},
    "ratings.answer_submit": {"zh": "提交申诉", "en": "Send answer"},
    "ratings.received": {"zh": "收到的评价", "en": "Ratings received"},
    "ratings.unavailable": {
        "zh": "服务器暂未开放评价查询",
        "en": "Ratings are not available yet",
    },
    "ratings.none": {"zh": "暂无评价", "en": "No ratings yet"},
    "ratings.complaints": {"zh": "投诉与申诉", "en": "Complaints and answers"},
    "ratings.no_complaints": {"zh": "暂无投诉", "en": "No complaints"},
}

MONEY_TEXTS: Texts = {
    "earnings.title": {"zh": "我的收入", "en": "My earnings"},
    "earnings.unavailable": {
        "zh": "服务器暂未开放收入查询",
        "en": "Earnings are not available yet",
    },
    "period.day": {"zh": "今日", "en": "Today"},
    "period.week": {"zh": "本周", "en": "This week"},
    "period.month": {"zh": "本月", "en": "This month"},
    "chart.by_day.day": {"zh": "今日每小时收入", "en": "Income by hour today"},
    "chart.by_day.week": {"zh": "本周每日收入", "en": "Income by day this week"},
    "chart.by_day.month": {"zh": "本月每日收入", "en": "Income by day this month"},
    "chart.by_service": {"zh": "按服务类别", "en": "By service"},
    "chart.split": {"zh": "资金构成", "en": "Where the money is"},
    "chart.yuan": {"zh": "元", "en": "¥"},
    "chart.hour": {"zh": "{h}时", "en": "{h}h"},
    "weekday.0": {"zh": "周一", "en": "Mon"},
    "weekday.1": {"zh": "周二", "en": "Tue"},
    "weekday.2": {"zh": "周三", "en": "Wed"},
    "weekday.3": {"zh": "周四", "en": "Thu"},
    "weekday.4": {"zh": "周五", "en": "Fri"},
    "weekday.5": {"zh": "周六", "en": "Sat"},
    "weekday.6": {"zh": "周日", "en": "Sun"},
    "earnings.none": {"zh": "暂无", "en": "None yet"},
    "earnings.period_total": {"zh": "本期收入", "en": "Earned this period"},
    "earnings.per_order": {"zh": "按订单", "en": "By order"},
    "earnings.payouts": {"zh": "结算与提现记录", "en": "Payouts and withdrawals"},
    "earnings.amount": {"zh": "提现金额（元）", "en": "Amount to withdraw (yuan)"},
    "earnings.card": {"zh": "银行卡号", "en": "Bank card number"},
    "earnings.withdraw": {"zh": "申请提现", "en": "Withdraw"},
    "notice.amount_needed": {"zh": "请输入提现金额", "en": "Enter the amount to withdraw"},
    "notice.withdrawal_sent": {
        "zh": "提现申请已提交：{amount}",
        "en": "Withdrawal requested: {amount}",
    },
    "notice.no_withdrawals": {
        "zh": "服务器暂不支持提现",
        "en": "Withdrawals are not available yet",
    },
    "money.available": {"zh": "可提现", "en": "Withdrawable"},
    "money.pending": {"zh": "待结算", "en": "Settling"},
    "money.frozen": {"zh": "冻结", "en": "Held"},
    "money.other_income": {"zh": "其他收入", "en": "Other income"},
    "earning.split": {"zh": "订单收入", "en": "Order income"},
    "earning.cancellation": {"zh": "客户取消补偿", "en": "Cancellation compensation"},
    "earning.compensation": {"zh": "平台补贴", "en": "Platform subsidy"},
    "earning.freeze": {"zh": "投诉处理中，收入冻结", "en": "Held during a complaint"},
    "earning.unfreeze": {"zh": "投诉处理完毕，收入解冻", "en": "Released after a complaint"},
    "earning.payout": {"zh": "结算到账", "en": "Settled to you"},
    "earning.withdrawal": {"zh": "提现到银行卡", "en": "Withdrawn to bank card"},
    "earning.other": {"zh": "收入调整", "en": "Adjustment"},
    "earning.with_service": {"zh": "{service} {label}", "en": "{label}: {service}"},
    "earning.transfer_compensation": {"zh": "转单补偿", "en": "Hand-back compensation"},
    "earning.platform_fee": {"zh": "平台服务费 {percent}%", "en": "platform fee {percent}%"},
    "payout.payout": {"zh": "平台结算到账", "en": "Platform payout"},
    "payout.withdrawal": {"zh": "提现申请", "en": "Withdrawal request"},
    "payout.other": {"zh": "结算", "en": "Settlement"},
    "money_note.available": {
        "zh": "可提现 {amount}：已结算，可申请提现到银行卡",
        "en": "Withdrawable {amount}: settled, ready to withdraw to your bank card",
    },
    "money_note.pending": {
        "zh": "待结算 {amount}：客户确认完成后，T+1 到账可提现",
        "en": "Settling {amount}: withdrawable the day after the customer confirms",
    },
    "money_note.frozen": {
        "zh": "冻结{amount}：投诉处理中{count}，处理完毕后按结果结算",
        "en": "Held{amount}: a complaint is open{count}; settled by its outcome",
    },
    "money_note.frozen_count": {"zh": "（{n} 单）", "en": " ({n} orders)"},
    "money_note.nothing": {
        "zh": "暂无待结算收入：客户确认完成后，收入 T+1 可提现",
        "en": "Nothing settling: pay is withdrawable the day after the customer confirms",
    },
    # the deposit (保证金)
    "deposit.title": {"zh": "保证金", "en": "Deposit"},
    "deposit.open": {"zh": "保证金", "en": "Deposit"},
    "deposit.required": {"zh": "应缴", "en": "Required"},
    "deposit.held": {"zh": "已缴", "en": "Held"},
    "deposit.shortfall": {"zh": "待补缴", "en": "Missing"},
    "deposit.history": {"zh": "缴纳、扣除与退还记录", "en": "Top-ups, deductions and returns"},
    "deposit.none": {"zh": "暂无记录", "en": "Nothing yet"},
    "deposit.unavailable": {
        "zh": "服务器暂未开放保证金查询",
        "en": "Deposits are not available yet",
    },
    "deposit.top_up": {"zh": "补缴 {amount}", "en": "Top up {amount}"},
    "deposit.complete": {"zh": "保证金已足额", "en": "Your deposit is complete"},
    "deposit.note.base": {
        "zh": "平台要求每位师傅缴纳保证金 {amount}，用于服务质量保障",
        "en": "Every technician holds a {amount} deposit as a guarantee of quality",
    },
    "deposit.note.raised": {
        "zh": "近{days}天投诉率 {rate} 超过 {limit}，保证金要求提高至 {amount}",
        "en": "Your complaint rate over {days} days is {rate}, above {limit}: "
        "the deposit required is {amount}",
    },
    "deposit.note.capped": {
        "zh": "补足前每日最多接 {n} 单；补足或投诉率回落后恢复",
        "en": "Until it is topped up you take at most {n} orders a day; "
        "topping up or a lower rate lifts this",
    },
    "deposit.note.rate": {
        "zh": "近{days}天投诉率 {rate}（{complaints} 次投诉 / {orders} 单）",
        "en": "Complaint rate over {days} days: {rate} ({complaints} of {orders} orders)",
    },
    "deposit.note.no_rate": {
        "zh": "近{days}天完成不足 {n} 单，暂不计算投诉率",
        "en": "Fewer than {n} orders in {days} days: no complaint rate yet",
    },
    "deposit.note.owed": {
        "zh": "质检扣款超出已缴保证金，欠缴 {amount}，请尽快补缴",
        "en": "Deductions exceed your deposit by {amount}; please top up",
    },
    "deposit.line.top_up": {"zh": "补缴保证金", "en": "Deposit top-up"},
    "deposit.line.deduction": {"zh": "质检未通过扣除", "en": "Failed quality check"},
    "deposit.line.deduction_of": {
        "zh": "{service} 质检未通过扣除",
        "en": "Failed quality check: {service}",
    },
    "deposit.line.other": {"zh": "保证金调整", "en": "Deposit adjustment"},
    "deposit.line.findings": {"zh": "原因：{findings}", "en": "Reason: {findings}"},
    "deposit.confirm.title": {"zh": "补缴保证金", "en": "Top up the deposit"},
    "deposit.confirm.text": {
        "zh": "确认通过微信支付补缴保证金 {amount}？",
        "en": "Pay {amount} into your deposit with WeChat Pay?",
    },
    "deposit.confirm.ok": {"zh": "确认补缴", "en": "Pay"},
    "deposit.returnable": {"zh": "可退还 {amount}", "en": "Returnable: {amount}"},
    "deposit.return": {"zh": "退还 {amount}", "en": "Take back {amount}"},
    "deposit.return_confirm.title": {"zh": "退还保证金", "en": "Take back the deposit"},
    "deposit.return_confirm.text": {
        "zh": "确认退还保证金 {amount}？将随下次结算打到您的收款账户。",
        "en": "Take back {amount} of your deposit? It is paid out with your next payout.",
    },
    "deposit.return_confirm.ok": {"zh": "确认退还", "en": "Take back"},
    "deposit.line.return": {"zh": "退还保证金", "en": "Deposit returned"},
    "notice.deposit_returned": {
        "zh": "已退还 {amount}，将随下次结算打到您的收款账户",
        "en": "{amount} returned: it is paid out with your next payout",
    },
    "notice.deposit_paid": {
        "zh": "保证金已补缴：{amount}",
        "en": "Deposit topped up: {amount}",
    },
    "notice_kind.quality.check_failed": {"zh": "质检未通过", "en": "Quality check failed"},
    "notice_kind.quality.deposit_raised": {
        "zh": "保证金要求已提高",
        "en": "Deposit requirement raised",
    },
    "notice_kind.quality.deposit_lowered": {
        "zh": "保证金要求已恢复",
        "en": "Deposit requirement back to normal",
    },
    "notice_kind.quality.deposit_returned": {"zh": "保证金已退还", "en": "Deposit returned"},
}
