"""The service city's clock, which both apps show times in.

Visits, slots and earnings days are the city's, not the device's: a technician's phone set
to another zone, or a web build served from a machine on UTC, must still say 14:00 for a
visit at 14:00 in Beijing. ``DOORSTEP_CITY_TZ`` names the zone (the server's
``DOORSTEP_TIMEZONE`` for the same city).
"""

from __future__ import annotations

import os
from zoneinfo import ZoneInfo

CITY_TZ = ZoneInfo(os.environ.get("DOORSTEP_CITY_TZ", "Asia/Shanghai"))
