"""Hangzhou as the demo bank sees it: districts, their roads and the three branches.

Pure data (no Django). District points are the district government seats, to about a kilometre;
customers' homes are scattered around them with a spread that fits the district's size, so a map
of the demo looks like the city (dense centre, sprawling Xiaoshan and Yuhang).
"""

from __future__ import annotations

from dataclasses import dataclass

PROVINCE = "浙江省"
CITY = "杭州市"


@dataclass(frozen=True)
class District:
    name: str
    latitude: float
    longitude: float
    # Standard deviation of homes around the seat, in degrees (0.01° ≈ 1.1 km).
    spread: float
    # Relative number of residents, for drawing where customers live.
    weight: float
    postcode: str
    # The six-digit region codes issued here: today's code and, for districts merged in 2021,
    # the older codes still printed on the ID cards of people born before the merger.
    region_codes: tuple[str, ...]
    roads: tuple[str, ...]


DISTRICTS: tuple[District, ...] = (
    District(
        "西湖区", 30.2592, 120.1302, 0.022, 1.1, "310012", ("330106",),
        ("文三路", "文二路", "文一路", "天目山路", "古墩路", "教工路", "学院路", "西溪路",
         "紫金港路", "益乐路", "留和路", "之江路", "五联西苑路", "丰潭路"),
    ),
    District(
        "拱墅区", 30.3197, 120.1418, 0.018, 1.2, "310011", ("330105", "330103"),
        ("莫干山路", "湖墅南路", "上塘路", "大关路", "登云路", "台州路", "丽水路", "小河路",
         "潮王路", "东新路", "石桥路", "武林路", "中山北路", "环城北路"),
    ),
    District(
        "余杭区", 30.2780, 119.9920, 0.045, 1.3, "311121", ("330110",),
        ("文一西路", "良睦路", "五常大道", "荆长路", "龙潭路", "闲富中路", "海曙路", "文昌路",
         "良渚港南路", "舒心路"),
    ),
    District(
        "滨江区", 30.2083, 120.2119, 0.015, 0.5, "310051", ("330108",),
        ("江南大道", "滨盛路", "长河路", "江汉路", "西兴路", "网商路", "江陵路", "火炬大道",
         "闻涛路", "浦沿路", "春波路"),
    ),
    District(
        "上城区", 30.2460, 120.2070, 0.022, 1.3, "310002", ("330102", "330104"),
        ("解放路", "庆春东路", "秋涛路", "望江路", "江城路", "清泰街", "复兴路", "钱江路",
         "新塘路", "凯旋路", "笕桥路", "九堡大道"),
    ),
    District(
        "钱塘区", 30.3050, 120.3440, 0.040, 0.8, "310018", ("330114", "330104"),
        ("文泽路", "学林街", "下沙路", "幸福南路", "金沙大道", "文渊路", "江东大道", "义蓬路",
         "高沙路"),
    ),
    District(
        "萧山区", 30.1850, 120.2645, 0.050, 2.0, "311200", ("330109",),
        ("市心中路", "金城路", "人民路", "通惠路", "北干山南路", "萧绍路", "建设一路", "鸿达路",
         "山阴路", "育才路", "博学路"),
    ),
    District(
        "临平区", 30.4195, 120.3010, 0.035, 1.2, "311100", ("330113", "330110"),
        ("人民大道", "迎宾路", "南苑街", "世纪大道", "星光街", "东湖路", "藕花洲大街", "乔莫西路",
         "望梅路"),
    ),
)  # fmt: skip

DISTRICT_INDEX = {d.name: i for i, d in enumerate(DISTRICTS)}


@dataclass(frozen=True)
class BranchSite:
    code: str
    name: str
    address: str
    latitude: float
    longitude: float
    # The districts whose residents bank here.
    catchment: tuple[str, ...]


BRANCHES: tuple[BranchSite, ...] = (
    BranchSite(
        "XH", "西湖支行", "杭州市西湖区文三路 398 号", 30.2775, 120.1380,
        ("西湖区", "拱墅区", "上城区", "余杭区"),
    ),
    BranchSite(
        "BJ", "滨江支行", "杭州市滨江区江南大道 3850 号", 30.2095, 120.2105,
        ("滨江区", "钱塘区"),
    ),
    BranchSite(
        "XS", "萧山支行", "杭州市萧山区市心中路 819 号", 30.1820, 120.2660,
        ("萧山区", "临平区"),
    ),
)  # fmt: skip

ESTATE_WORDS = ("东方", "金色", "阳光", "翠竹", "湖畔", "桂花", "紫荆", "春江", "明月", "锦绣")
ESTATE_KINDS = ("花园", "家园", "苑", "小区", "公寓", "新村", "华庭", "雅苑")
