"""The technician's texts for the job itself: order statuses and moves, the offer card,
the order screen and its panels, the confirm dialogs, the sync screen and banners, and
what the state says about field work. Merged into :data:`technician_app.i18n.TEXTS`."""

from __future__ import annotations

from client.i18n import Texts

# Statuses worded for the technician (the ones both apps share are in client.i18n).
STATUS_TEXTS: Texts = {
    "status.PENDING_DISPATCH": {"zh": "待派单", "en": "Waiting for dispatch"},
    "status.OFFERED": {"zh": "待接单", "en": "Offered"},
    "status.EN_ROUTE": {"zh": "出发中", "en": "On the way"},
    "status.ARRIVED": {"zh": "已到达", "en": "Arrived"},
    "status.AWAITING_CONFIRMATION": {"zh": "待客户确认", "en": "Awaiting customer confirmation"},
    "status.DISPUTED": {"zh": "售后处理中", "en": "Complaint in progress"},
    "status_note.AWAITING_CONFIRMATION.title": {
        "zh": "服务已完成，等待客户确认",
        "en": "Service done, waiting for the customer to confirm",
    },
    "status_note.AWAITING_CONFIRMATION.text": {
        "zh": "客户确认后订单完成，收入计入结算。",
        "en": "Once the customer confirms, the order is complete and your pay goes to settlement.",
    },
    "action.accept": {"zh": "接单", "en": "Accept"},
    "action.decline": {"zh": "拒单", "en": "Decline"},
    "action.claim": {"zh": "抢单", "en": "Grab order"},
    "action.depart": {"zh": "出发", "en": "Set off"},
    "action.arrive": {"zh": "到达签到", "en": "Check in"},
    "action.start": {"zh": "开始服务", "en": "Start service"},
    "action.sop_done": {"zh": "完成步骤", "en": "Step done"},
    "action.finish": {"zh": "完成服务", "en": "Finish service"},
    "action.transfer": {"zh": "转单", "en": "Hand back"},
    "action.sign_work_order": {"zh": "客户签字确认工单", "en": "Customer signs work order"},
    "action.change_request": {"zh": "增项申请", "en": "Extra items request"},
    "action.message": {"zh": "发送消息", "en": "Send message"},
    "action.sos": {"zh": "紧急求助", "en": "Emergency help"},
    "action.location": {"zh": "上报位置", "en": "Location report"},
    "action.complaint_reply": {"zh": "申诉回复", "en": "Complaint reply"},
    "location_help.location_denied": {
        "zh": "未获得定位权限：请在系统（网页版：浏览器）设置中允许本应用使用位置，"
        "签到和顾客查看您的位置都需要",
        "en": "No location permission: allow this app to use your location in the system "
        "settings (web: the browser's settings). Check-in and the customer's tracking need it",
    },
    "location_help.location_off": {
        "zh": "定位服务已关闭：请在系统设置中打开定位后再签到",
        "en": "Location services are off: turn them on in the system settings, then check in",
    },
    "location_help.location_failed": {
        "zh": "暂时无法获取位置：请到开阔处稍后再试",
        "en": "Cannot get your position right now: move into the open and try again",
    },
    "location_help.": {
        "zh": "无法获取当前位置，请开启定位后再签到",
        "en": "Cannot get your current position; turn on location, then check in",
    },
}

