"""Demo customers: companies in each region, owned by the reps there, with a few contacts each."""

from __future__ import annotations

from customers.models import Account, CompanySize
from customers.services import account_create, contact_create
from org.models import Region, User

# (company, industry, size, region, city, owner, [(contact, title, phone, email)])
ACCOUNTS: list[tuple[str, str, str, str, str, str, list[tuple[str, str, str, str]]]] = [
    (
        "上海申远智能制造有限公司",
        "智能制造",
        CompanySize.LARGE,
        Region.EAST,
        "上海",
        "li.lei",
        [
            ("刘建华", "采购总监", "138 1762 3301", "liujh@shenyuan-mfg.cn"),
            ("郑晓", "IT经理", "+86 139-1702-8842", "zhengx@shenyuan-mfg.cn"),
        ],
    ),
    (
        "杭州云帆电子商务有限公司",
        "电子商务",
        CompanySize.MEDIUM,
        Region.EAST,
        "杭州",
        "li.lei",
        [("吴芳", "运营副总裁", "13605712288", "wufang@yunfan.com")],
    ),
    (
        "苏州金桥精密机械股份有限公司",
        "机械制造",
        CompanySize.ENTERPRISE,
        Region.EAST,
        "苏州",
        "han.meimei",
        [("钱伟", "总经理", "0512-6688 1200", "qianwei@jinqiao-pm.com")],
    ),
    ("南京博远医疗器械有限公司", "医疗器械", CompanySize.MEDIUM, Region.EAST, "南京", "han.meimei", []),
    (
        "宁波海通物流有限公司",
        "物流",
        CompanySize.SMALL,
        Region.EAST,
        "宁波",
        "chen.jie",
        [("陆海", "信息部主管", "15888012345", "luhai@haitong-log.cn")],
    ),
    ("上海浦江新能源科技有限公司", "新能源", CompanySize.MEDIUM, Region.EAST, "上海", "xu.jing", []),
    (
        "深圳前海星辰科技有限公司",
        "软件",
        CompanySize.MEDIUM,
        Region.SOUTH,
        "深圳",
        "liu.yang",
        [
            ("黄志强", "CTO", "13823456789", "hzq@xingchen-tech.cn"),
            ("林小雨", "采购", "13923456780", "linxy@xingchen-tech.cn"),
        ],
    ),
    ("广州珠江食品集团", "食品饮料", CompanySize.ENTERPRISE, Region.SOUTH, "广州", "liu.yang", []),
    (
        "东莞恒达电子厂",
        "电子制造",
        CompanySize.LARGE,
        Region.SOUTH,
        "东莞",
        "huang.li",
        [("何明", "厂长", "0769-2233 4455", "heming@hengda-elec.com")],
    ),
    ("佛山美居家具有限公司", "家居", CompanySize.SMALL, Region.SOUTH, "佛山", "huang.li", []),
    (
        "北京中关村数智科技有限公司",
        "软件",
        CompanySize.MEDIUM,
        Region.NORTH,
        "北京",
        "zhang.wei",
        [("赵磊", "副总经理", "13701234567", "zhaolei@zgc-ai.cn")],
    ),
    ("天津港联供应链管理有限公司", "物流", CompanySize.LARGE, Region.NORTH, "天津", "zhang.wei", []),
    ("石家庄华北制药设备有限公司", "制药", CompanySize.MEDIUM, Region.NORTH, "石家庄", "wang.fang", []),
    (
        "青岛海润水务集团",
        "公用事业",
        CompanySize.ENTERPRISE,
        Region.NORTH,
        "青岛",
        "sun.wei",
        [("孙红", "信息中心主任", "0532-8888 6666", "sunhong@hairun-water.cn")],
    ),
    (
        "Acme Corporation",
        "Technology",
        CompanySize.ENTERPRISE,
        Region.INTERNATIONAL,
        "San Francisco",
        "james.wilson",
        [("Laura Bennett", "VP Operations", "+1 415 555 0134", "laura.bennett@acme.example")],
    ),
    ("Betatech", "Medical", CompanySize.LARGE, Region.INTERNATIONAL, "Nairobi", "james.wilson", []),
    (
        "Singapore Harbour Trading Pte Ltd",
        "Trading",
        CompanySize.MEDIUM,
        Region.INTERNATIONAL,
        "Singapore",
        "olivia.chen",
        [("Tan Wei Ming", "Finance Director", "+65 6123 4567", "weiming.tan@sht.example")],
    ),
    ("Rhine Precision GmbH", "Machinery", CompanySize.MEDIUM, Region.INTERNATIONAL, "Düsseldorf", "olivia.chen", []),
]


def load() -> int:
    created = 0
    users = {u.username: u for u in User.objects.filter(username__in={a[5] for a in ACCOUNTS})}
    existing = set(Account.objects.values_list("name", flat=True))
    for name, industry, size, region, city, owner, contacts in ACCOUNTS:
        if name in existing:
            continue
        account = account_create(
            actor=None, name=name, owner=users[owner], industry=industry, size=size, region=region, city=city
        )
        created += 1
        for contact, title, phone, email in contacts:
            contact_create(actor=None, account=account, name=contact, title=title, phone=phone, email=email)
            created += 1
    return created
