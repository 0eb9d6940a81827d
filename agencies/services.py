"""Writes for places and agencies: importing the official unit lists, and seeding the offices
and jurisdictions of the two agency structures (before and from 1 July 2025)."""

from __future__ import annotations

import csv
import datetime
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from agencies.choices import (
    CODE_LENGTH_BY_LEVEL,
    TYPES_BY_LEVEL,
    Agency,
    AgencyRole,
    MergeShare,
    UnitLevel,
    UserRole,
)
from agencies.models import AdministrativeUnit, Jurisdiction, Office, UnitSuccession, User
from portal.errors import DomainError

UNIT_COLUMNS = ("code", "name", "type", "level", "parent_code")
# The reference rows of the apps above this one (the engine's procedures, variants, settings and
# calendar; the reports' targets), each loader registered by its app when Django starts and run by
# `manage.py load_reference_data` after the places and agencies, in the order the apps load.
REFERENCE_LOADERS: list[Callable[[], object]] = []
SUCCESSION_COLUMNS = (
    "new_code",
    "new_name",
    "old_code",
    "old_name",
    "old_type",
    "old_district_code",
    "old_district_name",
    "share",
    "legal_basis",
)


class ImportRejected(DomainError):
    """A file with at least one bad row; nothing of it was imported."""


@dataclass(frozen=True)
class _Row:
    line: int
    values: dict[str, str]


def _problem(path: Path, line: int, message: str) -> str:
    return _("%(file)s, line %(line)s: %(message)s") % {"file": path.name, "line": line, "message": message}


def _read_rows(path: Path, columns: Iterable[str]) -> list[_Row]:
    """Read a UTF-8 CSV file, refusing it whole when its header or any row's shape is wrong."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:  # -sig: files saved by Excel
            reader = csv.DictReader(handle)
            missing = [column for column in columns if column not in (reader.fieldnames or [])]
            if missing:
                raise ImportRejected(
                    _problem(path, 1, _("missing columns: %(columns)s") % {"columns": ", ".join(missing)})
                )
            rows, problems = [], []
            for values in reader:
                if None in values or None in values.values():
                    problems.append(_problem(path, reader.line_num, _("wrong number of fields")))
                    continue
                rows.append(_Row(reader.line_num, {key: value.strip() for key, value in values.items()}))
    except UnicodeDecodeError as error:
        raise ImportRejected(_("%(file)s: not UTF-8 text (%(error)s)") % {"file": path.name, "error": error}) from None
    except OSError as error:
        raise ImportRejected(_("%(file)s: cannot be read (%(error)s)") % {"file": path.name, "error": error}) from None
    if problems:
        raise ImportRejected(*problems)
    return rows


def tone_key(name: str) -> str:
    """A name with each syllable's tone mark moved to the syllable's end, so that the two
    placements found in the official lists ("Thái Hoà", "Thái Hòa") compare equal while names
    that differ in tone ("Hoa Sơn", "Hòa Sơn") stay different."""
    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    syllables = []
    for syllable in unicodedata.normalize("NFD", name.casefold()).split():
        marks = "".join(char for char in syllable if char in tones)
        syllables.append("".join(char for char in syllable if char not in tones) + marks)
    return unicodedata.normalize("NFC", " ".join(syllables))


PARENT_LEVELS: dict[str, frozenset[str]] = {
    UnitLevel.PROVINCE: frozenset(),
    UnitLevel.DISTRICT: frozenset({UnitLevel.PROVINCE}),
    UnitLevel.COMMUNE: frozenset({UnitLevel.PROVINCE, UnitLevel.DISTRICT}),
}


def _unit_row_problems(row: _Row, first: _Row, parent_level: str | None, clashes: bool) -> list[str]:
    """What is wrong with one row of a unit list, given the first row carrying its code, its
    parent's level (None when there is no such parent) and whether its code is taken that period."""
    code, name, unit_type, level, parent_code = (row.values[column] for column in UNIT_COLUMNS)
    if level not in UnitLevel.values:
        return [_("unknown level '%(level)s'") % {"level": level}]
    level_label = UnitLevel(level).label
    problems = []
    if not code.isdigit() or len(code) != CODE_LENGTH_BY_LEVEL[UnitLevel(level)]:
        problems.append(
            _("code '%(code)s' must be %(digits)s digits for a %(level)s")
            % {"code": code, "digits": CODE_LENGTH_BY_LEVEL[UnitLevel(level)], "level": level_label}
        )
    if first is not row:
        problems.append(_("code %(code)s already on line %(line)s") % {"code": code, "line": first.line})
    if clashes:
        problems.append(_("code %(code)s is already used by a unit valid in this period") % {"code": code})
    if unit_type not in TYPES_BY_LEVEL[level]:
        problems.append(_("type '%(type)s' is not a type of %(level)s") % {"type": unit_type, "level": level_label})
    elif not name.startswith(unit_type + " "):
        problems.append(_("name '%(name)s' must start with its type '%(type)s'") % {"name": name, "type": unit_type})
    if len(name) > AdministrativeUnit._meta.get_field("name").max_length:  # type: ignore[operator]
        problems.append(_("name '%(name)s' is too long") % {"name": name})
    if level == UnitLevel.PROVINCE:
        if parent_code:
            problems.append(_("a province has no parent"))
    elif not parent_code:
        problems.append(_("the parent code is missing"))
    elif parent_level is None:
        problems.append(_("parent unit '%(code)s' does not exist") % {"code": parent_code})
    elif parent_level not in PARENT_LEVELS[level]:
        problems.append(
            _("a %(level)s cannot belong to a %(parent)s")
            % {"level": level_label, "parent": UnitLevel(parent_level).label}
        )
    return problems


