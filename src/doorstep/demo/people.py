"""Customers of the demo bank, drawn a block at a time with numpy.

Pure (no Django): every function takes a numpy ``Generator`` and returns arrays, so the same seed
gives the same people. National ID numbers are valid (Hangzhou region code, real birth date,
sequence parity matching the sex, ISO 7064 MOD 11-2 check digit); incomes are log-normal around
the city's median wage; homes scatter around real district seats.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from doorstep.demo import names, places

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
DateArray = npt.NDArray[np.datetime64]

# Hangzhou's median monthly wage, in cents (about 7,500 CNY).
MEDIAN_INCOME_CENTS = 750_000
ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
ID_CHECK = "10X98765432"


def _weights(pairs: tuple[tuple[str, float], ...]) -> tuple[list[str], FloatArray]:
    values = [v for v, _ in pairs]
    weights = np.array([w for _, w in pairs], dtype=np.float64)
    return values, weights / weights.sum()


SURNAMES, SURNAME_P = _weights(names.SURNAMES)
PREFIXES, PREFIX_P = _weights(names.MOBILE_PREFIXES)
DISTRICT_P = np.array([d.weight for d in places.DISTRICTS]) / sum(
    d.weight for d in places.DISTRICTS
)
OCCUPATION_P = np.array([o[3] for o in names.OCCUPATIONS]) / sum(o[3] for o in names.OCCUPATIONS)
BRANCH_OF_DISTRICT = np.array(
    [
        next(i for i, b in enumerate(places.BRANCHES) if d.name in b.catchment)
        for d in places.DISTRICTS
    ],
    dtype=np.int64,
)


@dataclass(frozen=True)
class People:
    """One row per customer; money in cents, coordinates in millionths of a degree."""

    name: list[str]
    national_id: list[str]
    gender: list[str]
    birth_date: DateArray
    district: IntArray
    branch: IntArray
    employer: list[str]
    occupation: list[str]
    monthly_income: IntArray
    assets_value: IntArray
    assets_description: list[str]
    household_size: IntArray
    dependants: IntArray
    other_debts: IntArray
    mobile: list[str]
    second_phone: list[str]  # "" when there is none
    second_phone_kind: list[str]
    home_line: list[str]
    home_lat: IntArray
    home_lon: IntArray
    work_district: IntArray  # -1 when no work address is known
    work_line: list[str]
    work_lat: IntArray
    work_lon: IntArray
    # How likely this customer is to fall behind, relative to the average (mean about 1).
    risk: FloatArray

    def __len__(self) -> int:
        return len(self.name)


def draw_people(rng: np.random.Generator, n: int, as_of: date) -> People:
    district = rng.choice(len(places.DISTRICTS), size=n, p=DISTRICT_P)
    male = rng.random(n) < 0.52
    age_days = (np.clip(rng.normal(38, 10, n), 22, 65) * 365.25).astype(np.int64)
    birth = np.datetime64(as_of, "D") - age_days
    born_year = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    occupation = rng.choice(len(names.OCCUPATIONS), size=n, p=OCCUPATION_P)
    factor = np.array([o[2] for o in names.OCCUPATIONS])[occupation]
    income = MEDIAN_INCOME_CENTS * factor * rng.lognormal(0.0, 0.45, n)
    income_cents = (np.round(income / 10_000) * 10_000).astype(np.int64)  # whole hundreds
    household = rng.choice(np.arange(1, 7), size=n, p=[0.15, 0.25, 0.33, 0.17, 0.07, 0.03])
    dependants = np.minimum(rng.binomial(household - 1, 0.55), household - 1)
    assets_value, assets_text, owns_home = _assets(rng, n, income_cents)
    other_debts = _other_debts(rng, n, income_cents, owns_home)
    home_lat, home_lon = _scatter(rng, district)
    work_district, work_lat, work_lon = _workplaces(rng, district, occupation)
    debt_to_income = (other_debts / 60) / np.maximum(income_cents, 1)  # repaid over five years
    risk = rng.lognormal(-0.25, 0.7, n) * (0.6 + 2.5 * np.minimum(debt_to_income, 1.0))
    return People(
        name=_names(rng, male, born_year),
        national_id=_national_ids(rng, district, birth, male),
        gender=["M" if m else "F" for m in male.tolist()],
        birth_date=birth,
        district=district,
        branch=BRANCH_OF_DISTRICT[district],
        employer=_employers(rng, occupation, work_district),
        occupation=[names.OCCUPATIONS[o][0] for o in occupation.tolist()],
        monthly_income=income_cents,
        assets_value=assets_value,
        assets_description=assets_text,
        household_size=household.astype(np.int64),
        dependants=dependants.astype(np.int64),
        other_debts=other_debts,
        mobile=_mobiles(rng, n),
        **_second_phones(rng, n, work_district),
        home_line=_home_lines(rng, district),
        home_lat=home_lat,
        home_lon=home_lon,
        work_district=work_district,
        work_line=_work_lines(rng, work_district),
        work_lat=work_lat,
        work_lon=work_lon,
        risk=risk / 1.25,
    )


def _names(rng: np.random.Generator, male: npt.NDArray[np.bool_], born: IntArray) -> list[str]:
    n = len(male)
    surname = rng.choice(len(SURNAMES), size=n, p=SURNAME_P)
    two_chars = rng.random(n) < 0.7
    older = (born < 1975) & (rng.random(n) < 0.35)
    first = rng.integers(0, 1 << 30, size=(n, 3))
    out = []
    for i in range(n):
        if older[i]:
            pool = names.GIVEN_MALE_OLDER if male[i] else names.GIVEN_FEMALE_OLDER
            given = pool[first[i, 0] % len(pool)]
        else:
            chars = names.GIVEN_MALE if male[i] else names.GIVEN_FEMALE
            given = chars[first[i, 1] % len(chars)]
            if two_chars[i]:
                given += chars[first[i, 2] % len(chars)]
        out.append(SURNAMES[surname[i]] + given)
    return out


def id_check_digit(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of a national ID's first seventeen digits."""
    total = sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS.tolist(), strict=True))
    return ID_CHECK[total % 11]


