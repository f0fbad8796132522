"""The Wuhan demo city as plain data: regions, organisations, outlets and the demo accounts.

District names and codes are the real administrative ones; centroids are approximate. Street
names are real streets of their district, numbered in the order listed here (the real street
codes use the same pattern but other numbers). Communities are believable: the seed
article's 西厂口社区 (黄鹤楼街道) and 机安社区 (武昌区) are real, most others are made up
from common community-name stems. Everything downstream is derived from this module with
seeded random numbers, so the demo city is the same on every machine.
"""

from __future__ import annotations

from dataclasses import dataclass


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


CITY_CODE = "4201"
CITY_NAME = "武汉市"
CITY_CENTRE = (30.593, 114.305)

DEMO_PASSWORD = "Bee-demo-2021"  # published in the README


@dataclass(frozen=True)
class DistrictSeed:
    code: str
    name: str
    lat: float
    lng: float
    # Radius of the district's stand-in area; the real shapes are not shipped.
    radius_km: float
    urban: bool


@dataclass(frozen=True)
class StreetSeed:
    name: str
    # Hand-written community names; empty means "generate 3-6 believable ones".
    communities: tuple[str, ...] = ()
    # An approximate real centre when known, else one is drawn around the district centroid.
    at: tuple[float, float] | None = None


DISTRICTS: tuple[DistrictSeed, ...] = (
    DistrictSeed("420102", "江岸区", 30.640, 114.318, 7.5, True),
    DistrictSeed("420103", "江汉区", 30.603, 114.266, 4.5, True),
    DistrictSeed("420104", "硚口区", 30.583, 114.228, 5.5, True),
    DistrictSeed("420105", "汉阳区", 30.540, 114.212, 8.5, True),
    DistrictSeed("420106", "武昌区", 30.556, 114.322, 6.0, True),
    DistrictSeed("420107", "青山区", 30.632, 114.402, 7.0, True),
    DistrictSeed("420111", "洪山区", 30.498, 114.382, 12.0, True),
    DistrictSeed("420112", "东西湖区", 30.655, 114.132, 11.0, False),
    DistrictSeed("420113", "汉南区", 30.308, 114.088, 12.0, False),
    DistrictSeed("420114", "蔡甸区", 30.495, 113.978, 16.0, False),
    DistrictSeed("420115", "江夏区", 30.300, 114.330, 20.0, False),
    DistrictSeed("420116", "黄陂区", 30.905, 114.372, 22.0, False),
    DistrictSeed("420117", "新洲区", 30.795, 114.780, 18.0, False),
)