def admin_units_import(
    *, path: Path, valid_from: datetime.date, valid_to: datetime.date | None
) -> list[AdministrativeUnit]:
    """Import one file of administrative units (code,name,type,level,parent_code) as valid during
    [valid_from, valid_to]. Re-importing the same file with the same dates updates it in place.
    Any bad row rejects the whole file with every problem found, naming file and line."""
    if valid_to is not None and valid_to < valid_from:
        raise ImportRejected(_("The end of validity must not precede its start."))
    rows = _read_rows(path, UNIT_COLUMNS)
    by_code: dict[str, _Row] = {}
    for row in rows:
        by_code.setdefault(row.values["code"], row)
    known_parents = {
        unit.code: unit
        for unit in AdministrativeUnit.objects.valid_on(valid_from).filter(
            code__in={row.values["parent_code"] for row in rows} - by_code.keys()
        )
    }
    parent_levels = {code: unit.level for code, unit in known_parents.items()}
    parent_levels.update((code, row.values["level"]) for code, row in by_code.items())
    taken = AdministrativeUnit.objects.filter(code__in=by_code).overlapping(valid_from, valid_to)
    clashing = set(taken.exclude(valid_from=valid_from).values_list("code", flat=True))
    problems = [
        _problem(path, row.line, message)
        for row in rows
        for message in _unit_row_problems(
            row,
            by_code[row.values["code"]],
            parent_levels.get(row.values["parent_code"]),
            row.values["code"] in clashing,
        )
    ]
    if problems:
        raise ImportRejected(*problems)

    with transaction.atomic():
        ids = {code: unit.pk for code, unit in known_parents.items()}
        for level in (UnitLevel.PROVINCE, UnitLevel.DISTRICT, UnitLevel.COMMUNE):
            level_rows = [row.values for row in rows if row.values["level"] == level]
            AdministrativeUnit.objects.bulk_create(
                [
                    AdministrativeUnit(
                        code=values["code"],
                        name=values["name"],
                        type=values["type"],
                        level=level,
                        parent_id=ids.get(values["parent_code"]),
                        valid_from=valid_from,
                        valid_to=valid_to,
                        source=path.name,
                    )
                    for values in level_rows
                ],
                update_conflicts=True,
                unique_fields=["code", "valid_from"],
                update_fields=["name", "type", "level", "parent", "valid_to", "source"],
            )
            ids.update(
                AdministrativeUnit.objects.filter(
                    valid_from=valid_from, code__in=[values["code"] for values in level_rows]
                ).values_list("code", "pk")
            )
    return list(AdministrativeUnit.objects.filter(valid_from=valid_from, code__in=by_code))


