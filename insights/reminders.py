"""The Monday review pack by email, through the reminder engine of ``activities`` (InsightsConfig.ready imports
this module to register the kind).

Every Monday at REVIEW_PACK_HOUR in the company's time zone (08:00, Asia/Shanghai) the beat runs
``review_packs_materialize``: for each active manager and each top team they manage (sub-teams are in its pack),
one delivery of kind ``review_pack`` whose occurrence is the ISO week reviewed (the week before), channel email
(the inbox when they have no address, or what they chose). The delivery table is unique per recipient, record and
occurrence: a second run, or the beat firing twice, creates nothing; packs already materialized are not even
computed again. The pack's text is rendered in the manager's language into the delivery's parameters, so the
worker sends exactly what was computed.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from activities.models import Delivery
from activities.notify import MaterializeResult, deliveries_insert
from activities.reminders import Due, reminder_kind, user_language
from insights.review import WEEK, iso_week, review_pack, review_period, review_text
from insights.scope import Scope
from org.models import Membership, Role, Team

REVIEW_PACK = "review_pack"
REVIEW_PACK_HOUR = 8
# A Monday's packs are made on that Monday only: a beat that was down for days does not send last week's review.
REVIEW_PACK_WINDOW = timedelta(hours=12)
MESSAGE_REVIEW_PACK = gettext_noop("Review pack %(week)s: %(team)s\n\n%(body)s")

reminder_kind(REVIEW_PACK, label=_("Weekly review pack (Monday)"), channels=("email",))


def review_moment(now: datetime) -> datetime | None:
    """This week's Monday REVIEW_PACK_HOUR in the company's zone, if ``now`` lies in the window after it."""
    local = timezone.localtime(now)
    monday = local.date() - timedelta(days=local.weekday())
    moment = timezone.make_aware(datetime.combine(monday, time(REVIEW_PACK_HOUR)))
    if moment <= now < moment + REVIEW_PACK_WINDOW:
        return moment
    return None


def review_link(team: Team, start: Any) -> str:
    return (
        f"{settings.REMINDER_SITE_URL.rstrip('/')}/insights/review/?team={team.pk}&period={WEEK}"
        f"&start={start.isoformat()}"
    )


def top_managed_teams() -> list[tuple[Any, Team]]:
    """(manager, team) for each active manager and each team they manage that is not below another they manage."""
    memberships = (
        Membership.objects.filter(role=Role.MANAGER, user__is_active=True)
        .select_related("user", "team")
        .order_by("user_id", "team__name", "team_id")
    )
    managed: dict[int, set[int]] = {}
    rows = list(memberships)
    for m in rows:
        managed.setdefault(m.user_id, set()).add(m.team_id)
    parents = dict(Team.objects.values_list("pk", "parent_id"))

    def below_another(user_id: int, team_id: int) -> bool:
        parent = parents.get(team_id)
        while parent is not None:
            if parent in managed[user_id]:
                return True
            parent = parents.get(parent)
        return False

    return [(m.user, m.team) for m in rows if not below_another(m.user_id, m.team_id)]


def review_packs_materialize(*, now: datetime | None = None) -> MaterializeResult:
    """On Monday from REVIEW_PACK_HOUR (company time), one pending review-pack delivery per manager and top team
    for the week before; nothing at other times, nothing a second time."""
    now = now or timezone.now()
    result = MaterializeResult()
    moment = review_moment(now)
    if moment is None:
        return result
    start, end = review_period(WEEK, timezone.localtime(moment).date() - timedelta(days=7))
    week = iso_week(start)
    done = set(Delivery.objects.filter(kind=REVIEW_PACK, occurrence=week).values_list("recipient_id", "target_id"))
    dues: list[Due] = []
    for manager, team in top_managed_teams():
        if (manager.pk, team.pk) in done:
            continue
        with translation.override(user_language(manager)):
            pack = review_pack(Scope.build(user=manager, start=start, end=end, team=team.pk), WEEK)
            body = review_text(pack, link=review_link(team, start), title=False)
            team_name = str(team)
            gettext(MESSAGE_REVIEW_PACK)  # the catalogue is loaded in the manager's language before sending too
        dues.append(
            Due(
                kind=REVIEW_PACK,
                target=team,
                occurrence=week,
                recipient_id=manager.pk,
                at=moment,
                message=MESSAGE_REVIEW_PACK,
                params={"week": week, "team": team_name, "body": body},
            )
        )
    result.due = len(dues)
    deliveries_insert(dues=dues, now=now, result=result)
    return result