STREETS: dict[str, tuple[StreetSeed, ...]] = {
    "420102": (
        StreetSeed("大智街道"),
        StreetSeed("一元街道"),
        StreetSeed("球场街道"),
        StreetSeed("二七街道"),
        StreetSeed("后湖街道"),
        StreetSeed("谌家矶街道"),
    ),
    "420103": (
        StreetSeed("民族街道"),
        StreetSeed("花楼街道"),
        StreetSeed("民意街道"),
        StreetSeed("万松街道"),
        StreetSeed("唐家墩街道"),
        StreetSeed("汉兴街道"),
    ),
    "420104": (
        StreetSeed("古田街道"),
        StreetSeed("韩家墩街道"),
        StreetSeed("宗关街道"),
        StreetSeed("汉正街道"),
        StreetSeed("长丰街道"),
    ),
    "420105": (
        StreetSeed("晴川街道"),
        StreetSeed("鹦鹉街道"),
        StreetSeed("五里墩街道"),
        StreetSeed("琴断口街道"),
        StreetSeed("四新街道"),
        StreetSeed("永丰街道"),
    ),
    "420106": (
        StreetSeed(
            "黄鹤楼街道",
            ("西厂口社区", "得胜桥社区", "大成路社区", "长街社区", "户部巷社区", "候补街社区"),
            at=(30.5445, 114.3010),
        ),
        StreetSeed(
            "积玉桥街道",
            ("积玉桥社区", "临江社区", "万年青社区", "武锅社区", "和平里社区"),
            at=(30.5725, 114.3080),
        ),
        StreetSeed(
            "中华路街道",
            ("机安社区", "彭刘杨路社区", "解放路社区", "司门口社区", "中华路社区"),
            at=(30.5560, 114.2960),
        ),
        StreetSeed(
            "首义路街道",
            ("首义社区", "起义门社区", "紫阳湖社区", "复兴路社区"),
            at=(30.5365, 114.3130),
        ),
        StreetSeed(
            "水果湖街道",
            ("水果湖社区", "东湖路社区", "楚汉路社区", "黄鹂路社区", "中北路社区"),
            at=(30.5500, 114.3520),
        ),
        StreetSeed(
            "徐家棚街道",
            ("徐家棚社区", "秦园路社区", "三层楼社区", "车辆厂社区", "沙湖社区"),
            at=(30.5860, 114.3300),
        ),
        StreetSeed(
            "中南路街道",
            ("中南路社区", "武珞路社区", "宝通寺社区", "丁字桥社区"),
            at=(30.5370, 114.3360),
        ),
    ),
    "420107": (
        StreetSeed("红钢城街道"),
        StreetSeed("冶金街道"),
        StreetSeed("工人村街道"),
        StreetSeed("钢花村街道"),
        StreetSeed("武东街道"),
    ),
    "420111": (
        StreetSeed("珞南街道"),
        StreetSeed("关山街道"),
        StreetSeed("狮子山街道"),
        StreetSeed("张家湾街道"),
        StreetSeed("卓刀泉街道"),
        StreetSeed("和平街道"),
    ),
    "420112": (
        StreetSeed(
            "吴家山街道",
            ("吴家山社区", "田园社区", "海口社区", "三秀社区", "七雄社区"),
            at=(30.6260, 114.1430),
        ),
        StreetSeed("将军路街道"),
        StreetSeed("金银湖街道"),
        StreetSeed("径河街道", ("径河社区", "东吴社区", "汉西社区", "马投潭社区", "临空港社区")),
        StreetSeed("走马岭街道"),
        StreetSeed("长青街道"),
    ),
    "420113": (
        StreetSeed("纱帽街道"),
        StreetSeed("邓南街道"),
        StreetSeed("东荆街道"),
        StreetSeed("湘口街道"),
    ),
    "420114": (
        StreetSeed("蔡甸街道"),
        StreetSeed("奓山街道"),
        StreetSeed("永安街道"),
        StreetSeed("侏儒山街道"),
        StreetSeed("索河街道"),
    ),
    "420115": (
        StreetSeed("纸坊街道"),
        StreetSeed("金口街道"),
        StreetSeed("乌龙泉街道"),
        StreetSeed("郑店街道"),
        StreetSeed("五里界街道"),
    ),
    "420116": (
        StreetSeed("前川街道"),
        StreetSeed("横店街道"),
        StreetSeed("滠口街道"),
        StreetSeed("武湖街道"),
        StreetSeed("天河街道"),
        StreetSeed("罗汉寺街道"),
    ),
    "420117": (
        StreetSeed("邾城街道"),
        StreetSeed("阳逻街道"),
        StreetSeed("仓埠街道"),
        StreetSeed("汪集街道"),
        StreetSeed("双柳街道"),
    ),
}

# Communities placed at an approximate real spot instead of a random one: (street, community).
FIXED_COMMUNITY_POINTS: dict[tuple[str, str], tuple[float, float]] = {
    ("黄鹤楼街道", "西厂口社区"): (30.5475, 114.3000),
}