def unit_successions_import(*, path: Path, effective_on: datetime.date) -> list[UnitSuccession]:
    """Import an old → new mapping of a reorganisation that took effect on `effective_on`: each
    old unit is the one valid the day before, each new unit the one valid that day, and both
    names must agree with the unit lists (tone-mark placement aside)."""
    rows = _read_rows(path, SUCCESSION_COLUMNS)
    day_before = effective_on - datetime.timedelta(days=1)
    old_units = {u.code: u for u in AdministrativeUnit.objects.valid_on(day_before).select_related("parent")}
    new_units = {u.code: u for u in AdministrativeUnit.objects.valid_on(effective_on)}
    problems: list[str] = []
    pairs: dict[tuple[str, str], int] = {}
    for row in rows:
        values = row.values
        row_problems = []
        for side, units in (("old", old_units), ("new", new_units)):
            unit = units.get(values[f"{side}_code"])
            if unit is None or unit.level != UnitLevel.COMMUNE:
                row_problems.append(
                    _("no commune %(code)s valid on %(day)s")
                    % {"code": values[f"{side}_code"], "day": day_before if side == "old" else effective_on}
                )
            elif tone_key(unit.name) != tone_key(values[f"{side}_name"]):
                row_problems.append(
                    _("commune %(code)s is '%(name)s' in the unit list, not '%(given)s'")
                    % {"code": unit.code, "name": unit.name, "given": values[f"{side}_name"]}
                )
        if values["share"] not in MergeShare.values:
            row_problems.append(_("share must be 'full' or 'partial', not '%(share)s'") % {"share": values["share"]})
        if not values["legal_basis"]:
            row_problems.append(_("the legal basis is missing"))
        key = (values["old_code"], values["new_code"])
        if key in pairs:
            row_problems.append(_("the same pair is already on line %(line)s") % {"line": pairs[key]})
        pairs.setdefault(key, row.line)
        problems += [_problem(path, row.line, message) for message in row_problems]
    if problems:
        raise ImportRejected(*problems)
    successions = [
        UnitSuccession(
            old=old_units[row.values["old_code"]],
            new=new_units[row.values["new_code"]],
            share=row.values["share"],
            legal_basis=row.values["legal_basis"],
        )
        for row in rows
    ]
    with transaction.atomic():
        UnitSuccession.objects.bulk_create(
            successions,
            update_conflicts=True,
            unique_fields=["old", "new"],
            update_fields=["share", "legal_basis"],
        )
    return list(UnitSuccession.objects.filter(new__in={s.new for s in successions}))


# --- The two agency structures --------------------------------------------------------------


OfficeKey = tuple[str, str, str]  # agency, seat code, office name


def _three_tier_offices(commune: AdministrativeUnit) -> dict[str, tuple[OfficeKey, AdministrativeUnit]]:
    """Until 30 June 2025: commune Justice and Police; district Social Insurance, Labour office
    (merit, social protection) and district chairman (emergency aid)."""
    district = commune.parent
    assert district is not None
    labour = (
        (Agency.LABOUR, district.code, "Phòng Lao động - Thương binh và Xã hội " + district.name_in_sentence),
        district,
    )
    return {
        AgencyRole.CIVIL_STATUS: (
            (Agency.JUSTICE, commune.code, "Tư pháp - Hộ tịch, UBND " + commune.name_in_sentence),
            commune,
        ),
        AgencyRole.RESIDENCE: ((Agency.POLICE, commune.code, "Công an " + commune.name_in_sentence), commune),
        AgencyRole.SOCIAL_INSURANCE: (
            (Agency.SOCIAL_INSURANCE, district.code, "Bảo hiểm xã hội " + district.name_in_sentence),
            district,
        ),
        AgencyRole.MERIT: labour,
        AgencyRole.SOCIAL_PROTECTION: labour,
        AgencyRole.EMERGENCY_AID: (
            (Agency.PEOPLE_COMMITTEE, district.code, "Chủ tịch UBND " + district.name_in_sentence),
            district,
        ),
    }