def _national_ids(
    rng: np.random.Generator, district: IntArray, birth: DateArray, male: npt.NDArray[np.bool_]
) -> list[str]:
    n = len(district)
    codes = [places.DISTRICTS[d].region_codes for d in district.tolist()]
    older_code = rng.random(n) < 0.3
    region = np.array(
        [c[1] if older and len(c) > 1 else c[0] for c, older in zip(codes, older_code, strict=True)]
    )
    ymd = np.char.replace(birth.astype("datetime64[D]").astype(str), "-", "")
    sequence = rng.integers(0, 500, size=n) * 2 + np.where(male, 1, 0)  # odd for men
    body = np.char.add(np.char.add(region, ymd), np.char.zfill(sequence.astype(str), 3))
    digits = np.frombuffer(body.astype("S17").tobytes(), dtype=np.uint8).reshape(n, 17) - 48
    check = (digits.astype(np.int64) @ ID_WEIGHTS) % 11
    return [b + ID_CHECK[c] for b, c in zip(body.tolist(), check.tolist(), strict=True)]


def _mobiles(rng: np.random.Generator, n: int) -> list[str]:
    prefix = rng.choice(len(PREFIXES), size=n, p=PREFIX_P)
    rest = rng.integers(0, 100_000_000, size=n)
    return [f"{PREFIXES[p]}{r:08d}" for p, r in zip(prefix.tolist(), rest.tolist(), strict=True)]


def _second_phones(rng: np.random.Generator, n: int, work: IntArray) -> dict[str, list[str]]:
    """Three in ten customers also gave a work line (if employed) or a home landline."""
    has = rng.random(n) < 0.3
    landline = rng.integers(0, 10_000_000, size=n)
    numbers = [f"0571-8{d:07d}" if h else "" for h, d in zip(has, landline.tolist(), strict=True)]
    kinds = [
        ("work" if w >= 0 else "home") if h else "" for h, w in zip(has, work.tolist(), strict=True)
    ]
    return {"second_phone": numbers, "second_phone_kind": kinds}


def _scatter(rng: np.random.Generator, district: IntArray) -> tuple[IntArray, IntArray]:
    lat0 = np.array([d.latitude for d in places.DISTRICTS])[district]
    lon0 = np.array([d.longitude for d in places.DISTRICTS])[district]
    spread = np.array([d.spread for d in places.DISTRICTS])[district]
    lat = lat0 + rng.normal(0, 1, len(district)) * spread
    lon = lon0 + rng.normal(0, 1, len(district)) * spread * 1.15  # degrees of longitude are shorter
    return (
        np.round(lat * 1_000_000).astype(np.int64),
        np.round(lon * 1_000_000).astype(np.int64),
    )


