"""Importing the official unit lists and the 2025 mapping, and rejecting bad files whole."""

import datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from agencies.choices import MergeShare, UnitLevel
from agencies.models import AdministrativeUnit, UnitSuccession
from agencies.selectors import unit_get_on
from agencies.services import tone_key

pytestmark = pytest.mark.django_db

HEADER = "code,name,type,level,parent_code\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("province", "day", "level", "count"),
    [
        ("40", "2024-05-01", UnitLevel.DISTRICT, 21),
        ("40", "2024-05-01", UnitLevel.COMMUNE, 460),
        ("40", "2025-03-01", UnitLevel.DISTRICT, 20),
        ("40", "2025-03-01", UnitLevel.COMMUNE, 412),
        ("40", "2026-05-01", UnitLevel.DISTRICT, 0),
        ("40", "2026-05-01", UnitLevel.COMMUNE, 130),
        ("42", "2024-05-01", UnitLevel.COMMUNE, 216),
        ("42", "2025-03-01", UnitLevel.COMMUNE, 209),
        ("42", "2026-05-01", UnitLevel.COMMUNE, 69),
    ],
)
def test_units_of_each_period(province, day, level, count):
    on = datetime.date.fromisoformat(day)
    units = AdministrativeUnit.objects.valid_on(on).filter(level=level)
    in_province = units.filter(parent__code=province) | units.filter(parent__parent__code=province)

    assert in_province.count() == count


def test_a_reused_code_names_different_units_on_different_days():
    before = unit_get_on(code="16690", on=datetime.date(2024, 5, 1))
    after = unit_get_on(code="16690", on=datetime.date(2026, 5, 1))

    assert (before.name, before.parent.name) == ("Phường Trường Thi", "Thành phố Vinh")
    assert (after.name, after.parent.name) == ("Phường Trường Vinh", "Tỉnh Nghệ An")
    assert before.pk != after.pk


def test_a_commune_renamed_twice_is_three_units():
    names = [
        unit_get_on(code="17329", on=datetime.date.fromisoformat(day)).name
        for day in ("2024-11-30", "2024-12-01", "2025-06-30", "2025-07-01")
    ]

    assert names == ["Thị trấn Anh Sơn", "Thị trấn Kim Nhan", "Thị trấn Kim Nhan", "Xã Anh Sơn"]


def test_the_merge_mapping_links_old_communes_to_new_ones():
    truong_vinh = unit_get_on(code="16690", on=datetime.date(2025, 7, 1))
    old = UnitSuccession.objects.filter(new=truong_vinh).values_list("old__code", "old__name")

    assert UnitSuccession.objects.filter(new__parent__code="40").count() == 412
    assert UnitSuccession.objects.filter(new__parent__code="42").count() == 212
    assert sorted(old) == [
        ("16673", "Phường Hưng Phúc"),
        ("16675", "Phường Hưng Dũng"),
        ("16690", "Phường Trường Thi"),
        ("16693", "Phường Bến Thủy"),
        ("16699", "Phường Trung Đô"),
        ("16711", "Xã Hưng Hòa"),
        ("16714", "Phường Vinh Tân"),
    ]


def test_a_split_commune_goes_partly_into_each_new_ward():
    ky_loi = UnitSuccession.objects.filter(old__code="18796", share=MergeShare.PARTIAL)

    assert sorted(ky_loi.values_list("new__name", flat=True)) == [
        "Phường Hoành Sơn",
        "Phường Sông Trí",
        "Phường Vũng Áng",
    ]


def test_import_adds_a_new_file_with_its_parents(tmp_path):
    path = write(
        tmp_path,
        "quang_tri.csv",
        HEADER + "45,Tỉnh Quảng Trị,Tỉnh,province,\n"
        "461,Huyện Gio Linh,Huyện,district,45\n19000,Xã Gio Mỹ,Xã,commune,461\n",
    )

    call_command("import_admin_units", str(path), "--valid-from", "2023-01-01", "--valid-to", "2025-06-30", verbosity=0)
    call_command("import_admin_units", str(path), "--valid-from", "2023-01-01", "--valid-to", "2025-06-30", verbosity=0)

    commune = unit_get_on(code="19000", on=datetime.date(2024, 1, 1))
    assert (commune.parent.code, commune.parent.parent.code) == ("461", "45")
    assert (commune.valid_from, commune.valid_to, commune.source) == (
        datetime.date(2023, 1, 1),
        datetime.date(2025, 6, 30),
        "quang_tri.csv",
    )
    assert AdministrativeUnit.objects.filter(code__in=["45", "461", "19000"]).count() == 3


def test_a_bad_row_rejects_the_whole_file_naming_file_and_line(tmp_path):
    path = write(
        tmp_path,
        "bad.csv",
        HEADER + "45,Tỉnh Quảng Trị,Tỉnh,province,\n"
        "461,Huyện Gio Linh,Huyện,district,45\n"
        "19000,Xã Gio Mỹ,Xã,commune,999\n"
        "1901,Xã Gio An,Xã,commune,461\n"
        "19002,Phường Gio Hải,Huyện,commune,461\n",
    )
    before = AdministrativeUnit.objects.count()

    with pytest.raises(CommandError) as raised:
        call_command("import_admin_units", str(path), "--valid-from", "2023-01-01", verbosity=0)

    assert str(raised.value).splitlines() == [
        "bad.csv, dòng 4: đơn vị cấp trên '999' không tồn tại",
        "bad.csv, dòng 5: mã '1901' phải gồm 5 chữ số với cấp Xã",
        "bad.csv, dòng 6: loại 'Huyện' không thuộc cấp Xã",
    ]
    assert AdministrativeUnit.objects.count() == before


