"""`anhui-collect progress --json` counts what domain.md's rules count, as a person would by hand."""

import json

from desktop.services.checking import default_checker
from desktop.services.records import RecordService
from forms.examples import example
from tests.conftest import run_cli
from tests.office.conftest import enterprise


def test_progress_json_matches_hand_count(office):
    service = RecordService(office, default_checker(office.paths.root))
    platform = example("platform")  # provincial key lab, operating
    service.add("platform", platform, final=True)
    service.add("platform", dict(platform, name="市级实验室", level="municipal"), final=True)  # below provincial
    service.add("platform", dict(platform, name="草稿实验室"))  # a draft never counts

    standard = example("standard")  # GB/T national, published
    service.add("standard", standard, final=True)
    service.add("standard", dict(standard, title="团体标准", number="T/CSTEA 0001-2021", level="group"), final=True)
    service.add("standard", dict(standard, title="地方标准", number="DB34/T 1234-2020", level="local"), final=True)
    service.add("standard", dict(standard, title="同号另报"), final=True)  # same number: counted once

    service.add("enterprise", example("enterprise"), final=True)  # high-tech, output 12000.5 万元
    service.add("enterprise", enterprise(1, output=7999.5, output_year=2024), final=True)

    result = run_cli(office.paths.root, "progress", "--json")
    assert result.returncode == 0, result.stderr
    targets = {t["code"]: t for t in json.loads(result.stdout)["targets"]}
    assert targets["platforms"]["value"] == 1
    assert targets["standards"]["value"] == 2
    assert targets["high_tech_enterprises"]["value"] == 1
    assert targets["output_total"]["value"] == 2.0  # (12000.5 + 7999.5) 万元 = 2 亿元
    assert targets["output_total"]["by_sector"] == {"quantum": 2.0}
    assert targets["talent_teams"]["value"] == 0