# Stems for generated community names (…社区, …花园社区, …新村社区).
COMMUNITY_STEMS = _words(
    "幸福 和平 建设 新华 民主 东风 红旗 向阳 友谊 团结 前进 光明 滨江 湖滨 丽园 金桥 桃园 梅苑 桂园 翠微 青年 阳光 "
    "春晓 惠民 福星 锦绣 紫荆 枫林 柳岸 荷塘 竹苑 兰亭 芳草 绿洲 兴业 康宁 安居 泰和 盛世 江滩 南湖 北湖 月湖 莲湖 "
    "琴台 龟山 珞珈 喻家 楚雄 荆楚 江城 云鹤 白鹭 凤凰 龙泉 玉带 金色 银杏 香樟 桂花 石榴 杨柳 铁路 水运 电力 钢都 "
    "纺织 机电 邮电 园林 农科 水岸 星城 育才 书香 文昌 学府 科技 工业 江景 东方 南山 西城 北港 城北 城南 城东 城西 "
    "新港 老街 古镇 南岸 北岸 新城 新苑 瑞景 嘉园 润园 恒安 长安 太平 安康 丰收 丰乐 红光 红星 群星 星光 朝阳 晨光 "
    "曙光 华光 汇丰 聚贤 集贤 仁和 义和 德润 和顺 祥和 吉祥 如意 万福 五福 百福 千禧 世纪 时代 常青 金桂 碧桂 汉口 "
    "江南 江北 龙湾 凤凰湖 杨家湾 李家墩 张公堤 白马 青龙 黄金 白云 彩虹 蓝天 花园 果园 菜园 茶园 桑园 湖光 山水 "
    "清江 汉水 沿河 临江 知音 梅岭 桃源"
)
COMMUNITY_SUFFIXES: tuple[str, ...] = ("社区", "社区", "社区", "花园社区", "新村社区", "路社区")


# --- Organisations ------------------------------------------------------------------------
@dataclass(frozen=True)
class DepartmentSeed:
    department_type: str
    code_prefix: str
    # str.format with {district} (e.g. 武昌区) and {short} (e.g. 武昌).
    name: str
    short_name: str


DISTRICT_DEPARTMENTS: tuple[DepartmentSeed, ...] = (
    DepartmentSeed("traffic_police", "tp", "武汉市公安局交通管理局{short}大队", "{short}交警大队"),
    DepartmentSeed("urban_management", "um", "{district}城市管理执法局", "{district}城管执法局"),
    DepartmentSeed("public_security", "ps", "武汉市公安局{district}分局", "{district}公安分局"),
    DepartmentSeed("market_regulation", "mr", "武汉市{district}市场监督管理局", "{district}市场监管局"),
)


@dataclass(frozen=True)
class IndustrySeed:
    industry: str
    slug: str
    committee: str
    committee_short: str
    regulator: str
    regulator_short: str
    regulator_department_type: str


INDUSTRIES: tuple[IndustrySeed, ...] = (
    IndustrySeed(
        "express", "express", "武汉市快递行业党委", "快递行业党委",
        "武汉市邮政管理局", "市邮政管理局", "postal",
    ),
    IndustrySeed(
        "food_delivery", "food", "武汉市外卖行业党委", "外卖行业党委",
        "武汉市商务局", "市商务局", "commerce",
    ),
    IndustrySeed(
        "ride_hailing", "ride", "武汉市网约车行业党委", "网约车行业党委",
        "武汉市交通运输局", "市交通运输局", "transport",
    ),
)  # fmt: skip


@dataclass(frozen=True)
class EnterpriseSeed:
    slug: str
    name: str
    short_name: str
    industry: str
    # Relative share of the demo workers of its industry.
    weight: float
    contact_phone: str = ""


ENTERPRISES: tuple[EnterpriseSeed, ...] = (
    EnterpriseSeed("sf", "顺丰速运", "顺丰", "express", 0.20, "95338"),
    EnterpriseSeed("jd", "京东物流", "京东", "express", 0.15, "950616"),
    EnterpriseSeed("zto", "中通快递", "中通", "express", 0.15, "95311"),
    EnterpriseSeed("yto", "圆通速递", "圆通", "express", 0.12, "95554"),
    EnterpriseSeed("yunda", "韵达快递", "韵达", "express", 0.12, "95546"),
    EnterpriseSeed("sto", "申通快递", "申通", "express", 0.10, "95543"),
    EnterpriseSeed("jt", "极兔速递", "极兔", "express", 0.08, "956025"),
    EnterpriseSeed("ems", "中国邮政EMS", "EMS", "express", 0.08, "11183"),
    EnterpriseSeed("eleme", "饿了么", "饿了么", "food_delivery", 0.45, "10105757"),
    EnterpriseSeed("meituan", "美团外卖", "美团", "food_delivery", 0.55, "10109777"),
    EnterpriseSeed("didi", "滴滴出行", "滴滴", "ride_hailing", 0.50, "4000000999"),
    EnterpriseSeed("caocao", "曹操出行", "曹操", "ride_hailing", 0.15),
    EnterpriseSeed("t3", "T3出行", "T3", "ride_hailing", 0.20),
    EnterpriseSeed("amap", "高德打车", "高德", "ride_hailing", 0.15),
)


