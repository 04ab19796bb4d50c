"""The ``notifications`` section: its model lives with the notification centre
(``server.notifications.rules``), which reads it below the rule book."""

from server.notifications.rules import NoticeRule, NotificationRules, OverrunRule, TimedRule

__all__ = ["NoticeRule", "NotificationRules", "OverrunRule", "TimedRule"]
