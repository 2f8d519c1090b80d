"""The demo company's organisation: a tree of teams in several regions and people in every role."""

from __future__ import annotations

from org import services
from org.models import Membership, Region, RepLevel, Role, Team, User

DEMO_PASSWORD = "ltc-demo"  # noqa: S105 - the published demo password, printed by make run

# (name, English name, parent name, region)
TEAMS: list[tuple[str, str, str | None, str]] = [
    ("公司总部", "Head office", None, ""),
    ("销售中心", "Sales", "公司总部", ""),
    ("华东大区", "East China", "销售中心", Region.EAST),
    ("上海一组", "Shanghai team 1", "华东大区", Region.EAST),
    ("华南大区", "South China", "销售中心", Region.SOUTH),
    ("华北大区", "North China", "销售中心", Region.NORTH),
    ("国际业务部", "International", "销售中心", Region.INTERNATIONAL),
    ("解决方案部", "Solutions (presales)", "公司总部", ""),
    ("交付中心", "Delivery", "公司总部", ""),
    ("财务部", "Finance", "公司总部", ""),
]

# (username, display name, email, rep level, region, [(team, role), ...])
PEOPLE: list[tuple[str, str, str, str, str, list[tuple[str, str]]]] = [
    ("admin", "系统管理员", "admin@demo.ltc", "", "", [("公司总部", Role.ADMIN)]),
    ("director", "王建国", "wang.jianguo@demo.ltc", "", "", [("销售中心", Role.MANAGER)]),
    ("zhao.min", "赵敏", "zhao.min@demo.ltc", RepLevel.SENIOR, Region.EAST, [("华东大区", Role.MANAGER)]),
    ("li.lei", "李雷", "li.lei@demo.ltc", RepLevel.SENIOR, Region.EAST, [("华东大区", Role.REP)]),
    ("han.meimei", "韩梅梅", "han.meimei@demo.ltc", RepLevel.REGULAR, Region.EAST, [("华东大区", Role.REP)]),
    (
        "xu.jing",
        "徐静",
        "xu.jing@demo.ltc",
        RepLevel.REGULAR,
        Region.EAST,
        [("上海一组", Role.MANAGER), ("上海一组", Role.REP)],
    ),
    ("chen.jie", "陈杰", "chen.jie@demo.ltc", RepLevel.JUNIOR, Region.EAST, [("上海一组", Role.REP)]),
    ("zhou.tao", "周涛", "zhou.tao@demo.ltc", RepLevel.SENIOR, Region.SOUTH, [("华南大区", Role.MANAGER)]),
    ("liu.yang", "刘洋", "liu.yang@demo.ltc", RepLevel.SENIOR, Region.SOUTH, [("华南大区", Role.REP)]),
    ("huang.li", "黄丽", "huang.li@demo.ltc", RepLevel.JUNIOR, Region.SOUTH, [("华南大区", Role.REP)]),
    ("sun.wei", "孙伟", "sun.wei@demo.ltc", RepLevel.SENIOR, Region.NORTH, [("华北大区", Role.MANAGER)]),
    ("zhang.wei", "张伟", "zhang.wei@demo.ltc", RepLevel.REGULAR, Region.NORTH, [("华北大区", Role.REP)]),
    ("wang.fang", "王芳", "wang.fang@demo.ltc", RepLevel.JUNIOR, Region.NORTH, [("华北大区", Role.REP)]),
    (
        "emma.clark",
        "Emma Clark",
        "emma.clark@demo.ltc",
        RepLevel.SENIOR,
        Region.INTERNATIONAL,
        [("国际业务部", Role.MANAGER)],
    ),
    (
        "james.wilson",
        "James Wilson",
        "james.wilson@demo.ltc",
        RepLevel.SENIOR,
        Region.INTERNATIONAL,
        [("国际业务部", Role.REP)],
    ),
    (
        "olivia.chen",
        "Olivia Chen",
        "olivia.chen@demo.ltc",
        RepLevel.JUNIOR,
        Region.INTERNATIONAL,
        [("国际业务部", Role.REP)],
    ),
    ("gao.feng", "高峰", "gao.feng@demo.ltc", "", "", [("解决方案部", Role.PRESALES)]),
    ("sophia.li", "Sophia Li", "sophia.li@demo.ltc", "", "", [("解决方案部", Role.PRESALES)]),
    ("ma.jun", "马军", "ma.jun@demo.ltc", "", "", [("交付中心", Role.DELIVERY)]),
    ("daniel.wu", "Daniel Wu", "daniel.wu@demo.ltc", "", "", [("交付中心", Role.DELIVERY)]),
    ("qian.hui", "钱慧", "qian.hui@demo.ltc", "", "", [("财务部", Role.MANAGER), ("财务部", Role.FINANCE)]),
    ("tang.xue", "唐雪", "tang.xue@demo.ltc", "", "", [("财务部", Role.FINANCE)]),
]

# The logins worth printing: one person per role.
SHOWCASE = ["admin", "director", "zhao.min", "li.lei", "chen.jie", "james.wilson", "gao.feng", "ma.jun", "qian.hui"]


def load() -> int:
    """Create what is missing; never changes what exists. Returns the number of records created."""
    created = 0
    teams: dict[str, Team] = {t.name: t for t in Team.objects.all()}
    for name, name_en, parent, region in TEAMS:
        if name not in teams:
            teams[name] = services.team_create(
                actor=None, name=name, name_en=name_en, parent=teams[parent] if parent else None, region=region
            )
            created += 1
    for username, display_name, email, level, region, roles in PEOPLE:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = services.user_create(
                actor=None,
                username=username,
                password=DEMO_PASSWORD,
                display_name=display_name,
                email=email,
                rep_level=level,
                region=region,
                is_superuser=username == "admin",
            )
            created += 1
        for team_name, role in roles:
            if not Membership.objects.filter(user=user, team=teams[team_name], role=role).exists():
                services.membership_add(actor=None, user=user, team=teams[team_name], role=role)
                created += 1
    return created


def login_lines() -> list[str]:
    people = {p[0]: p for p in PEOPLE}
    lines = []
    for username in SHOWCASE:
        _, display_name, _, _, _, roles = people[username]
        role_text = ", ".join(f"{Role(role).label} @ {team}" for team, role in roles)
        lines.append(f"{username:<14} {display_name:<8} {role_text}")
    return lines
