"""The demo's technicians: the trade mix, who waits for verification, is offline or
suspended, and each one's profile (bio, area, weekly availability, ratings, leave) and
certificates (some expiring soon), derived from the catalog services of the trade.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from server.auth.models import Role, User
from server.catalog import service as catalog_service
from server.catalog.models import Service
from server.core.ids import new_id
from server.demo.builder import DemoBuilder, png_bytes
from server.technicians import availability
from server.technicians import service as technicians_service
from server.technicians.models import Certificate, CertificateStatus, TimeOff, VerificationStatus
from server.training import courses as training_courses
from server.training.models import LessonStudy, QuizAttempt

# Certificates that lapse, and for how long they are issued (days); others never expire.
_VALIDITY_DAYS = {
    "health": 365,
    "electrician": 6 * 365,
    "refrigeration": 6 * 365,
    "work_at_height": 6 * 365,
    "gas": 4 * 365,
    "locksmith": 3 * 365,
    "driver": 6 * 365,
}
_NUMBER_PREFIX = {
    "health": "京朝健证",
    "maternity_nurse": "MYHL",
    "lactation": "CRS",
    "childcare": "YYY",
    "caregiver": "YLHL",
    "electrician": "T1101",
    "refrigeration": "T1101",
    "work_at_height": "T1101",
    "gas": "RQ",
    "locksmith": "KS",
    "driver": "1101",
}
_BIOS = {
    "cleaning": "做保洁{years}年,擦窗、厨房重油污都拿手,自带工具,干活仔细。",
    "nanny": "{years}年家政经验,会做北方家常菜,照顾过老人和孩子。",
    "maternity": "持证月嫂,带过{count}个宝宝,擅长月子餐和新生儿护理。",
    "childcare": "育婴员,{years}年带娃经验,会早教游戏和辅食制作。",
    "elder_care": "养老护理员,{years}年护理经验,会助浴、陪诊、康复协助。",
    "appliance_repair": "家电维修{years}年,空调冰箱洗衣机都修,先报价后维修。",
    "appliance_cleaning": "专业家电清洗{years}年,高温蒸汽杀菌,拆洗干净复原。",
    "installation": "持证电工,{years}年安装经验,灯具、插座、热水器安装,走线规范。",
    "plumbing": "水电工{years}年,疏通、漏水检修、龙头马桶更换,当天上门。",
    "locksmith": "公安备案开锁师傅,{years}年经验,开锁换锁芯,先验证身份再开锁。",
    "moving": "搬家师傅{years}年,自带厢货和工具,家具拆装打包一条龙。",
    "organizing": "整理收纳师,{years}年经验,衣橱、厨房、儿童房收纳规划。",
}
_DEFAULT_BIO = "从业{years}年,准时守约,服务认真。"
_FALLBACK_NAMES = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙"]


@dataclass
class Tech:
    """A seeded technician, as the past orders choose one for a service."""

    user: User
    category: str
    skills: set[str]
    certificates: set[str]
    status: str
    online: bool


class TechniciansMixin(DemoBuilder):
    """Technician accounts, profiles and certificates."""

    def _trades(self) -> dict[str, list[Service]]:
        by_top: dict[str, list[Service]] = {}
        for service in catalog_service.search(self.uow):
            by_top.setdefault(service.top_category_id.removeprefix("cat_"), []).append(service)
        return by_top

    def technicians(self) -> list[Tech]:
        trades = self._trades()
        names: dict[str, list[str]] = {"female": [], "male": []}
        for person in self.city["technician_names"]:
            names[person["gender"]].append(person["name"])
        base = int(self.seed["phone_blocks"]["technician"])
        password = self.seed["passwords"]["technician"]
        mix = list(self.seed["technician_mix"])
        mixed = {m["category"] for m in mix}
        mix += [
            {"category": c, "count": 1, "female_share": 0.5, "weekly": ["full_time"]}
            for c in trades
            if c not in mixed
        ]
        plan: list[tuple[str, str, list[str]]] = []  # (category, gender, weekly patterns)
        for trade in mix:
            if trade["category"] not in trades:
                continue  # a trade the catalog no longer has
            women = round(trade["count"] * trade["female_share"])
            for i in range(trade["count"]):
                plan.append((trade["category"], "female" if i < women else "male", trade["weekly"]))
        # Who is waiting, offline or suspended: spread over the trades, never a trade's first.
        firsts = {i for i, p in enumerate(plan) if i == 0 or plan[i - 1][0] != p[0]}
        others = [i for i in range(len(plan)) if i not in firsts]
        self.rng.shuffle(others)
        n_pending = int(self.seed["pending_technicians"])
        n_offline = int(self.seed["offline_technicians"])
        n_suspended = int(self.seed["suspended_technicians"])
        pending = set(others[:n_pending])
        offline = set(others[n_pending : n_pending + n_offline])
        suspended = set(others[n_pending + n_offline : n_pending + n_offline + n_suspended])
        soon = set(others[n_pending + n_offline + n_suspended :][:3])  # a certificate expiring soon
        district_codes = list(self.districts)
        techs = []
        for index, (category, gender, patterns) in enumerate(plan):
            other = "female" if gender == "male" else "male"
            if names[gender]:
                name = names[gender].pop(0)
            elif names[other]:
                gender, name = other, names[other].pop(0)
            else:
                name = f"{_FALLBACK_NAMES[index % len(_FALLBACK_NAMES)]}师傅{index + 1}"
            user = self._user(
                role=Role.technician, name=name, phone=str(base + index + 1), password=password
            )
            services = trades[category]
            skills = {s for svc in services for s in svc.skills}
            needed = {c for svc in services for c in svc.certificates}
            # The first of a trade holds every licence of it; others sometimes lack a special one.
            # Everyone working in homes carries a health certificate (seed 002: 健康证).
            certs = {"health"} | {c for c in needed if index in firsts or self.rng.random() < 0.75}
            if category == "cleaning" and self.rng.random() < 0.3:
                skills.add("appliance_cleaning")
            status = VerificationStatus.verified.value
            if index in pending:
                status = VerificationStatus.pending.value
            elif index in suspended:
                status = VerificationStatus.suspended.value
            online = status == VerificationStatus.verified.value and index not in offline
            district = self.districts[district_codes[index % len(district_codes)]]
            self._profile(
                user=user,
                category=category,
                gender=gender,
                skills=skills,
                status=status,
                online=online,
                district=district,
                pattern=self.rng.choice(patterns),
                index=index,
            )
            self._certificates(
                user=user, types=sorted(certs), status=status, expiring_soon=index in soon
            )
            techs.append(
                Tech(
                    user=user,
                    category=category,
                    skills=skills,
                    certificates=certs,
                    status=status,
                    online=online,
                )
            )
        self.session.flush()
        return techs

    def _profile(
        self,
        *,
        user: User,
        category: str,
        gender: str,
        skills: set[str],
        status: str,
        online: bool,
        district: dict[str, Any],
        pattern: str,
        index: int,
    ) -> None:
        rng = self.rng
        profile = technicians_service.ensure_profile(self.uow, user=user)
        years = rng.randint(1, 15)
        photo = self._file(
            user, "photo", png_bytes(48, 48, (rng.randrange(90, 230), rng.randrange(90, 230), 200))
        )
        profile.gender = gender
        profile.birth_year = rng.randint(1968, 1998)
        profile.experience_years = years
        profile.bio = _BIOS.get(category, _DEFAULT_BIO).format(
            years=years, count=rng.randint(12, 60)
        )
        profile.photo_file_id = photo
        profile.skills = sorted(skills)
        profile.verification_status = status
        profile.submitted_at = self.now - timedelta(
            days=rng.randint(1, 3) if status == "pending" else 200
        )
        if status != VerificationStatus.pending.value:
            profile.reviewed_at = self.now - timedelta(days=rng.randint(30, 180))
        if status == VerificationStatus.suspended.value:
            profile.verification_note = "近30天投诉率超过5%,暂停接单,待复核"
        profile.online = online
        profile.online_changed_at = (
            self.now - timedelta(minutes=rng.randint(5, 240)) if online else None
        )
        profile.travel_mode = rng.choice(["ebike", "ebike", "ebike", "car", "walk"])
        center = (
            district["lat"] + rng.uniform(-0.004, 0.004),
            district["lng"] + rng.uniform(-0.004, 0.004),
        )
        if index % 9 == 4:  # some draw their area on the map instead of a circle
            d = 0.025
            lat, lng = district["lat"], district["lng"]
            area = availability.make_area(
                polygon=[
                    [lat + d, lng - d],
                    [lat + d, lng + d * 1.3],
                    [lat - d, lng + d],
                    [lat - d * 0.8, lng - d],
                ]
            )
            profile.area_polygon = [list(v) for v in area.polygon or ()]
        else:
            area = availability.make_area(
                center=center, radius_km=rng.choice([3.0, 4.0, 5.0, 6.0, 8.0])
            )
            profile.area_center_lat, profile.area_center_lng = area.center or center
            profile.area_radius_km = area.radius_km
        profile.max_distance_km = rng.choice([None, None, 5.0, 8.0, 10.0])
        profile.weekly_availability = availability.normalize_weekly(
            self.seed["weekly_patterns"][pattern]
        )
        spot = area.centroid()
        profile.last_lat = round(spot[0] + rng.uniform(-0.01, 0.01), 6)
        profile.last_lng = round(spot[1] + rng.uniform(-0.01, 0.01), 6)
        profile.last_located_at = self.now - timedelta(
            minutes=rng.randint(1, 30 if online else 600)
        )
        if status != VerificationStatus.pending.value:
            count = rng.randint(8, 420)
            avg = round(min(5.0, rng.gauss(4.75, 0.15)), 2)
            profile.rating_avg = avg
            profile.rating_count = count
            profile.rating_dimensions = {
                dim: round(min(5.0, max(3.5, avg + rng.uniform(-0.2, 0.15))), 2)
                for dim in ("response", "skill", "attitude", "care")
            }
            profile.reviews_30d = min(count, rng.randint(2, 30))
            profile.good_rate_30d = round(rng.uniform(0.91, 1.0), 3)
            profile.offers_received = int(count * rng.uniform(1.2, 1.8))
            profile.offers_accepted = min(
                profile.offers_received, int(count * rng.uniform(1.05, 1.25))
            )
            profile.completed_orders = count + rng.randint(0, count // 3 + 1)
            profile.transfer_count = rng.randint(0, 4)
            profile.complaint_rate = round(rng.uniform(0.0, 0.03), 3)
            profile.level = (
                "S"
                if avg >= 4.85 and count >= 150
                else "A"
                if avg >= 4.7 and count >= 50
                else ("C" if avg < 4.45 else "B")
            )
            if status == VerificationStatus.suspended.value:
                profile.complaint_rate = 0.062
                profile.level = "C"
            if index % 13 == 7:  # dispatch halves priority under a 90% recent good rate (seed 002)
                profile.good_rate_30d = 0.86
        if online and index % 11 == 3:  # upcoming leave
            start = datetime.combine(
                self.today + timedelta(days=rng.randint(2, 6)), datetime.min.time(), tzinfo=self.tz
            )
            self.session.add(
                TimeOff(
                    id=new_id("tof"),
                    technician_id=user.id,
                    start=start,
                    end=start + timedelta(days=rng.randint(1, 3)),
                    reason="回老家探亲",
                )
            )
        profile.updated_at = self.now
        self.session.add(profile)
        self._training(user.id, index, profile.level)

    def _training(self, tech_id: str, index: int, level: str) -> None:
        """Lessons studied lately and a passed quiz, by the technician's place in the list
        (not the random stream, so the rest of the city stays as it was): every third is
        short of the month's minimum, and one level-C technician in four has not passed a
        course yet (held from orders until then)."""
        courses = list(training_courses.shared().values())
        taken = courses[:1] if index % 3 == 0 else courses
        local = self.now.astimezone(self.tz)
        month_start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        for course in taken:
            for lesson in range(len(course.lessons)):
                self.session.add(
                    LessonStudy(
                        id=new_id("lsn"),
                        technician_id=tech_id,
                        course_id=course.id,
                        lesson=lesson,
                        minutes=training_courses.lesson_minutes(course, lesson),
                        studied_at=max(
                            month_start, self.now - timedelta(hours=1 + index % 6, minutes=lesson)
                        ),
                    )
                )
        if level == "C" and index % 4 == 0:
            return
        first = courses[0]
        self.session.add(
            QuizAttempt(
                id=new_id("quiz"),
                technician_id=tech_id,
                course_id=first.id,
                answers=[q.answer for q in first.quiz],
                correct=len(first.quiz),
                total=len(first.quiz),
                percent=100,
                passed=True,
                attempted_at=self.now - timedelta(hours=1),
            )
        )

    def _certificates(
        self, *, user: User, types: list[str], status: str, expiring_soon: bool
    ) -> None:
        rng = self.rng
        lapsing = [t for t in types if t in _VALIDITY_DAYS]
        soon_type = rng.choice(lapsing) if expiring_soon and lapsing else None
        for kind in types:
            validity = _VALIDITY_DAYS.get(kind)
            expires: date | None = None
            if validity:
                issued = self.today - timedelta(days=rng.randint(20, validity - 40))
                expires = issued + timedelta(days=validity)
            if kind == soon_type:
                expires = self.today + timedelta(days=rng.randint(7, 25))
            file_id = self._file(
                user, "certificate", png_bytes(120, 80, (240, 236, rng.randrange(180, 230)))
            )
            number = f"{_NUMBER_PREFIX.get(kind, 'ZS')}{rng.randrange(10**9, 10**10)}"
            cert_status = CertificateStatus.verified.value
            if status == VerificationStatus.pending.value:
                cert_status = CertificateStatus.pending.value
            reviewed = (
                None
                if cert_status == CertificateStatus.pending.value
                else self.now - timedelta(days=60)
            )
            self.session.add(
                Certificate(
                    id=new_id("crt"),
                    technician_id=user.id,
                    type=kind,
                    file_id=file_id,
                    number=number,
                    expires_on=expires,
                    status=cert_status,
                    created_at=self.now - timedelta(days=90),
                    reviewed_at=reviewed,
                )
            )
            self.certificate_count += 1
