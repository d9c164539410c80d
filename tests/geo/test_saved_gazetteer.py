"""The gazetteer the writer saves beside the index answers exactly as the one built in memory,
and a saved one from other data is never used."""

from __future__ import annotations

import json
import random
from pathlib import Path

from trialscout.geo.gazetteer import Gazetteer, gazetteer
from trialscout.geo.names import Region


def test_a_saved_gazetteer_finds_what_the_built_one_finds(tmp_path: Path) -> None:
    built = gazetteer()
    built.save(tmp_path)
    saved = Gazetteer.load(tmp_path)
    assert saved is not None and len(saved) == len(built)
    keys = list(built.keys())
    assert list(saved.keys()) == keys
    rng = random.Random(7)
    for key in [*rng.sample(keys, 2000), "chicago", "paris", "koln", "cologne", "palo alto", "no such place"]:
        assert saved.find(key) == built.find(key), key
    us = [Region("US", None, "")]
    assert saved.find("paris", [us]) == built.find("paris", [us]) != built.find("paris")
    for index in rng.sample(range(len(built)), 500):
        assert (saved.names[index], saved.countries[index], saved.admin1[index]) == (
            built.names[index],
            built.countries[index],
            built.admin1[index],
        )
        assert saved.latitudes[index] == built.latitudes[index]
        assert saved.populations[index] == built.populations[index]
    assert saved.centre(Region("FR", None, "")) == built.centre(Region("FR", None, ""))


def test_a_gazetteer_saved_from_other_data_is_not_used(tmp_path: Path) -> None:
    gazetteer().save(tmp_path)
    tables = json.loads((tmp_path / "tables.json").read_text())
    tables["version"] = "0:another extract"
    (tmp_path / "tables.json").write_text(json.dumps(tables))
    assert Gazetteer.load(tmp_path) is None
    assert Gazetteer.load(tmp_path / "missing") is None