@dataclass(frozen=True)
class OutletSeed:
    name: str
    district: str
    street: str
    # A community of that street by name; empty means the street's first community.
    community: str = ""
    children: tuple[OutletSeed, ...] = ()


def _o(name: str, district: str, street: str, community: str = "", *children: OutletSeed) -> OutletSeed:
    return OutletSeed(name, district, street, community, tuple(children))


OUTLETS: dict[str, tuple[OutletSeed, ...]] = {
    "sf": (
        _o(
            "东西湖汉西分部", "东西湖区", "径河街道", "汉西社区",
            _o("东吴网点", "东西湖区", "径河街道", "东吴社区"),
            _o("径河网点", "东西湖区", "径河街道", "径河社区"),
            _o("吴家山网点", "东西湖区", "吴家山街道", "吴家山社区"),
        ),
        _o(
            "武昌中北路分部", "武昌区", "水果湖街道", "中北路社区",
            _o("黄鹤楼网点", "武昌区", "黄鹤楼街道", "户部巷社区"),
            _o("积玉桥网点", "武昌区", "积玉桥街道"),
        ),
        _o("江汉万松分部", "江汉区", "万松街道", "", _o("唐家墩网点", "江汉区", "唐家墩街道")),
        _o("洪山光谷分部", "洪山区", "关山街道", "", _o("珞南网点", "洪山区", "珞南街道")),
    ),
    "jd": (
        _o("江岸营业部", "江岸区", "后湖街道", "", _o("二七站", "江岸区", "二七街道")),
        _o("武昌营业部", "武昌区", "徐家棚街道", "", _o("中南路站", "武昌区", "中南路街道")),
        _o("东西湖营业部", "东西湖区", "金银湖街道"),
    ),
    "zto": (
        _o("汉阳分部", "汉阳区", "鹦鹉街道", "", _o("四新网点", "汉阳区", "四新街道")),
        _o("硚口分部", "硚口区", "古田街道", "", _o("宗关网点", "硚口区", "宗关街道")),
    ),
    "yto": (
        _o("武昌分部", "武昌区", "首义路街道", "", _o("紫阳湖网点", "武昌区", "首义路街道", "紫阳湖社区")),
        _o("青山分部", "青山区", "红钢城街道"),
    ),
    "yunda": (
        _o("洪山分部", "洪山区", "张家湾街道"),
        _o("江夏分部", "江夏区", "纸坊街道"),
    ),
    "sto": (_o("黄陂分部", "黄陂区", "前川街道", "", _o("横店网点", "黄陂区", "横店街道")),),
    "jt": (_o("蔡甸分部", "蔡甸区", "蔡甸街道"),),
    "ems": (
        _o("江岸揽投部", "江岸区", "大智街道"),
        _o("新洲揽投部", "新洲区", "邾城街道"),
    ),
    "eleme": (
        _o(
            "武昌区域", "武昌区", "水果湖街道", "",
            _o("汉街站", "武昌区", "水果湖街道", "楚汉路社区"),
            _o("积玉桥站", "武昌区", "积玉桥街道"),
        ),
        _o("江汉区域", "江汉区", "民意街道", "", _o("民族路站", "江汉区", "民族街道")),
    ),
    "meituan": (
        _o(
            "武昌站区", "武昌区", "中南路街道", "",
            _o("中南路站", "武昌区", "中南路街道"),
            _o("首义路站", "武昌区", "首义路街道"),
        ),
        _o("江岸站区", "江岸区", "后湖街道", "", _o("后湖站", "江岸区", "后湖街道")),
        _o("洪山站区", "洪山区", "关山街道", "", _o("光谷站", "洪山区", "关山街道")),
    ),
    "didi": (_o("武汉司机之家", "江汉区", "唐家墩街道"),),
    "t3": (_o("武汉司机服务中心", "洪山区", "和平街道"),),
}  # fmt: skip