def test_a_file_may_not_give_a_used_code_to_another_unit_in_the_same_period(tmp_path):
    path = write(tmp_path, "clash.csv", HEADER + "40,Tỉnh Nghệ An,Tỉnh,province,\n16690,Phường Mới,Phường,commune,40\n")
    before = AdministrativeUnit.objects.count()

    with pytest.raises(CommandError) as raised:
        call_command("import_admin_units", str(path), "--valid-from", "2026-01-01", verbosity=0)

    assert str(raised.value).splitlines() == [
        "clash.csv, dòng 2: mã 40 đã thuộc một đơn vị khác có hiệu lực trong thời gian này",
        "clash.csv, dòng 3: mã 16690 đã thuộc một đơn vị khác có hiệu lực trong thời gian này",
    ]
    assert AdministrativeUnit.objects.count() == before


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("code,name,level\n", "bad.csv, dòng 1: thiếu cột: type, parent_code"),
        (HEADER + "45,Tỉnh Quảng Trị,Tỉnh\n", "bad.csv, dòng 2: sai số cột"),
        (HEADER + "45,Tỉnh A,Tỉnh,province,\n45,Tỉnh B,Tỉnh,province,\n", "bad.csv, dòng 3: mã 45 đã có ở dòng 2"),
        (HEADER + "45,Quảng Trị,Tỉnh,province,\n", "bad.csv, dòng 2: tên 'Quảng Trị' phải bắt đầu bằng loại 'Tỉnh'"),
        (HEADER + "45,Tỉnh A,Tỉnh,region,\n", "bad.csv, dòng 2: cấp 'region' không hợp lệ"),
        (
            HEADER + "45,Tỉnh " + "A" * 100 + ",Tỉnh,province,\n",
            "bad.csv, dòng 2: tên 'Tỉnh " + "A" * 100 + "' quá dài",
        ),
        (HEADER + "45,Tỉnh A,Tỉnh,province,40\n", "bad.csv, dòng 2: cấp tỉnh không có đơn vị cấp trên"),
        (HEADER + "451,Huyện A,Huyện,district,\n", "bad.csv, dòng 2: thiếu mã đơn vị cấp trên"),
        (
            HEADER + "45,Tỉnh A,Tỉnh,province,\n451,Huyện A,Huyện,district,45\n452,Huyện B,Huyện,district,451\n",
            "bad.csv, dòng 4: đơn vị cấp Huyện không thể trực thuộc cấp Huyện",
        ),
    ],
)
def test_malformed_files_are_rejected_with_the_reason(tmp_path, text, problem):
    path = write(tmp_path, "bad.csv", text)

    with pytest.raises(CommandError) as raised:
        call_command("import_admin_units", str(path), "--valid-from", "2023-01-01", verbosity=0)

    assert str(raised.value) == problem


def test_a_mapping_with_a_wrong_name_is_rejected_whole(tmp_path):
    data = Path(__file__).resolve().parents[2] / "agencies" / "data" / "admin_units" / "nghe_an_2025_merges.csv"
    lines = data.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace("Xã Đức Sơn", "Xã Đức Thọ")
    path = write(tmp_path, "merges.csv", "\n".join(lines[:4]) + "\n")
    UnitSuccession.objects.all().delete()

    with pytest.raises(CommandError) as raised:
        call_command("import_admin_units", str(path), "--valid-from", "2025-07-01", verbosity=0)

    assert (
        str(raised.value) == "merges.csv, dòng 3: xã mã 17353 trong danh mục là 'Xã Đức Sơn', không phải 'Xã Đức Thọ'"
    )
    assert UnitSuccession.objects.count() == 0


def test_tone_mark_placement_does_not_matter_but_tones_do():
    assert tone_key("Thị xã Thái Hoà") == tone_key("Thị xã Thái Hòa")
    assert tone_key("Xã Hoa Sơn") != tone_key("Xã Hòa Sơn")


def test_a_file_saved_by_excel_with_a_byte_order_mark_imports(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_text(HEADER + "45,Tỉnh Quảng Trị,Tỉnh,province,\n", encoding="utf-8-sig")

    call_command("import_admin_units", str(path), "--valid-from", "2023-01-01", verbosity=0)

    assert unit_get_on(code="45", on=datetime.date(2024, 1, 1)).name == "Tỉnh Quảng Trị"


def test_a_file_that_is_not_utf8_is_rejected(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes((HEADER + "45,Tỉnh Quảng Trị,Tỉnh,province,\n").encode("utf-16"))

    with pytest.raises(CommandError) as raised:
        call_command("import_admin_units", str(path), "--valid-from", "2023-01-01", verbosity=0)

    assert str(raised.value).startswith("latin.csv: không đọc được")