def _two_tier_offices(
    commune: AdministrativeUnit, insurance: tuple[OfficeKey, AdministrativeUnit]
) -> dict[str, tuple[OfficeKey, AdministrativeUnit]]:
    """From 1 July 2025: commune Justice, Police and chairman (social protection, emergency aid);
    a grassroots Social Insurance office covering several communes; provincial Home Affairs."""
    province = commune.parent
    assert province is not None
    chairman = ((Agency.PEOPLE_COMMITTEE, commune.code, "Chủ tịch UBND " + commune.name_in_sentence), commune)
    return {
        AgencyRole.CIVIL_STATUS: (
            (Agency.JUSTICE, commune.code, "Tư pháp - Hộ tịch, UBND " + commune.name_in_sentence),
            commune,
        ),
        AgencyRole.RESIDENCE: ((Agency.POLICE, commune.code, "Công an " + commune.name_in_sentence), commune),
        AgencyRole.SOCIAL_INSURANCE: insurance,
        AgencyRole.MERIT: ((Agency.HOME_AFFAIRS, province.code, "Sở Nội vụ " + province.name_in_sentence), province),
        AgencyRole.SOCIAL_PROTECTION: chairman,
        AgencyRole.EMERGENCY_AID: chairman,
    }


def _grassroots_insurance(communes: list[AdministrativeUnit]) -> dict[int, tuple[OfficeKey, AdministrativeUnit]]:
    """Group two-tier communes under grassroots Social Insurance offices, one per former district:
    a commune goes to the district most of its predecessors belonged to (ties: lowest code), and
    the office sits in the group's commune that absorbed most of that district's communes.
    The province can move communes between offices afterwards in the admin."""
    successions = UnitSuccession.objects.filter(new__in=communes).select_related("old__parent")
    districts: dict[int, Counter[tuple[str, str]]] = defaultdict(Counter)
    for succession in successions:
        district = succession.old.parent
        if district is not None and district.level == UnitLevel.DISTRICT:
            districts[succession.new_id][(district.code, district.bare_name)] += 1
    groups: dict[tuple[str, str], list[tuple[int, AdministrativeUnit]]] = defaultdict(list)
    for commune in communes:
        assert commune.parent is not None
        counts = districts.get(commune.pk) or Counter({(commune.parent.code, commune.parent.bare_name): 0})
        district_key, count = min(counts.items(), key=lambda item: (-item[1], item[0]))
        groups[district_key].append((count, commune))
    offices: dict[int, tuple[OfficeKey, AdministrativeUnit]] = {}
    for (_code, district_name), members in groups.items():
        seat = min(members, key=lambda member: (-member[0], member[1].code))[1]
        for _count, commune in members:
            offices[commune.pk] = ((Agency.SOCIAL_INSURANCE, seat.code, "Bảo hiểm xã hội cơ sở " + district_name), seat)
    return offices


def agencies_seed(*, province_code: str) -> int:
    """Create the offices and jurisdiction rows of both agency structures for every commune of a
    province in every imported period. Only what is missing is added, so edits made in the admin
    survive a re-run. Returns the number of jurisdiction rows added."""
    communes = list(
        AdministrativeUnit.objects.filter(level=UnitLevel.COMMUNE)
        .filter(Q(parent__code=province_code, parent__level=UnitLevel.PROVINCE) | Q(parent__parent__code=province_code))
        .select_related("parent")
        .order_by("valid_from", "code")
    )
    two_tier = [c for c in communes if c.parent is not None and c.parent.level == UnitLevel.PROVINCE]
    insurance = _grassroots_insurance(two_tier)
    plans = {
        commune.pk: (
            _two_tier_offices(commune, insurance[commune.pk])
            if commune.pk in insurance
            else _three_tier_offices(commune)
        )
        for commune in communes
    }
    with transaction.atomic():
        wanted: dict[OfficeKey, AdministrativeUnit] = {}
        for plan in plans.values():
            for key, seat in plan.values():
                wanted.setdefault(key, seat)
        existing = {
            (office.agency, office.unit.code, office.name): office
            for office in Office.objects.filter(unit__code__in={key[1] for key in wanted}).select_related("unit")
        }
        Office.objects.bulk_create(
            [Office(agency=key[0], unit=seat, name=key[2]) for key, seat in wanted.items() if key not in existing]
        )
        offices = {
            (office.agency, office.unit.code, office.name): office
            for office in Office.objects.filter(unit__code__in={key[1] for key in wanted}).select_related("unit")
        }
        before = Jurisdiction.objects.filter(unit__in=communes).count()
        Jurisdiction.objects.bulk_create(
            [
                Jurisdiction(
                    office=offices[key],
                    role=role,
                    unit=commune,
                    valid_from=commune.valid_from,
                    valid_to=commune.valid_to,
                )
                for commune in communes
                for role, (key, _seat) in plans[commune.pk].items()
            ],
            ignore_conflicts=True,
        )
        return Jurisdiction.objects.filter(unit__in=communes).count() - before