def _workplaces(
    rng: np.random.Generator, district: IntArray, occupation: IntArray
) -> tuple[IntArray, IntArray, IntArray]:
    """Employed customers work in their own district or, a third of them, anywhere in the city."""
    n = len(district)
    employed = np.array([bool(o[1]) for o in names.OCCUPATIONS])[occupation]
    known = employed & (rng.random(n) < 0.7)
    elsewhere = rng.choice(len(places.DISTRICTS), size=n, p=DISTRICT_P)
    work = np.where(rng.random(n) < 0.33, elsewhere, district)
    lat, lon = _scatter(rng, work)
    return np.where(known, work, -1), lat, lon


def _employers(rng: np.random.Generator, occupation: IntArray, work: IntArray) -> list[str]:
    word = rng.integers(0, len(names.EMPLOYER_WORDS), size=len(occupation))
    out = []
    for o, w, d in zip(occupation.tolist(), word.tolist(), work.tolist(), strict=True):
        pattern = names.OCCUPATIONS[o][1]
        district = places.DISTRICTS[d].name if d >= 0 else "西湖区"
        out.append(pattern.format(w=names.EMPLOYER_WORDS[w], d=district) if pattern else "")
    return out


def _assets(
    rng: np.random.Generator, n: int, income: IntArray
) -> tuple[IntArray, list[str], npt.NDArray[np.bool_]]:
    wealth = np.log(np.maximum(income, 1) / MEDIAN_INCOME_CENTS)
    owns_home = rng.random(n) < np.clip(0.45 + 0.25 * wealth, 0.1, 0.9)
    second_home = owns_home & (rng.random(n) < 0.12)
    car = rng.random(n) < np.clip(0.35 + 0.2 * wealth, 0.05, 0.8)
    savings = rng.random(n) < 0.5
    home_value = rng.lognormal(np.log(3_000_000), 0.4, n) * 100
    car_value = rng.lognormal(np.log(150_000), 0.4, n) * 100
    savings_value = rng.lognormal(np.log(50_000), 1.0, n) * 100
    total = owns_home * home_value * (1 + second_home) + car * car_value + savings * savings_value
    value = (np.round(total / 100_000) * 100_000).astype(np.int64)  # whole thousands
    text = []
    for h, h2, c, s in zip(owns_home, second_home, car, savings, strict=True):
        parts = [names.ASSET_KINDS[1] if h2 else names.ASSET_KINDS[0]] if h else []
        parts += [names.ASSET_KINDS[2]] if c else []
        parts += [names.ASSET_KINDS[4]] if s else []
        text.append("、".join(parts))
    return value, text, owns_home


def _other_debts(
    rng: np.random.Generator, n: int, income: IntArray, owns_home: npt.NDArray[np.bool_]
) -> IntArray:
    mortgage = owns_home & (rng.random(n) < 0.55)
    consumer = rng.random(n) < 0.3
    debts = mortgage * rng.lognormal(np.log(1_000_000), 0.5, n) * 100 + consumer * (
        rng.lognormal(np.log(40_000), 0.8, n) * 100
    )
    return (np.round(debts / 100_000) * 100_000).astype(np.int64)


def _home_lines(rng: np.random.Generator, district: IntArray) -> list[str]:
    n = len(district)
    road = rng.integers(0, 1 << 30, size=n)
    number = rng.integers(1, 900, size=n)
    estate = rng.integers(0, len(places.ESTATE_WORDS) * len(places.ESTATE_KINDS), size=n)
    building = rng.integers(1, 30, size=n)
    unit = rng.integers(1, 5, size=n)
    floor = rng.integers(1, 28, size=n)
    room = rng.integers(1, 5, size=n)
    out = []
    for i, d in enumerate(district.tolist()):
        roads = places.DISTRICTS[d].roads
        word, kind = divmod(int(estate[i]), len(places.ESTATE_KINDS))
        out.append(
            f"{roads[road[i] % len(roads)]}{number[i]}号"
            f"{places.ESTATE_WORDS[word]}{places.ESTATE_KINDS[kind]}"
            f"{building[i]}幢{unit[i]}单元{floor[i]}{room[i]:02d}室"
        )
    return out


def _work_lines(rng: np.random.Generator, work: IntArray) -> list[str]:
    n = len(work)
    road = rng.integers(0, 1 << 30, size=n)
    number = rng.integers(1, 1500, size=n)
    floor = rng.integers(1, 25, size=n)
    out = []
    for i, d in enumerate(work.tolist()):
        if d < 0:
            out.append("")
            continue
        roads = places.DISTRICTS[d].roads
        out.append(f"{roads[road[i] % len(roads)]}{number[i]}号{floor[i]}楼")
    return out