@dataclass(frozen=True)
class AllianceSeed:
    slug: str
    name: str
    short_name: str
    # The region it serves: a district and optionally a street; empty means the whole city.
    district: str = ""
    street: str = ""
    address: str = ""


ALLIANCE_UNITS: tuple[AllianceSeed, ...] = (
    AllianceSeed("hhl-park", "黄鹤楼公园", "黄鹤楼公园", "武昌区", "黄鹤楼街道", "武昌区蛇山西山坡特1号"),
    AllianceSeed("union", "武汉市总工会", "市总工会"),
    AllianceSeed("zhongbai", "中百仓储超市有限公司", "中百仓储"),
    AllianceSeed("wushang", "武商集团", "武商集团"),
    AllianceSeed("jiangtan", "汉口江滩公园管理处", "汉口江滩", "江岸区", "一元街道"),
    AllianceSeed("cmcc", "中国移动武汉分公司", "武汉移动"),
)  # fmt: skip


# --- Demo accounts ------------------------------------------------------------------------
@dataclass(frozen=True)
class DemoWorker:
    phone: str
    name: str
    worker_type: str
    enterprise: str  # EnterpriseSeed.slug
    outlet: tuple[str, ...]  # path of outlet names from the top outlet, () for none
    district: str
    street: str
    community: str
    checkin: str  # CheckinStatus value
    employment: str  # EmploymentStatus value
    description: str


@dataclass(frozen=True)
class DemoStaff:
    phone: str
    name: str
    role: str  # Role value
    description: str
    # Either an organisation code (built by wuhan.py: party orgs "wh-party-<region code>",
    # departments "wh-<prefix>-<district code>", committees "wh-ic-<slug>", enterprise
    # party orgs "wh-ent-<slug>-party") or the names of a region whose party org is meant.
    organisation: str = ""
    region: tuple[str, ...] = ()


DEMO_WORKERS: tuple[DemoWorker, ...] = (
    DemoWorker(
        "13800000001", "朱涛", "courier", "sf", ("东西湖汉西分部", "东吴网点"),
        "武昌区", "黄鹤楼街道", "西厂口社区", "confirmed", "confirmed",
        "快递员 · 顺丰速运 东西湖汉西分部 东吴网点 · 西厂口社区（已报到）",
    ),
    DemoWorker(
        "13800000002", "郭锋", "food_delivery", "eleme", ("武昌区域", "汉街站"),
        "武昌区", "中华路街道", "机安社区", "confirmed", "confirmed",
        "外卖骑手 · 饿了么 汉街站 · 机安社区（已报到）",
    ),
    DemoWorker(
        "13800000003", "陈志强", "ride_hailing", "didi", (),
        "武昌区", "黄鹤楼街道", "西厂口社区", "pending", "confirmed",
        "网约车司机 · 滴滴出行 · 西厂口社区（报到待审核）",
    ),
)  # fmt: skip

XICHANGKOU = ("武昌区", "黄鹤楼街道", "西厂口社区")
JIAN = ("武昌区", "中华路街道", "机安社区")

DEMO_STAFF: tuple[DemoStaff, ...] = (
    DemoStaff(
        "13900000000", "周建华", "city_admin", "市级管理员 · 中共武汉市委组织部（可进 /admin/）",
        organisation="wh-party-4201",
    ),
    DemoStaff("13900000001", "李晓燕", "handler", "经办人 · 西厂口社区党委", region=XICHANGKOU),
    DemoStaff(
        "13900000002", "王丽娟", "admin", "管理员 · 黄鹤楼街道党工委",
        region=("武昌区", "黄鹤楼街道"),
    ),
    DemoStaff("13900000003", "张伟民", "admin", "管理员 · 武昌区委", organisation="wh-party-420106"),
    DemoStaff(
        "13900000004", "刘海波", "admin", "管理员 · 顺丰党委（企业党组织）",
        organisation="wh-ent-sf-party",
    ),
    DemoStaff(
        "13900000005", "孙立新", "admin", "管理员 · 武汉市快递行业党委",
        organisation="wh-ic-express",
    ),
    DemoStaff("13900000006", "赵刚", "handler", "经办人 · 武昌交警大队", organisation="wh-tp-420106"),
    # A keeper keeps the stations of the organisation they belong to: hives.py makes each of
    # these two the only station its community party organisation manages.
    DemoStaff("13900000007", "何春梅", "keeper", "蜂巢站长 · 西厂口社区蜂巢驿站", region=XICHANGKOU),
    DemoStaff("13900000008", "罗晓琳", "keeper", "蜂巢站长 · 机安社区爱心驿站", region=JIAN),
    # The demo rider's appeals against 饿了么 go to its party organisation, supervised by the
    # food-delivery committee: both have a login, as 顺丰's and the express committee's do.
    DemoStaff(
        "13900000009", "吴思远", "admin", "管理员 · 饿了么党委（企业党组织）",
        organisation="wh-ent-eleme-party",
    ),
    DemoStaff(
        "13900000010", "钱慧敏", "admin", "管理员 · 武汉市外卖行业党委",
        organisation="wh-ic-food",
    ),
)  # fmt: skip