def reference_file_import(*, path: Path, valid_from: datetime.date, valid_to: datetime.date | None) -> int:
    """Import a unit list or a reorganisation's mapping file, told apart by their header (a mapping
    takes effect on `valid_from`). Returns the number of rows imported."""
    try:
        with path.open(encoding="utf-8") as handle:
            is_mapping = handle.readline().startswith(SUCCESSION_COLUMNS[0] + ",")
    except (OSError, UnicodeDecodeError) as error:
        raise ImportRejected(_("%(file)s: cannot be read (%(error)s)") % {"file": path.name, "error": error}) from None
    if is_mapping:
        return len(unit_successions_import(path=path, effective_on=valid_from))
    return len(admin_units_import(path=path, valid_from=valid_from, valid_to=valid_to))


def user_upsert(
    *,
    username: str,
    password: str,
    role: str,
    full_name: str = "",
    commune: AdministrativeUnit | None = None,
    office: Office | None = None,
    province: AdministrativeUnit | None = None,
    heads_workplace: bool = False,
) -> User:
    """Create a portal user, or reset an existing one to exactly this role, attachment, password
    and name, heading their office or desk or not. `full_name` is written as Vietnamese names are,
    family name first ("Nguyễn Văn An"): the family name goes to last_name ("Họ"), the middle and
    given names to first_name ("Tên")."""
    is_admin = role == UserRole.ADMIN
    family, _space, given = full_name.strip().partition(" ")
    with transaction.atomic():
        user = User.objects.select_for_update().filter(username=username).first() or User(username=username)
        user.role = role
        user.last_name, user.first_name = family, given.strip()
        user.commune, user.office, user.province = commune, office, province
        user.heads_workplace = heads_workplace
        user.is_staff = user.is_superuser = is_admin
        user.is_active = True
        user.set_password(password)
        user.full_clean()
        user.save()
    return user


DESK_CONTACTS = Path(__file__).resolve().parent / "data" / "desk_contacts.csv"
DESK_CONTACT_COLUMNS = ["code", "name", "address", "phone", "source"]


def desk_contacts_seed(*, path: Path = DESK_CONTACTS) -> int:
    """Give each commune's one-stop desk the contacts its papers print: the official ones listed in
    `path` (a unit by its code and name, since codes were reused in 2025), else the seat of the
    commune's People's Committee ("Trụ sở UBND xã X"), where the desk sits. A phone number is only
    ever taken from the file: none is made up. Only what is blank is filled, so edits made in the
    admin survive a re-run. Returns the number of units changed."""
    with path.open(encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != DESK_CONTACT_COLUMNS:
            columns = ",".join(DESK_CONTACT_COLUMNS)
            raise ImportRejected(
                _("%(file)s: the columns must be %(columns)s.") % {"file": path.name, "columns": columns}
            )
        listed = {(row["code"].strip(), row["name"].strip()): row for row in reader}
    changed = []
    with transaction.atomic():
        for unit in AdministrativeUnit.objects.filter(level=UnitLevel.COMMUNE).select_for_update().order_by("pk"):
            row = listed.get((unit.code, unit.name), {})
            address = unit.desk_address or row.get("address", "").strip() or "Trụ sở " + unit.people_committee
            phone = unit.desk_phone or row.get("phone", "").strip()
            if (address, phone) != (unit.desk_address, unit.desk_phone):
                unit.desk_address, unit.desk_phone = address, phone
                changed.append(unit)
        AdministrativeUnit.objects.bulk_update(changed, ["desk_address", "desk_phone"], batch_size=500)
    return len(changed)


def sign_in_unlock(*, head: User, username: str) -> None:
    """The head of an office or desk lets one of their staff sign in again: the account's failed
    sign-ins are cleared (django-axes). NotFound for anyone outside the staff they head."""
    import logging

    from axes.utils import reset

    from agencies.selectors import staff_led_by
    from portal.errors import NotFound

    if not staff_led_by(head).filter(username=username).exists():
        raise NotFound(_("No such person among the staff you head."))
    reset(username=username)
    logging.getLogger(__name__).info("sign-in of %s unlocked by %s", username, head.username)
