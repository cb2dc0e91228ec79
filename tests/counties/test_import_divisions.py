from __future__ import annotations

import os
import shutil
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from counties.models import County, Prefecture, Province, Township
from tests.conftest import DIVISIONS_DIR

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    # Operators see the command in the portal's language; these tests read the English text.
    with translation.override("en"):
        yield


PROVINCES = 'code,name\n33,"浙江省"\n52,"贵州省"\n'
CITIES = 'code,name,provinceCode\n3301,"杭州市",33\n5206,"铜仁市",52\n'
AREAS = 'code,name,cityCode,provinceCode\n330122,"桐庐县",3301,33\n520603,"万山区",5206,52\n'
STREETS = 'code,name,areaCode,provinceCode,cityCode\n330122001,"城南街道",330122,33,3301\n'


def write_set(directory, provinces=PROVINCES, cities=CITIES, areas=AREAS, streets=STREETS, encoding="utf-8"):
    for name, text in (
        ("provinces.csv", provinces),
        ("cities.csv", cities),
        ("areas.csv", areas),
        ("streets.csv", streets),
    ):
        if text is not None:
            (directory / name).write_bytes(text.encode(encoding))
    return directory


def run_import(directory) -> str:
    out = StringIO()
    call_command("import_divisions", str(directory), stdout=out)
    return out.getvalue()


def counts():
    return (
        Province.objects.count(),
        Prefecture.objects.count(),
        County.objects.count(),
        Township.objects.count(),
    )


@pytest.mark.skipif(
    not DIVISIONS_DIR.is_dir() and not os.environ.get("CI"),
    reason="../shared/data/divisions is not beside the repo",
)
def test_full_shared_set_imports_every_division_once(tmp_path):
    output = run_import(DIVISIONS_DIR)
    assert counts() == (31, 342, 2978, 41352)
    assert "2978 created" in output
    assert County.objects.with_parents().get(code="610830").full_name == "陕西省 榆林市 清涧县"

    again = run_import(DIVISIONS_DIR)
    assert counts() == (31, 342, 2978, 41352)
    assert "0 created, 0 updated, 2978 unchanged" in again
    assert "0 created, 0 updated, 41352 unchanged" in again


def test_reimport_updates_names_and_adds_new_rows(tmp_path):
    run_import(write_set(tmp_path))
    areas = AREAS.replace("万山区", "万山特区") + '330127,"淳安县",3301,33\n'
    output = run_import(write_set(tmp_path, areas=areas))

    assert County.objects.get(code="520603").name == "万山特区"
    assert County.objects.get(code="330127").name == "淳安县"
    assert County.objects.count() == 3
    assert "counties: 3 in file, 1 created, 1 updated, 1 unchanged" in output


def test_townships_are_optional(tmp_path):
    run_import(write_set(tmp_path, streets=None))
    assert counts() == (2, 2, 2, 0)


def test_file_with_byte_order_mark_is_read(tmp_path):
    run_import(write_set(tmp_path, encoding="utf-8-sig"))
    assert counts() == (2, 2, 2, 1)


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"areas": AREAS + '33012,"短码县",3301,33\n'}, "areas.csv:4: code '33012' is not 6 digits"),
        ({"areas": AREAS + '330199,"",3301,33\n'}, "areas.csv:4: the name is empty"),
        ({"areas": AREAS + '330122,"重复县",3301,33\n'}, "areas.csv:4: code 330122 appears twice"),
        (
            {"areas": AREAS + '330199,"错县",5206,52\n'},
            "areas.csv:4: cityCode '5206' does not match code 330199",
        ),
        ({"areas": AREAS + '330901,"孤县",3309,33\n'}, "areas.csv:4: cityCode 3309 is not a known division"),
        ({"cities": "code,title,provinceCode\n"}, "cities.csv:1: missing column(s) name"),
        ({"provinces": None}, "provinces.csv: file not found"),
        (
            {"streets": STREETS + '330122002,"多列镇",330122,33,3301,extra\n'},
            "streets.csv:3: wrong number of columns",
        ),
        ({"streets": STREETS + '330122002,"缺列镇",330122\n'}, "streets.csv:3: wrong number of columns"),
    ],
)
def test_bad_files_name_file_and_line_and_write_nothing(tmp_path, files, expected):
    write_set(tmp_path, **files)
    with pytest.raises(CommandError) as error:
        run_import(tmp_path)
    assert expected in str(error.value)
    assert counts() == (0, 0, 0, 0)


def test_non_utf8_file_names_the_line(tmp_path):
    write_set(tmp_path)
    (tmp_path / "areas.csv").write_bytes(AREAS.encode() + '330127,"淳安县",3301,33\n'.encode("gbk"))
    with pytest.raises(CommandError, match=r"areas.csv:4: not UTF-8 text"):
        run_import(tmp_path)
    assert counts() == (0, 0, 0, 0)


def test_bad_file_leaves_earlier_import_untouched(tmp_path):
    run_import(write_set(tmp_path))
    write_set(tmp_path, areas=AREAS.replace("万山区", "改名区") + '1,"坏",3301,33\n')
    with pytest.raises(CommandError):
        run_import(tmp_path)
    assert County.objects.get(code="520603").name == "万山区"


def test_missing_directory_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="is not a directory"):
        run_import(tmp_path / "nope")


def test_import_can_extend_divisions_already_in_database(tmp_path):
    run_import(write_set(tmp_path, streets=None))
    only_streets = tmp_path / "streets-only"
    shutil.copytree(tmp_path, only_streets, ignore=shutil.ignore_patterns("streets-only"))
    write_set(only_streets)
    run_import(only_streets)
    assert Township.objects.get(code="330122001").county_id == "330122"


def test_errors_are_reported_in_chinese_by_default(tmp_path):
    write_set(tmp_path, areas=AREAS + '330199,"",3301,33\n')
    with translation.override("zh-hans"), pytest.raises(CommandError) as error:
        run_import(tmp_path)
    assert "没有导入任何数据" in str(error.value)
    assert "areas.csv 第 4 行：名称为空。" in str(error.value)
