"""The national portal's state codes for each change, as shipped: placeholders in the portal's own
words until the province has the current synchronisation call's list (unverified; OpenCPS's from
2020 is not it). The province corrects them in the administration."""

from django.db import migrations

STATES = [
    ("received", "DA_TIEP_NHAN", "Đã tiếp nhận"),
    ("in_progress", "DANG_XU_LY", "Đang giải quyết"),
    ("returned", "YEU_CAU_BO_SUNG", "Yêu cầu bổ sung hồ sơ"),
    ("step_done", "DANG_XU_LY", "Đang giải quyết (một thủ tục đã xong)"),
    ("step_refused", "DANG_XU_LY", "Đang giải quyết (một thủ tục bị từ chối)"),
    ("late", "QUA_HAN", "Quá hạn, có thư xin lỗi và hẹn lại"),
    ("completed", "DA_GIAI_QUYET", "Đã giải quyết"),
    ("partly_completed", "DA_GIAI_QUYET_MOT_PHAN", "Đã giải quyết một phần"),
    ("refused", "TU_CHOI", "Từ chối giải quyết"),
    ("handed_over", "DA_TRA_KET_QUA", "Đã trả kết quả"),
]


def add(apps, schema_editor):
    NationalState = apps.get_model("outbound", "NationalState")
    for event, code, label in STATES:
        NationalState.objects.get_or_create(event=event, defaults={"code": code, "label": label})


class Migration(migrations.Migration):
    dependencies = [("outbound", "0001_initial")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