# --- People -------------------------------------------------------------------------------
# Common surnames with rough relative frequencies.
SURNAMES: tuple[tuple[str, int], ...] = tuple(
    (s, w)
    for w, group in (
        (70, "王李张刘陈"),
        (40, "杨黄赵吴周"),
        (25, "徐孙马朱胡郭何高林罗"),
        (15, "郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"),
        (8, "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷"),
        (4, "侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤柯童"),
    )
    for s in group
)
# Given names: common two-character ones, and single characters for the shorter names.
MALE_GIVEN_NAMES = _words(
    "建华 建国 建军 志强 志明 志勇 志刚 国强 国庆 海涛 海波 海峰 俊杰 文杰 文斌 浩然 子豪 宇航 晓东 晓明 晓峰 明辉 "
    "明亮 伟东 伟华 伟民 永刚 永强 永军 德明 德胜 春雷 春生 金龙 金华 天宇 天明 振华 振宇 立新 立军 新民 小龙 小军 "
    "家豪 家乐 嘉伟 梓豪 鹏飞 鹏程 云飞 红军 卫东 卫国 庆华 利民 松林 荣华 胜利 俊峰 俊辉 建平 建新 建林 忠诚 光明 "
    "光辉 学军 学文 兴旺 长江 长青 中华 东升 东明 宏伟 宏亮 成龙 成刚 少华 少杰 思远 博文 泽宇 一鸣 子轩 浩宇 皓轩 "
    "宇轩 鑫磊 晨阳 晨曦 亚军 亚东 旭东 旭阳 凯文 凯旋 世杰 世明 雄飞 勇军 斌斌 亮亮"
)
FEMALE_GIVEN_NAMES = _words(
    "丽娟 晓燕 春梅 秀英 桂英 玉兰 小红 婷婷 雪梅 丽华 海燕 秀兰 静怡 欣怡 佳慧 雅琴 美玲 凤英 丽萍 晓丽 文静 思雨 "
    "雨欣 梦瑶 艳红 红霞 丹丹 莉莉 娜娜 慧敏 晓琳 玉梅 金凤 淑芬 秀芳 倩倩 佳琪 雪莹 晶晶 红梅"
)
MALE_GIVEN = _words("伟 强 磊 军 勇 杰 涛 斌 超 明 刚 平 辉 鹏 华 飞 鑫 波 宇 浩 凯 健 俊 帆 龙 林 阳 亮 成 峰 锋 兵")
FEMALE_GIVEN = _words("丽 娟 敏 静 芳 婷 雪 琳 霞 燕 玲 倩 颖 慧 洁 萍 红 艳 丹 莉 娜 欣 悦 佳 怡 梅")

CHECKIN_REJECT_NOTES: tuple[str, ...] = (
    "经核实不在本社区辖区工作或居住，请选择实际服务的社区重新报到。",
    "填写的姓名与社区登记信息不一致，请核对后重新提交。",
    "所在网点不在本社区辖区，建议到网点所在社区报到。",
)
EMPLOYMENT_REJECT_NOTES: tuple[str, ...] = (
    "经核实已于上月离职。",
    "未在本企业站点人员名单中查到此人，请联系站长核实。",
)