WORK_TEXTS: Texts = {
    # distances and map apps
    "distance.m": {"zh": "{n} 米", "en": "{n} m"},
    "distance.km": {"zh": "{n} 公里", "en": "{n} km"},
    "map.default_name": {"zh": "服务地址", "en": "Service address"},
    "map.amap": {"zh": "高德地图", "en": "Amap"},
    "map.baidu": {"zh": "百度地图", "en": "Baidu Maps"},
    "map.apple": {"zh": "Apple 地图", "en": "Apple Maps"},
    "map.google": {"zh": "Google 地图", "en": "Google Maps"},
    "map.geo": {"zh": "其他地图 (geo:)", "en": "Other map app (geo:)"},
    # the offer card
    "offer.pool_order": {"zh": "抢单池订单", "en": "Open pool order"},
    "offer.seconds": {"zh": "{n} 秒", "en": "{n} s"},
    "offer.eta": {"zh": "约 {n} 分钟", "en": "About {n} min"},
    "offer.grab_now": {"zh": "立即抢单", "en": "Grab it"},
    "offer.accept": {"zh": "接单", "en": "Accept"},
    "offer.decline": {"zh": "拒绝", "en": "Decline"},
    "offer.new": {"zh": "新订单", "en": "New order"},
    "offer.grab": {"zh": "抢单", "en": "Open order"},
    "offer.address_later": {
        "zh": "接单后显示详细地址",
        "en": "The full address shows once you accept",
    },
    # alerts beyond the screen: a notification on the device, a notice on the web
    "alert.offer.title": {
        "zh": "新订单，请在 {n} 秒内接单",
        "en": "New order: answer within {n} s",
    },
    "alert.offer.title_open": {"zh": "新订单待接", "en": "New order for you"},
    "alert.offer.pay": {"zh": "收入 {amount}", "en": "you earn {amount}"},
    "alert.cancelled.title": {"zh": "订单已取消", "en": "Order cancelled"},
    "alert.cancelled.customer": {
        "zh": "顾客取消了 {when} 的{service}",
        "en": "The customer cancelled {service} on {when}",
    },
    "alert.cancelled.platform": {
        "zh": "平台取消了 {when} 的{service}",
        "en": "The platform cancelled {service} on {when}",
    },
    "alert.change_approved.title": {"zh": "顾客已同意增项", "en": "Extra items approved"},
    "alert.change_approved.body": {
        "zh": "{service}：增项 {amount} 已同意",
        "en": "{service}: extras of {amount} approved",
    },
    "alert.change_rejected.title": {"zh": "顾客未同意增项", "en": "Extra items declined"},
    "alert.change_rejected.body": {
        "zh": "{service}：增项 {amount} 未获同意",
        "en": "{service}: extras of {amount} declined",
    },
    "alert.chat.customer": {"zh": "顾客发来消息", "en": "Message from the customer"},
    "alert.chat.support": {"zh": "客服发来消息", "en": "Message from support"},
    "alert.chat.photo": {"zh": "[图片]", "en": "[Photo]"},
    "alert.open": {"zh": "查看", "en": "Open"},
    "alert.notice": {"zh": "{title}：{body}", "en": "{title}: {body}"},
    "alert.channel": {"zh": "订单提醒", "en": "Order alerts"},
    "money.order_value": {"zh": "订单金额", "en": "Order value"},
    "money.expected_pay": {"zh": "预计收入", "en": "Your pay"},
    # confirm dialogs
    "confirm.cancel": {"zh": "取消", "en": "Cancel"},
    "confirm.sos.title": {"zh": "紧急求助", "en": "Emergency help"},
    "confirm.sos.text": {
        "zh": "确定发送紧急求助？平台安全中心将收到你的位置并立即联系你。"
        "如有生命危险请直接拨打 110。",
        "en": "Send an emergency call? The platform's safety desk gets your location and "
        "contacts you at once. If a life is in danger, call 110 directly.",
    },
    "confirm.sos.ok": {"zh": "确定求助", "en": "Call for help"},
    "confirm.finish.title": {"zh": "完成服务", "en": "Finish service"},
    "confirm.finish.text": {
        "zh": "确认服务已全部完成？提交后将请客户验收确认，之后不能再修改服务步骤或增项。",
        "en": "Is the whole service done? The customer is then asked to confirm, and the "
        "steps and extra items can no longer change.",
    },
    "confirm.finish.ok": {"zh": "确认完成", "en": "Yes, finished"},
    "confirm.early.title": {"zh": "提前出发", "en": "Leaving early"},
    "confirm.early.text": {
        "zh": "距预约时间还有 {hours} 小时，确定现在出发？出发后客户会看到你正在路上。",
        "en": "The visit starts in {hours} hours. Set off now? The customer will see you "
        "are on the way.",
    },
    "confirm.early.ok": {"zh": "确定出发", "en": "Set off"},
    # banners and notices strip
    "strip.offline_pending": {
        "zh": "离线模式 · {n} 项待同步",
        "en": "Offline · {n} waiting to sync",
    },
    "strip.offline": {
        "zh": "离线模式：操作将保存在本机",
        "en": "Offline: actions are kept on this device",
    },
    "strip.pending": {"zh": "{n} 项待同步", "en": "{n} waiting to sync"},
    "strip.rejected": {
        "zh": "{n} 项同步被拒绝，点此查看",
        "en": "{n} refused when syncing; tap to see",
    },
    "strip.dismiss": {"zh": "知道了", "en": "Got it"},
    # the order screen
    "order.title": {"zh": "订单详情", "en": "Order"},
    "order.short_title": {"zh": "订单", "en": "Order"},
    "order.missing": {"zh": "订单不存在或已转出", "en": "This order is gone or was handed on"},
    "order.pending_sync": {"zh": " · 待同步", "en": " · waiting to sync"},
    "order.scheduled": {"zh": "预约 {time}", "en": "Booked for {time}"},
    "order.distance": {"zh": "距离", "en": "Distance"},
    "order.minutes": {"zh": "{n} 分钟", "en": "{n} min"},
    "order.eta": {"zh": "预计到达", "en": "ETA"},
    "order.call_customer": {"zh": "联系客户", "en": "Call customer"},
    "order.navigate": {"zh": "导航并出发", "en": "Navigate and set off"},
    "order.depart_only": {"zh": "仅标记出发", "en": "Set off only"},
    "order.arrive": {"zh": "到达签到", "en": "Check in"},
    "order.start": {"zh": "开始服务", "en": "Start service"},
    "order.finish": {"zh": "完成服务", "en": "Finish service"},
    "order.transfer": {"zh": "转单", "en": "Hand back the order"},
    "order.transfer_reason": {"zh": "转单原因", "en": "Why you hand it back"},
    "order.transfer_submit": {"zh": "提交转单", "en": "Hand back"},
    "order.sos": {"zh": "SOS 紧急求助", "en": "SOS emergency"},
    "order.sos_note": {"zh": "订单页紧急求助", "en": "Emergency call from the order screen"},
    "order.customer_notes": {"zh": "客户备注", "en": "Customer's notes"},
    "order.sign_needed": {
        "zh": "请客户在签名区签字",
        "en": "Ask the customer to sign in the signature area",
    },
    # the work order
    "work_order.confirmed": {"zh": "电子工单已确认", "en": "Work order confirmed"},
    "work_order.pdf_saved": {"zh": "工单 PDF 已保存到订单", "en": "The work order PDF is saved"},
    "work_order.title": {
        "zh": "电子工单（服务前由客户确认）",
        "en": "Work order (the customer confirms before service)",
    },
    "work_order.total": {"zh": "合计", "en": "Total"},
    "work_order.criteria": {"zh": "验收标准：{text}", "en": "Acceptance criteria: {text}"},
    "work_order.sign_hint": {
        "zh": "客户可在 APP 中确认，或在下方签名：",
        "en": "The customer confirms in the app, or signs below:",
    },
    "work_order.signature_area": {"zh": "客户签名区", "en": "Customer signature area"},
    "work_order.sign": {"zh": "客户签字确认", "en": "Customer signs"},
    "work_order.clear": {"zh": "清除", "en": "Clear"},
    # SOP
    "sop.title": {"zh": "服务步骤 (SOP)", "en": "Service steps (SOP)"},
    "camera.title": {"zh": "拍照留证", "en": "Photo as evidence"},
    "camera.opening": {"zh": "正在打开相机…", "en": "Opening the camera…"},
    "camera.ready": {
        "zh": "对准施工部位，点“拍照”",
        "en": "Point at the work and tap Take photo",
    },
    "camera.taking": {"zh": "正在拍照…", "en": "Taking the photo…"},
    "camera.check": {
        "zh": "照片清楚吗？清楚就使用，不清楚就重拍",
        "en": "Is it clear? Use it, or take it again",
    },
    "camera.shutter": {"zh": "拍照", "en": "Take photo"},
    "camera.retake": {"zh": "重拍", "en": "Retake"},
    "camera.use": {"zh": "使用照片", "en": "Use photo"},
    "camera.none": {
        "zh": "此设备没有相机，只能从文件中选择照片",
        "en": "This device has no camera: pick a photo from files",
    },
    "camera.from_files": {"zh": "选择照片", "en": "Pick a photo"},
    "camera.failed": {
        "zh": "无法使用相机，请在设置中允许本应用使用相机后重试",
        "en": "The camera is not available: allow this app to use it, then try again",
    },
    "sop.photo_of": {"zh": "第 {no} 步照片", "en": "Photo of step {no}"},
    "sop.photo_and_done": {"zh": "拍照并完成第 {no} 步", "en": "Photo and finish step {no}"},
    "sop.done": {"zh": "完成第 {no} 步", "en": "Finish step {no}"},
    # extra items
    "extras.awaiting_support": {"zh": "等待平台审核", "en": "Platform reviewing"},
    "extras.awaiting_customer": {"zh": "等待客户确认", "en": "Waiting for the customer"},
    "extras.answered": {"zh": "客户已答复", "en": "Customer answered"},
    "extras.approved": {"zh": "客户已同意", "en": "Customer agreed"},
    "extras.rejected": {"zh": "客户已拒绝", "en": "Customer declined"},
    "extras.in_progress": {"zh": "处理中", "en": "In progress"},
    "extras.reason_line": {"zh": "原因：{text}", "en": "Reason: {text}"},
    "extras.title": {
        "zh": "增项（需客户确认后生效）",
        "en": "Extra items (the customer must agree)",
    },
    "extras.pick": {"zh": "选择增项", "en": "Choose an item"},
    "extras.quantity": {"zh": "数量", "en": "Quantity"},
    "extras.reason": {"zh": "增项原因（客户可见）", "en": "Reason (the customer sees it)"},
    "extras.submit": {"zh": "拍照并提交增项", "en": "Photo and submit"},
    "extras.unavailable": {"zh": "增项功能暂不可用", "en": "Extra items are not available yet"},
    # chat
    "chat.me": {"zh": "我：", "en": "Me: "},
    "chat.customer": {"zh": "客户：", "en": "Customer: "},
    "chat.unsent": {"zh": " (待发送)", "en": " (not sent yet)"},
    "chat.title": {"zh": "与客户沟通", "en": "Messages with the customer"},
    "chat.input": {"zh": "消息", "en": "Message"},
    "chat.send": {"zh": "发送", "en": "Send"},
    "chat.unavailable": {"zh": "聊天功能暂不可用", "en": "Messages are not available yet"},
    # the sync screen
    "sync.title": {"zh": "同步记录", "en": "Sync log"},
    "sync.connected": {"zh": "已连接", "en": "Connected"},
    "sync.offline": {"zh": "离线", "en": "Offline"},
    "sync.now": {"zh": "立即同步", "en": "Sync now"},
    "sync.pending": {"zh": "待同步", "en": "Waiting to sync"},
    "sync.no_pending": {"zh": "没有待同步的操作", "en": "Nothing waiting to sync"},
    "sync.rejected_title": {"zh": "被拒绝的操作", "en": "Refused actions"},
    "sync.no_rejected": {"zh": "没有被拒绝的操作", "en": "No refused actions"},
    "sync.rejected": {"zh": "{action}被拒绝", "en": "{action} refused"},
    "sync.ack": {"zh": "我知道了", "en": "Got it"},
    # what the state says about field work
    "notice.offline": {
        "zh": "网络不可用，已切换到离线模式",
        "en": "No network; switched to offline mode",
    },
    "notice.saved_pending": {
        "zh": "{action}：已保存，待同步",
        "en": "{action}: saved, waiting to sync",
    },
    "notice.sync_refused": {"zh": "同步被拒绝：{text}", "en": "Refused when syncing: {text}"},
    "refusal.geofence": {
        "zh": "{action}失败：距服务地址 {distance}，需在 {radius} 米内签到",
        "en": "{action} failed: {distance} from the address; check in within {radius} m",
    },
    "refusal.changed": {
        "zh": "{action}失败：订单状态已变化（可能已被取消或改派）",
        "en": "{action} failed: the order changed (perhaps cancelled or reassigned)",
    },
    "refusal.other": {"zh": "{action}失败：{text}", "en": "{action} failed: {text}"},
    "notice.too_far": {
        "zh": "距服务地址 {distance}，需在 {radius} 米内签到",
        "en": "{distance} from the address; check in within {radius} m",
    },
    "notice.photo_required": {"zh": "此步骤需要拍照", "en": "This step needs a photo"},
    "notice.transfer_reason": {"zh": "请填写转单原因", "en": "Please say why you hand it back"},
    "notice.extra_photo": {
        "zh": "增项需要拍照说明",
        "en": "Extra items need a photo showing why",
    },
    "notice.extra_item": {"zh": "请选择增项", "en": "Please choose an item"},
    "notice.extra_quantity": {
        "zh": "数量请填写 1 到 {max} 的整数",
        "en": "Quantity: a whole number from 1 to {max}",
    },
    "notice.extra_reason": {
        "zh": "请填写增项原因，客户确认时会看到",
        "en": "Please give a reason; the customer reads it before agreeing",
    },
    "notice.sos_sent": {
        "zh": "已通知平台安全中心，请保持电话畅通",
        "en": "The safety desk is alerted; keep your phone at hand",
    },
    "notice.sos_pending": {
        "zh": "求助已保存，恢复信号后立即发送；紧急情况请拨打 110",
        "en": "Help call saved; it goes out as soon as there is signal. In an emergency call 110",
    },
}
